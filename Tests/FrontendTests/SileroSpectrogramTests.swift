import Foundation
import Frontend
import Model
import Testing

/// The `silero` front end against a direct DFT in Double of the same definition (Silero's STFT:
/// 64 samples of context, reflect padding of 64, frames of 256 every 128, periodic Hann).
@Suite struct SileroSpectrogramTests {
    /// |X_t[k]| at k·frames + t for each 512-sample chunk, from zero context, in Double.
    static func reference(_ samples: [Float]) -> [[Double]] {
        let n = 256, hop = 128, bins = 129, frames = 4
        var context = [Double](repeating: 0, count: 64)
        var out: [[Double]] = []
        var start = 0
        while start + 512 <= samples.count {
            var x = context + samples[start..<(start + 512)].map(Double.init)
            for j in 0..<64 { x.append(x[576 - 2 - j]) }
            var features = [Double](repeating: 0, count: bins * frames)
            for t in 0..<frames {
                for k in 0..<bins {
                    var re = 0.0, im = 0.0
                    for i in 0..<n {
                        let w = 0.5 - 0.5 * cos(2 * Double.pi * Double(i) / Double(n))
                        let phase = 2 * Double.pi * Double(k * i) / Double(n)
                        re += w * x[t * hop + i] * cos(phase)
                        im -= w * x[t * hop + i] * sin(phase)
                    }
                    features[k * frames + t] = (re * re + im * im).squareRoot()
                }
            }
            out.append(features)
            context = Array(x[512..<576])
            start += 512
        }
        return out
    }

    @Test func matchesADirectDFT() throws {
        let config = FrontendConfig.silero()
        #expect(config.featureCount == 516)
        let extractor = try FeatureExtractor(config: config)
        let samples = randomSignal(count: 512 * 6 + 100, seed: 3)
        let expected = Self.reference(samples)
        var output = [Float](repeating: 0, count: extractor.featureCount)
        var got: [[Float]] = []
        samples.withUnsafeBufferPointer { input in
            output.withUnsafeMutableBufferPointer { out in
                var offset = 0
                while offset < input.count {
                    // Uneven pieces: the chunking must not depend on how samples arrive.
                    let count = min(97, input.count - offset)
                    let step = extractor.process(UnsafeBufferPointer(start: input.baseAddress! + offset, count: count), into: out)
                    offset += step.consumed
                    if step.produced { got.append(Array(out)) }
                }
            }
        }
        #expect(got.count == 6 && expected.count == 6)
        var worst = 0.0
        var peak = 0.0
        for (row, want) in zip(got, expected) {
            for (g, w) in zip(row, want) {
                worst = max(worst, abs(Double(g) - w))
                peak = max(peak, w)
            }
        }
        #expect(worst <= 1e-5 * max(peak, 1), "max error \(worst) (peak magnitude \(peak))")
    }

    @Test func invalidGeometryIsRefused() {
        var config = FrontendConfig.silero()
        config.hopLength = 600
        #expect(throws: FrontendError.self) { try config.validate() }
        config = FrontendConfig.silero()
        config.fftLength = 2
        #expect(throws: FrontendError.self) { try config.validate() }
    }
}
