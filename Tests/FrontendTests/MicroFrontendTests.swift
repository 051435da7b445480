import AllocationCounter
import Foundation
@testable import Frontend
import Model
import TestSupport
import Testing

/// The `micro` front end's streaming behaviour and integer helpers. Its values are checked against
/// pymicro-features itself by tools/checks/micro_parity.py (480 real clips, every value identical).
@Suite struct MicroFrontendTests {
    /// 1.5 s of 16-bit speech-like audio: a gliding tone with bursts, plus noise.
    static let pcm: [Int16] = {
        var generator = SeededGenerator(seed: 2024)
        return (0..<24000).map { t -> Int16 in
            let time = Double(t) / 16000
            let envelope = 0.2 + 0.8 * abs(sin(2 * .pi * 3 * time))
            let tone = 9000 * envelope * sin(2 * .pi * (150 + 1800 * time) * time)
            return Int16(tone + Double(Int.random(in: -300...300, using: &generator)))
        }
    }()

    /// All frames of `samples`, pushed in chunks cycling through `chunks`.
    static func frames(_ frontend: MicroFrontend, _ samples: [Int16], chunks: [Int]) -> [[UInt16]] {
        var result: [[UInt16]] = []
        samples.withUnsafeBufferPointer { input in
            var offset = 0
            var index = 0
            while offset < input.count {
                let size = min(chunks[index % chunks.count], input.count - offset)
                index += 1
                var done = 0
                while done < size {
                    let step = frontend.process(UnsafeBufferPointer(rebasing: input[(offset + done)..<(offset + size)]))
                    done += step.consumed
                    if step.produced { result.append(Array(frontend.values)) }
                }
                offset += size
            }
        }
        return result
    }

    @Test func framesFollowTheHop() throws {
        let frontend = try MicroFrontend(config: .micro())
        #expect(frontend.windowLength == 480 && frontend.hopLength == 160 && frontend.fftLength == 512)
        #expect(frontend.channelCount == 40)
        let frames = Self.frames(frontend, Self.pcm, chunks: [160])
        #expect(frames.count == 1 + (Self.pcm.count - 480) / 160)
        // Speech-like input gives varied, non-saturated values.
        let values = frames.flatMap { $0 }
        #expect(Set(values).count > 100)
        #expect(values.max()! < 0xFFFF)
    }

    @Test(arguments: [[1], [7, 160, 333], [160], [479, 1, 2], [24000]])
    func chunkingDoesNotChangeTheFrames(chunks: [Int]) throws {
        let expected = Self.frames(try MicroFrontend(config: .micro()), Self.pcm, chunks: [24000])
        let got = Self.frames(try MicroFrontend(config: .micro()), Self.pcm, chunks: chunks)
        #expect(got == expected)
    }

    @Test func stateCarriesAcrossFramesAndResetClearsIt() throws {
        let first = Array(Self.pcm[0..<8000])
        let second = Array(Self.pcm[8000...])
        let fresh = Self.frames(try MicroFrontend(config: .micro()), second, chunks: [160])

        let frontend = try MicroFrontend(config: .micro())
        _ = Self.frames(frontend, first, chunks: [160])
        // The noise estimates (and the buffered samples) carry over: the same audio gives other values.
        let continued = Self.frames(frontend, second, chunks: [160])
        #expect(continued != fresh)

        frontend.reset()
        #expect(frontend.samplesUntilNextFrame == 480)
        #expect(Self.frames(frontend, second, chunks: [160]) == fresh)
    }

    @Test func floatSamplesFromPCMGiveTheSameValues() throws {
        let floats = Self.pcm.map { Float($0) / 32768 }
        let expected = Self.frames(try MicroFrontend(config: .micro()), Self.pcm, chunks: [160])
        let frontend = try MicroFrontend(config: .micro())
        var got: [[UInt16]] = []
        floats.withUnsafeBufferPointer { input in
            var offset = 0
            while offset < input.count {
                let step = frontend.process(UnsafeBufferPointer(rebasing: input[offset...]))
                offset += step.consumed
                if step.produced { got.append(Array(frontend.values)) }
            }
        }
        #expect(got == expected)
    }

