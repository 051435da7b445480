import Kernels
import Model

/// A mel filterbank stored sparsely: each band is one contiguous run of FFT bins.
///
/// output[b] = sum_{j < count[b]} weights[offset[b] + j] * spectrum[firstBin[b] + j]
public struct MelFilterbank: Equatable, Sendable {
    /// Number of bands (output values).
    public let bandCount: Int
    /// Number of spectrum bins the filterbank reads (N/2 + 1).
    public let binCount: Int
    /// First bin of each band, [bandCount].
    public let firstBin: [Int]
    /// Start of each band's run in `weights`, [bandCount].
    public let weightOffset: [Int]
    /// Number of bins in each band's run (0 for an empty band), [bandCount].
    public let weightCount: [Int]
    /// All runs, concatenated.
    public let weights: [Float]

    /// Builds a filterbank.
    ///
    /// - Parameters:
    ///   - style: the filter layout (see `FilterbankStyle`).
    ///   - scale: the mel scale (ignored by `.tensorFlow`, which is always HTK's).
    ///   - normalization: area normalization (ignored by `.tensorFlow` and `.melTriangles`).
    ///   - bandCount: number of bands, >= 1.
    ///   - fftLength: N, a power of two; the spectrum has N/2 + 1 bins.
    ///   - sampleRate: in Hz.
    ///   - lowFrequency, highFrequency: band edges in Hz, 0 <= low < high <= sampleRate / 2.
    /// - Throws: `FrontendError` for an invalid band count or range.
    /// Allocates: the tables (set-up only).
    public init(
        style: FilterbankStyle, scale: MelScale, normalization: MelNormalization,
        bandCount: Int, fftLength: Int, sampleRate: Int,
        lowFrequency: Double, highFrequency: Double
    ) throws(FrontendError) {
        guard bandCount >= 1, bandCount <= FrontendConfig.maxMelBandCount else { throw .invalidMelBandCount(bandCount) }
        guard sampleRate > 0 else { throw .invalidSampleRate(sampleRate) }
        guard fftLength >= 2, fftLength <= FrontendConfig.maxFFTLength, fftLength & (fftLength - 1) == 0 else {
            throw .fftLengthNotPowerOfTwo(fftLength)
        }
        let nyquist = Double(sampleRate) / 2
        guard lowFrequency >= 0, lowFrequency < highFrequency, highFrequency <= nyquist else {
            throw .invalidFrequencyRange(low: lowFrequency, high: highFrequency, nyquist: nyquist)
        }
        let bins = fftLength / 2 + 1
        // One band's weights at a time in Double, compressed to the run from its first to its last
        // nonzero bin (set-up memory stays O(bins), whatever the band count).
        var tensorFlowBelow: [Int] = []
        var tensorFlowWeight: [Double] = []
        if style == .tensorFlow {
            (tensorFlowBelow, tensorFlowWeight) = Self.tensorFlowMapping(
                bandCount: bandCount, bins: bins, sampleRate: Double(sampleRate),
                low: lowFrequency, high: highFrequency)
        }
        var hertzPoints: [Double] = []
        let melLow = scale.mel(fromHertz: lowFrequency)
        let melHigh = scale.mel(fromHertz: highFrequency)
        if style == .hertzTriangles {
            hertzPoints = [Double](repeating: 0, count: bandCount + 2)
            for i in 0..<(bandCount + 2) {
                let mel = melLow + (melHigh - melLow) * Double(i) / Double(bandCount + 1)
                hertzPoints[i] = scale.hertz(fromMel: mel)
            }
        }
        // Kaldi's MelBanks (mel-computations.cc) works in float: the same expressions in Float.
        var binMel: [Float] = []
        var kaldiMelLow: Float = 0
        var kaldiMelDelta: Float = 0
        if style == .melTriangles {
            let binWidth = Float(sampleRate) / Float(fftLength)
            binMel = [Float](repeating: 0, count: bins)
            for bin in 0..<bins { binMel[bin] = Self.kaldiMel(binWidth * Float(bin), scale: scale) }
            kaldiMelLow = Self.kaldiMel(Float(lowFrequency), scale: scale)
            kaldiMelDelta = (Self.kaldiMel(Float(highFrequency), scale: scale) - kaldiMelLow) / Float(bandCount + 1)
        }

        var row = [Double](repeating: 0, count: bins)
        var first = [Int](repeating: 0, count: bandCount)
        var offsets = [Int](repeating: 0, count: bandCount)
        var counts = [Int](repeating: 0, count: bandCount)
        var packed: [Float] = []
        for band in 0..<bandCount {
            for bin in 0..<bins { row[bin] = 0 }
            switch style {
            case .tensorFlow:
                for bin in 0..<bins {
                    let below = tensorFlowBelow[bin]
                    if below == band { row[bin] = tensorFlowWeight[bin] }
                    if below + 1 == band && below >= -1 { row[bin] = 1 - tensorFlowWeight[bin] }
                }
            case .melTriangles:
                let left = kaldiMelLow + Float(band) * kaldiMelDelta
                let center = kaldiMelLow + Float(band + 1) * kaldiMelDelta
                let right = kaldiMelLow + Float(band + 2) * kaldiMelDelta
                for bin in 0..<(bins - 1) {
                    let mel = binMel[bin]
                    if mel > left && mel < right {
                        let weight = mel <= center ? (mel - left) / (center - left) : (right - mel) / (right - center)
                        row[bin] = Double(weight)
                    }
                }
            case .hertzTriangles:
                let left = hertzPoints[band], center = hertzPoints[band + 1], right = hertzPoints[band + 2]
                let area = normalization == .slaney ? 2.0 / (right - left) : 1.0
                for bin in 0..<bins {
                    let f = Double(bin) * Double(sampleRate) / Double(fftLength)
                    let rising = (f - left) / (center - left)
                    let falling = (right - f) / (right - center)
                    row[bin] = max(0, min(rising, falling)) * area
                }
            }
            offsets[band] = packed.count
            guard let lo = row.firstIndex(where: { $0 != 0 }),
                  let hi = row.lastIndex(where: { $0 != 0 }) else { continue }
            first[band] = lo
            counts[band] = hi - lo + 1
            for bin in lo...hi { packed.append(Float(row[bin])) }
        }
        self.bandCount = bandCount
        self.binCount = bins
        self.firstBin = first
        self.weightOffset = offsets
        self.weightCount = counts
        self.weights = packed
    }

