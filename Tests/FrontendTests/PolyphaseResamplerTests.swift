import AllocationCounter
import Foundation
import Frontend
import Model
import Testing

/// The resampler against band-limited signals whose value at any time is known exactly (a sum
/// of sines), chunked streaming against whole-signal conversion, and its limits. The comparison
/// with scipy.signal.resample_poly on real clips is in tools/checks/frontend_parity.py.
@Suite struct PolyphaseResamplerTests {
    /// A sum of sines at the given rate.
    static func tones(rate: Int, count: Int, frequencies: [Double]) -> [Float] {
        (0..<count).map { n in
            let t = Double(n) / Double(rate)
            return Float(frequencies.enumerated().reduce(0.0) { sum, item in
                sum + 0.3 * sin(2 * Double.pi * item.element * t + Double(item.offset))
            })
        }
    }

    @Test(arguments: [(44100, 16000), (48000, 16000), (8000, 16000), (16000, 22050), (22050, 16000)])
    func tonesKeepTheirValues(input: Int, output: Int) throws {
        let resampler = try PolyphaseResampler(inputRate: input, outputRate: output)
        // Tones below 0.4 of the lower Nyquist frequency sit in the pass band.
        let nyquist = Double(min(input, output)) / 2
        let frequencies = [0.05, 0.13, 0.29, 0.4].map { $0 * nyquist }
        let x = Self.tones(rate: input, count: input / 2, frequencies: frequencies)
        let y = resampler.resample(x)
        #expect(y.count == (x.count * output + input - 1) / input)
        let exact = Self.tones(rate: output, count: y.count, frequencies: frequencies)
        // Away from the edges (where the signal is cut off), within the filter's pass-band ripple.
        let margin = output / 20
        var worst: Float = 0
        for n in margin..<(y.count - margin) { worst = max(worst, abs(y[n] - exact[n])) }
        #expect(worst < 2e-3, "max error \(worst) for \(input) -> \(output)")
    }

    @Test func tonesAboveTheNewNyquistAreRemoved() throws {
        let resampler = try PolyphaseResampler(inputRate: 48000, outputRate: 16000)
        let y = resampler.resample(Self.tones(rate: 48000, count: 24000, frequencies: [12000, 15000]))
        let middle = y[1000..<7000]
        #expect(middle.map { abs($0) }.max()! < 0.01, "alias residue \(middle.map { abs($0) }.max()!)")
    }

    @Test func chunkedStreamingEqualsTheWholeSignal() throws {
        let resampler = try PolyphaseResampler(inputRate: 44100, outputRate: 16000)
        let x = Self.tones(rate: 44100, count: 20000, frequencies: [440, 3000])
        let whole = resampler.resample(x)
        // Stream with odd chunk sizes into a small output buffer; the stream lags by the filter delay.
        resampler.reset()
        var streamed: [Float] = []
        var buffer = [Float](repeating: 0, count: 7)
        let chunks = [1, 333, 64, 5000]
        var offset = 0, index = 0
        x.withUnsafeBufferPointer { input in
            buffer.withUnsafeMutableBufferPointer { out in
                while offset < input.count {
                    let size = min(chunks[index % chunks.count], input.count - offset)
                    index += 1
                    var chunk = UnsafeBufferPointer(rebasing: input[offset..<(offset + size)])
                    offset += size
                    while !chunk.isEmpty {  // each call consumes or produces (a full output stops it)
                        let step = resampler.process(chunk, into: out)
                        streamed += out.prefix(step.produced)
                        chunk = UnsafeBufferPointer(rebasing: chunk[step.consumed...])
                    }
                }
            }
        }
        #expect(streamed.count > 0 && streamed.count <= whole.count)
        #expect(Array(whole.prefix(streamed.count)) == streamed)
    }

    @Test func equalRatesPassThrough() throws {
        let resampler = try PolyphaseResampler(inputRate: 16000, outputRate: 16000)
        let x = Self.tones(rate: 16000, count: 1000, frequencies: [100])
        #expect(resampler.resample(x) == x)
        #expect(resampler.upFactor == 1 && resampler.downFactor == 1)
    }

    @Test func ratesAreReduced() throws {
        let resampler = try PolyphaseResampler(inputRate: 44100, outputRate: 16000)
        #expect(resampler.upFactor == 160 && resampler.downFactor == 441 && resampler.halfLength == 4410)
    }

    @Test func badRatesAreErrors() {
        #expect(throws: FrontendError.invalidSampleRate(0)) { _ = try PolyphaseResampler(inputRate: 0, outputRate: 16000) }
        #expect(throws: FrontendError.invalidSampleRate(1 << 30)) {
            _ = try PolyphaseResampler(inputRate: 16000, outputRate: 1 << 30)
        }
        #expect(throws: FrontendError.unsupportedResamplingRatio(inputRate: 96_001, outputRate: 16000)) {
            _ = try PolyphaseResampler(inputRate: 96_001, outputRate: 16000)
        }
    }

    @Test func processingAllocatesNothing() throws {
        #expect(allocation_counter_is_active() == 1)
        let resampler = try PolyphaseResampler(inputRate: 48000, outputRate: 16000)
        let x = Self.tones(rate: 48000, count: 4800, frequencies: [1000])
        var out = [Float](repeating: 0, count: 200)
        var produced = 0
        x.withUnsafeBufferPointer { input in
            out.withUnsafeMutableBufferPointer { output in
                // Warm-up: the first use of a generic type instantiates its metadata (an allocation
                // of the Swift runtime, once per process), which is not the resampler's doing.
                _ = resampler.process(UnsafeBufferPointer(rebasing: input[0...]), into: output)
                resampler.reset()
                allocation_counter_begin()
                for _ in 0..<20 {
                    var offset = 0
                    while offset < input.count {
                        let step = resampler.process(UnsafeBufferPointer(rebasing: input[offset...]), into: output)
                        offset += step.consumed
                        produced += step.produced
                    }
                }
                resampler.reset()
                let count = allocation_counter_end()
                #expect(count == 0, "\(count) allocations")
            }
        }
        #expect(produced > 20 * 1500)
    }
}