    @Test func featureExtractorGivesTheScaledValues() throws {
        let config = try FrontendPreset.micro.config()
        #expect(config.spectrumPrecision == .tfliteMicroInt16 && config.featureCount == 40)
        let extractor = try FeatureExtractor(config: config)
        let floats = Self.pcm.map { Float($0) / 32768 }
        let features = extractor.features(of: floats)
        let values = Self.frames(try MicroFrontend(config: config), Self.pcm, chunks: [160])
        #expect(features == values.map { $0.map { Float($0) * 0.0390625 } })
    }

    @Test func processingAllocatesNothing() throws {
        #expect(allocation_counter_is_active() == 1)
        let frontend = try MicroFrontend(config: .micro())
        let extractor = try FeatureExtractor(config: try FrontendPreset.micro.config())
        let floats = Self.pcm.map { Float($0) / 32768 }
        var output = [Float](repeating: 0, count: 40)
        var produced = 0
        Self.pcm.withUnsafeBufferPointer { input in
            floats.withUnsafeBufferPointer { floatInput in
                output.withUnsafeMutableBufferPointer { out in
                    // The slice types this test makes are instantiated by the Swift runtime on first
                    // use (an allocation that is the test's, not the front end's): make them first.
                    _ = UnsafeBufferPointer(rebasing: input[0..<160])
                    _ = UnsafeBufferPointer(rebasing: floatInput[0..<160])
                    allocation_counter_begin()
                    for _ in 0..<3 {
                        var offset = 0
                        while offset < input.count {  // one 10 ms hop per call, as from a capture device
                            let end = min(offset + 160, input.count)
                            var done = offset
                            while done < end {
                                let step = frontend.process(UnsafeBufferPointer(rebasing: input[done..<end]))
                                done += step.consumed
                                if step.produced { produced += 1 }
                            }
                            done = offset
                            while done < end {
                                let step = extractor.process(UnsafeBufferPointer(rebasing: floatInput[done..<end]), into: out)
                                done += step.consumed
                                if step.produced { produced += 1 }
                            }
                            offset = end
                        }
                        frontend.reset()
                        extractor.reset()
                    }
                    let allocations = allocation_counter_end()
                    #expect(allocations == 0, "\(allocations) allocations in \(produced) frames")
                }
            }
        }
        #expect(produced == 3 * 2 * (1 + (Self.pcm.count - 480) / 160))
    }

    @Test func otherWindowsAndBanksWork() throws {
        // 25 ms / 10 ms, 32 channels (TensorFlow Lite Micro's own defaults) at 16 kHz, and 8 kHz.
        let defaults = try MicroFrontend(config: .micro(windowMilliseconds: 25, channelCount: 32))
        #expect(defaults.fftLength == 512 && defaults.channelCount == 32)
        #expect(Self.frames(defaults, Self.pcm, chunks: [100]).count == 1 + (24000 - 400) / 160)
        let narrow = try MicroFrontend(config: .micro(sampleRate: 8000, upperBandLimit: 3800))
        #expect(narrow.windowLength == 240 && narrow.fftLength == 256)
    }

    @Test func configurationsItCannotComputeAreRejected() {
        var withDCT = FrontendConfig.micro()
        withDCT.dct = .orthonormal
        withDCT.coefficientCount = 13
        #expect(throws: FrontendError.self) { try MicroFrontend(config: withDCT) }
        var longFFT = FrontendConfig.micro()
        longFFT.fftLength = 1024
        #expect(throws: FrontendError.self) { try MicroFrontend(config: longFFT) }
        var longHop = FrontendConfig.micro()
        longHop.hopLength = 481
        #expect(throws: FrontendError.self) { try MicroFrontend(config: longHop) }
        var scaled = FrontendConfig.micro()
        scaled.sampleScale = 32768
        #expect(throws: FrontendError.self) { try MicroFrontend(config: scaled) }
        // Through FeatureExtractor too (the configuration itself is valid, the micro front end refuses it).
        #expect(throws: FrontendError.self) { try FeatureExtractor(config: withDCT) }
    }

