import Foundation
import Frontend
import Model
import Testing

/// The Kaldi presets against kaldi-native-fbank's own output on a signal whose high bands lie
/// ~110 dB below its peak (fixtures from tools/fixtures/make_kaldi_fixtures.py), and the Kaldi filterbank
/// against Kaldi's float expressions evaluated with the C library's logf.
@Suite struct KaldiPresetTests {
    static let tone = KaldiFixtures.toneSamples.map { Float(bitPattern: $0) }

    static func maxError(_ frames: [[Float]], _ expected: [UInt32], width: Int) -> (error: Double, frames: Int) {
        var error = 0.0
        for (f, frame) in frames.enumerated() {
            for j in 0..<width {
                let want = Float(bitPattern: expected[f * width + j])
                error = max(error, abs(Double(frame[j]) - Double(want)))
            }
        }
        return (error, frames.count)
    }

    @Test func fbankMatchesKaldiNativeFbankInItsWeakBands() throws {
        let config = FrontendConfig.kaldiFbank(melBinCount: 80)
        #expect(config.spectrumPrecision == .float32KissFFT)
        let frames = try FeatureExtractor(config: config).features(of: Self.tone)
        let result = Self.maxError(frames, KaldiFixtures.toneFbank80, width: 80)
        #expect(result.frames * 80 == KaldiFixtures.toneFbank80.count)
        #expect(result.error <= 2e-5, "max abs error \(result.error) vs kaldi-native-fbank")

        // Control: the same preset with an ordinary Float FFT is off by far more in those bands,
        // so this fixture does test the rounding order.
        var plain = config
        plain.spectrumPrecision = .float32
        let control = Self.maxError(try FeatureExtractor(config: plain).features(of: Self.tone),
                                    KaldiFixtures.toneFbank80, width: 80)
        #expect(control.error > 1e-3, "plain float32 FFT: max abs error \(control.error): the fixture no longer separates them")
    }

    @Test func mfccMatchesKaldiNativeFbank() throws {
        let config = FrontendConfig.kaldiMFCC()
        let frames = try FeatureExtractor(config: config).features(of: Self.tone)
        let result = Self.maxError(frames, KaldiFixtures.toneMFCC, width: 13)
        #expect(result.frames * 13 == KaldiFixtures.toneMFCC.count)
        #expect(result.error <= 1e-4, "max abs error \(result.error) vs kaldi-native-fbank")
    }

    /// mel-computations.cc's InitKaldiMelBanks in float, with Glibc's logf: the same bins and the
    /// same weights within 2e-6. Not bit for bit: Glibc's logf is not correctly rounded (e.g.
    /// logf(1 + 20/700), Kaldi's lowest mel point, is one ulp below the nearest Float) while
    /// ElementaryMath.log is, and one ulp on a mel point moves the weights near a triangle's feet by
    /// up to ~1e-6. Weights computed in Double instead differ by 3.4e-6 (23 bands) and 1.1e-5 (80 bands).
    @Test(arguments: [(23, 512, 16000, 20.0, 8000.0), (80, 512, 16000, 20.0, 8000.0), (40, 256, 8000, 64.0, 3800.0)])
    func melTrianglesAreKaldisFloatWeights(bands: Int, fftLength: Int, rate: Int, low: Double, high: Double) throws {
        let bank = try MelFilterbank(
            style: .melTriangles, scale: .htk, normalization: .none, bandCount: bands, fftLength: fftLength,
            sampleRate: rate, lowFrequency: low, highFrequency: high)
        func mel(_ f: Float) -> Float { 1127 * logf(1 + f / 700) }
        let width = Float(rate) / Float(fftLength)
        let melLow = mel(Float(low))
        let delta = (mel(Float(high)) - melLow) / Float(bands + 1)
        var mismatches: [String] = []
        for band in 0..<bands {
            let left = melLow + Float(band) * delta
            let center = melLow + Float(band + 1) * delta
            let right = melLow + Float(band + 2) * delta
            var expected: [(Int, Float)] = []
            for bin in 0..<(fftLength / 2) {
                let m = mel(width * Float(bin))
                if m > left && m < right {
                    expected.append((bin, m <= center ? (m - left) / (center - left) : (right - m) / (right - center)))
                }
            }
            let first = bank.firstBin[band], offset = bank.weightOffset[band], count = bank.weightCount[band]
            guard let start = expected.first?.0, count == expected.count, first == start else {
                mismatches.append("band \(band): bins \(first)+\(count) vs \(expected.first?.0 ?? -1)+\(expected.count)")
                continue
            }
            for (j, (_, weight)) in expected.enumerated() where abs(bank.weights[offset + j] - weight) > 2e-6 {
                mismatches.append("band \(band) bin \(first + j): \(bank.weights[offset + j]) vs \(weight)")
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) differences: \(mismatches.prefix(6))")
    }
}