    /// A frequency in mels as Kaldi computes it in float: 1127 logf(1 + f / 700) on the HTK scale.
    private static func kaldiMel(_ hertz: Float, scale: MelScale) -> Float {
        switch scale {
        case .htk: return 1127 * ElementaryMath.log(1 + hertz / 700)
        case .slaney: return Float(scale.mel(fromHertz: Double(hertz)))
        }
    }

    /// TensorFlow's band mapper (see `FilterbankStyle.tensorFlow`): for each bin, the channel
    /// whose falling side holds it (-1 below the first peak, -2 for unused bins) and that
    /// channel's weight; the next channel gets 1 - weight.
    private static func tensorFlowMapping(
        bandCount channels: Int, bins: Int, sampleRate: Double, low: Double, high: Double
    ) -> (below: [Int], weight: [Double]) {
        var below = [Int](repeating: -2, count: bins)
        var weights = [Double](repeating: 0, count: bins)
        let scale = MelScale.htk
        let melLow = scale.mel(fromHertz: low)
        let melHigh = scale.mel(fromHertz: high)
        let spacing = (melHigh - melLow) / Double(channels + 1)
        var peaks = [Double](repeating: 0, count: channels + 1)
        for i in 0...channels { peaks[i] = melLow + spacing * Double(i + 1) }
        let hertzPerBin = 0.5 * sampleRate / Double(bins - 1)
        let start = Int(1.5 + low / hertzPerBin)
        let end = Int(high / hertzPerBin)
        var channel = 0
        var bin = start
        while bin <= end && bin < bins {
            let mel = scale.mel(fromHertz: Double(bin) * hertzPerBin)
            while channel < channels && peaks[channel] < mel { channel += 1 }
            let lower = channel - 1  // may be -1: below the first peak, only channel 0 gets weight
            below[bin] = lower
            weights[bin] = lower >= 0
                ? (peaks[lower + 1] - mel) / (peaks[lower + 1] - peaks[lower])
                : (peaks[0] - mel) / (peaks[0] - melLow)
            bin += 1
        }
        return (below, weights)
    }

    /// Applies the filterbank.
    ///
    /// - Parameters:
    ///   - spectrum: `binCount` Floats.
    ///   - output: `bandCount` Floats.
    /// Allocates: never (but reads Swift arrays; the streaming extractor keeps its own flat copy).
    public func apply(_ spectrum: UnsafePointer<Float>, into output: UnsafeMutablePointer<Float>) {
        weights.withUnsafeBufferPointer { w in
            for band in 0..<bandCount {
                var sum: Float = 0
                let base = weightOffset[band]
                let bin = firstBin[band]
                for j in 0..<weightCount[band] { sum += w[base + j] * spectrum[bin + j] }
                output[band] = sum
            }
        }
    }
}