    @Test func quantizesAsPymicroWakeWord() {
        // Expected values printed by numpy 2.4.6 running pymicro-wakeword 2.5.0's expression
        // np.round(v * 0.0390625 / 0.10196078568696976 + -128).astype(np.int8) (667 and up wrap).
        let values: [UInt16] = [0, 1, 2, 100, 333, 500, 665, 666, 667, 700, 1000, 65535]
        let numpy: [Int8] = [-128, -128, -127, -90, 0, 64, 127, 127, -128, -116, -1, -109]
        let ours = values.map { MicroFrontend.pymicroWakeWordInput($0, scale: 0.10196078568696976, zeroPoint: -128) }
        #expect(ours == numpy)
    }

    // MARK: - Integer helpers, against their definitions

    @Test func squareRootRoundsToNearest() {
        var generator = SeededGenerator(seed: 5)
        var inputs: [UInt64] = [0, 1, 2, 3, 4, 5, 0xFFFF_FFFF, 1 << 32, (1 << 32) + 1, UInt64.max >> 2]
        for _ in 0..<2000 { inputs.append(UInt64.random(in: 0...(1 << 50), using: &generator) >> UInt64.random(in: 0...40, using: &generator)) }
        for n in inputs {
            // floor(sqrt(n)) exactly, then up by one when n - r^2 > r (i.e. sqrt(n) > r + 1/2), except
            // past the path's range (0xFFFF below 2^32, 0xFFFFFFFF above).
            var r = UInt64(Double(n).squareRoot())
            while r * r > n { r -= 1 }
            while (r + 1) * (r + 1) <= n { r += 1 }
            let limit: UInt64 = n >> 32 == 0 ? 0xFFFF : 0xFFFF_FFFF
            let expected = n - r * r > r && r != limit ? r + 1 : r
            #expect(UInt64(MicroFrontend.squareRoot64(n)) == expected, "n = \(n)")
        }
    }

    @Test func logarithmIsSixtyFourTimesLn() throws {
        let table = MicroFrontend.logCorrectionTable()
        try table.withUnsafeBufferPointer { pointer in
            let base = try #require(pointer.baseAddress)
            var worst = 0.0
            var x: UInt32 = 2
            while x < 0xFFFF_0000 {
                let got = Double(MicroFrontend.logarithm(x, scaleShift: 6, base))
                worst = max(worst, abs(got - 64 * log(Double(x))))
                x = x &+ max(1, x / 97)
            }
            #expect(worst <= 1.0, "max |log - 64 ln x| = \(worst)")
        }
    }

    @Test func pcanShrinkIsQuadraticThenLinear() {
        for x: UInt32 in [0, 1, 100, 4095, 4096, 8191, 8192, 9000, 1 << 20, 0xFFFF_FFFF] {
            let expected = x < 8192 ? (UInt64(x) * UInt64(x)) >> 20 : UInt64(x >> 6) - 64
            #expect(UInt64(MicroFrontend.pcanShrink(x)) == expected)
        }
    }

    @Test func gainTableFollowsThePowerLaw() throws {
        // inputBits 7: gain(x) = 2^21 (x / 128 + 80)^-0.95, saturated at 32767; one quadratic per
        // octave of x approximates it within about 1%.
        let table = MicroFrontend.pcanGainTable(inputBits: 7)
        try table.withUnsafeBufferPointer { pointer in
            let base = try #require(pointer.baseAddress)
            for x: UInt32 in [0, 1, 2, 3, 100, 1000, 5000, 40_000, 1 << 20, 1 << 28] {
                let exact = min(32767, 2_097_152 * pow(Double(x) / 128 + 80, -0.95))
                let got = Double(MicroFrontend.wideDynamicFunction(x, base))
                #expect(abs(got - exact) <= max(2, exact * 0.015), "x = \(x): \(got) vs \(exact)")
            }
        }
    }
}
