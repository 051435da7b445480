import Foundation
import Frontend
import Model
import Testing

@Suite struct MelFilterbankTests {
    static func dense(_ bank: MelFilterbank) -> [[Float]] {
        var rows = [[Float]](repeating: [Float](repeating: 0, count: bank.binCount), count: bank.bandCount)
        for band in 0..<bank.bandCount {
            for j in 0..<bank.weightCount[band] {
                rows[band][bank.firstBin[band] + j] = bank.weights[bank.weightOffset[band] + j]
            }
        }
        return rows
    }

    @Test func tensorFlowLayout() throws {
        let bank = try MelFilterbank(
            style: .tensorFlow, scale: .htk, normalization: .none, bandCount: 40, fftLength: 1024,
            sampleRate: 16000, lowFrequency: 20, highFrequency: 4000)
        #expect(bank.bandCount == 40 && bank.binCount == 513)
        let rows = Self.dense(bank)
        // hz per bin 15.625: start = Int(1.5 + 20/15.625) = 2, end = Int(4000/15.625) = 256.
        for bin in 0..<513 {
            let total = rows.reduce(Float(0)) { $0 + $1[bin] }
            if bin < 2 || bin > 256 {
                #expect(total == 0, "bin \(bin) is outside start...end")
            }
        }
        // Between the first and the last peak every bin splits its weight 1 between two bands.
        let mel = { (bin: Int) in 1127 * log1p(Double(bin) * 15.625 / 700) }
        let melLow = 1127 * log1p(20 / 700.0), melHigh = 1127 * log1p(4000 / 700.0)
        let spacing = (melHigh - melLow) / 41
        for bin in 2...256 where mel(bin) > melLow + spacing && mel(bin) <= melLow + 40 * spacing {
            let total = rows.reduce(Float(0)) { $0 + $1[bin] }
            #expect(abs(total - 1) < 1e-6, "bin \(bin) sums to \(total)")
            #expect(rows.filter { $0[bin] != 0 }.count <= 2)
        }
        // Each band peaks next to its center: mel_low + (c + 1) * spacing.
        for band in 0..<40 {
            let peakBin = rows[band].indices.max { rows[band][$0] < rows[band][$1] }!
            let center = melLow + Double(band + 1) * spacing
            let nearest = (2...256).min { abs(mel($0) - center) < abs(mel($1) - center) }!
            #expect(abs(peakBin - nearest) <= 1, "band \(band) peaks at bin \(peakBin), center near \(nearest)")
        }
    }

    @Test func hertzTrianglesWithSlaneyNormHaveUnitArea() throws {
        let bank = try MelFilterbank(
            style: .hertzTriangles, scale: .slaney, normalization: .slaney, bandCount: 40, fftLength: 2048,
            sampleRate: 16000, lowFrequency: 0, highFrequency: 8000)
        let rows = Self.dense(bank)
        let binWidth: Float = 16000 / 2048
        for band in 10..<40 {  // the upper bands span many bins, so the sum approximates the integral
            let area = rows[band].reduce(0, +) * binWidth
            #expect(abs(area - 1) < 0.02, "band \(band) area \(area)")
        }
    }

    @Test func melTrianglesPeakAtOneAndSkipNyquist() throws {
        let bank = try MelFilterbank(
            style: .melTriangles, scale: .htk, normalization: .none, bandCount: 23, fftLength: 512,
            sampleRate: 16000, lowFrequency: 20, highFrequency: 8000)
        let rows = Self.dense(bank)
        for band in 0..<23 {
            #expect(rows[band][256] == 0)
            let peak = rows[band].max()!
            #expect(peak > 0.8 && peak <= 1)
        }
    }

    @Test func applyIsTheSparseDotProduct() throws {
        let bank = try MelFilterbank(
            style: .tensorFlow, scale: .htk, normalization: .none, bandCount: 40, fftLength: 1024,
            sampleRate: 16000, lowFrequency: 20, highFrequency: 4000)
        let spectrum = randomSignal(count: 513, seed: 7).map { abs($0) }
        var output = [Float](repeating: 0, count: 40)
        bank.apply(spectrum, into: &output)
        let rows = Self.dense(bank)
        for band in 0..<40 {
            let expected = zip(rows[band], spectrum).reduce(Double(0)) { $0 + Double($1.0) * Double($1.1) }
            #expect(abs(Double(output[band]) - expected) <= 1e-5 * max(1, expected))
        }
    }

    @Test func rejectsBadRanges() {
        #expect(throws: FrontendError.invalidFrequencyRange(low: 4000, high: 20, nyquist: 8000)) {
            try MelFilterbank(style: .tensorFlow, scale: .htk, normalization: .none, bandCount: 40,
                              fftLength: 1024, sampleRate: 16000, lowFrequency: 4000, highFrequency: 20)
        }
        #expect(throws: FrontendError.invalidFrequencyRange(low: 0, high: 9000, nyquist: 8000)) {
            try MelFilterbank(style: .hertzTriangles, scale: .slaney, normalization: .none, bandCount: 40,
                              fftLength: 1024, sampleRate: 16000, lowFrequency: 0, highFrequency: 9000)
        }
        #expect(throws: FrontendError.invalidMelBandCount(0)) {
            try MelFilterbank(style: .tensorFlow, scale: .htk, normalization: .none, bandCount: 0,
                              fftLength: 1024, sampleRate: 16000, lowFrequency: 20, highFrequency: 4000)
        }
    }
}
