import Model

import CKernels
import Kernels

// The tables of TensorFlow Lite Micro's audio front end, built once at set-up with the same
// expressions as its *_util.c files (restated, not copied), so that every integer in them comes out
// the same. pymicro-features' build evaluates all of them in Float, with cosf, log1pf and powf
// (read from its machine code: its constants are single precision), calling the C library at run
// time; kissfft's twiddles stay in Double (`FixedPointRealFFT`). Glibc's log1pf is not correctly
// rounded (on the default 125-7500 Hz bank, 22 of the bins' mel values differ from the correctly
// rounded ones, and 2 of them change a weight), so these tables call the C library's own cosf,
// log1pf and powf (set-up only; CKernels' PlatformMath.c).

extension MicroFrontend {
    /// The filterbank's layout: channel c (0...channels, one more than the output has) takes bins
    /// start[c] ..< start[c] + width[c]; weights and unweights (Q12) are packed channel after channel.
    struct FilterbankTables {
        var startIndex = 0
        var endIndex = 0
        var channelStart: [Int] = []
        var channelWidth: [Int] = []
        var weights: [Int16] = []
        var unweights: [Int16] = []
    }

    /// cos in Float (the C library's cosf).
    static func cosine(_ x: Float) -> Float { ek_platform_cosf(x) }

    /// The window in Q12: floor(4096 (0.5 - 0.5 cos((i + 0.5) 2 pi / size)) + 0.5), all in Float.
    static func windowCoefficients(size: Int) -> [Int16] {
        let step = Float(2 * setupPi) / Float(size)
        return (0..<size).map { i in
            let value: Float = 0.5 - 0.5 * cosine((Float(i) + 0.5) * step)
            return Int16((value * Float(1 << windowBits) + 0.5).rounded(.down))
        }
    }

    /// 1127 ln(1 + f / 700) in Float (the C library's log1pf).
    static func melOf(_ frequency: Float) -> Float {
        1127 * ek_platform_log1pf(frequency / 700)
    }

    /// The mel filterbank of `channels` channels over `lower`...`upper` Hz for an FFT of
    /// `fftLength` at `sampleRate`: channel peaks equally spaced in mel at
    /// mel(lower) + (c + 1) (mel(upper) - mel(lower)) / (channels + 1), DC excluded
    /// (first bin Int(1.5 + lower / hzPerBin)); bin b of channel c gets
    /// w = (peak[c] - mel(b hzPerBin)) / (peak[c] - peak[c-1]) (peak[-1] = mel(lower)) and its
    /// neighbour c + 1 gets 1 - w, both in Q12.
    ///
    /// - Throws: `.presetConstraint` when the filterbank runs past the spectrum.
    static func filterbank(
        channels: Int, lower: Float, upper: Float, sampleRate: Int, fftLength: Int
    ) throws(FrontendError) -> FilterbankTables {
        let count = channels + 1
        let spectrumSize = fftLength / 2 + 1
        let melLow = melOf(lower)
        let melHigh = melOf(upper)
        let spacing = (melHigh - melLow) / Float(count)
        let peaks = (0..<count).map { melLow + spacing * Float($0 + 1) }
        let hzPerBin = 0.5 * Float(sampleRate) / (Float(spectrumSize) - 1)

        var tables = FilterbankTables()
        tables.startIndex = Int(1.5 + lower / hzPerBin)
        var start = tables.startIndex
        for channel in 0..<count {
            var bin = start
            while bin < spectrumSize && melOf(Float(bin) * hzPerBin) <= peaks[channel] { bin += 1 }
            guard bin < spectrumSize else {
                throw .presetConstraint(
                    preset: "micro", reason: "the filterbank up to \(upper) Hz runs past the spectrum of \(spectrumSize) bins")
            }
            tables.channelStart.append(start)
            tables.channelWidth.append(bin - start)
            let left = channel == 0 ? melLow : peaks[channel - 1]
            for b in start..<bin {
                let weight = (peaks[channel] - melOf(Float(b) * hzPerBin)) / (peaks[channel] - left)
                tables.weights.append(Int16((weight * Float(1 << filterbankBits) + 0.5).rounded(.down)))
                tables.unweights.append(Int16(((1 - weight) * Float(1 << filterbankBits) + 0.5).rounded(.down)))
            }
            tables.endIndex = max(tables.endIndex, bin)
            start = bin
        }
        return tables
    }

    /// PCAN's gain 2^21 (x / 2^inputBits + 80)^-0.95 in Float (the C library's powf), saturated
    /// at 32767 and truncated after adding 0.5.
    static func pcanGain(inputBits: Int, _ x: UInt32) -> Int16 {
        let argument = Float(x) / Float(UInt32(1) << UInt32(inputBits)) + pcanOffset
        let power = ek_platform_powf(argument, -pcanStrength)
        let gain = Float(UInt32(1) << UInt32(pcanGainBits)) * power
        if gain > 32767 { return 32767 }
        return Int16(gain + 0.5)
    }

    /// The piecewise-quadratic gain table read by `wideDynamicFunction`: entries 0 and 1 are the
    /// gains of 0 and 1; for interval i = 2...32 (inputs with i significant bits), at 4 i - 6: y0,
    /// a1 = 4 (y1 - y0) - (y2 - y0), a2 = (y2 - y0) - a1, where y0, y1, y2 are the gains at
    /// x0 = 2^(i-1), 1.5 x0 and 2 x0 (x0 + x0 - 1 for i = 32).
    static func pcanGainTable(inputBits: Int) -> [Int16] {
        var table = [Int16](repeating: 0, count: gainTableCount)
        table[0] = pcanGain(inputBits: inputBits, 0)
        table[1] = pcanGain(inputBits: inputBits, 1)
        for interval in 2...32 {
            let x0 = UInt32(1) << UInt32(interval - 1)
            let x1 = x0 + (x0 >> 1)
            let x2 = interval == 32 ? x0 + (x0 - 1) : 2 * x0
            let y0 = Int32(pcanGain(inputBits: inputBits, x0))
            let y1 = Int32(pcanGain(inputBits: inputBits, x1))
            let y2 = Int32(pcanGain(inputBits: inputBits, x2))
            let a1 = 4 * (y1 - y0) - (y2 - y0)
            let a2 = (y2 - y0) - a1
            let base = 4 * interval - 6
            table[base] = Int16(truncatingIfNeeded: y0)
            table[base + 1] = Int16(truncatingIfNeeded: a1)
            table[base + 2] = Int16(truncatingIfNeeded: a2)
        }
        return table
    }

    /// The correction of log2's fractional part on 128 segments in 1/65536, as TensorFlow Lite
    /// Micro's log lookup table holds it: round(65536 (log2(1 + i/128) - i/128)) for i = 0...128,
    /// and a trailing 0 (the interpolation reads entry i + 1).
    static func logCorrectionTable() -> [UInt16] {
        var table = (0...128).map { i -> UInt16 in
            let fraction = Double(i) / 128
            let log2 = ElementaryMath.log1p(fraction) / 0.693147180559945309417
            return UInt16((65536 * (log2 - fraction)).rounded())
        }
        table.append(0)
        return table
    }
}
