/// Why a front-end configuration was rejected. Thrown only at set-up; processing never fails.
public enum FrontendError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The sample rate must be positive.
    case invalidSampleRate(Int)
    /// The analysis window must hold at least 2 samples.
    case invalidWindowLength(Int)
    /// The hop (stride between frames) must be at least 1 sample.
    case invalidHopLength(Int)
    /// FFT sizes are powers of two, at least 2 (and at most 2^24).
    case fftLengthNotPowerOfTwo(Int)
    /// The FFT must be at least as long as the window it transforms.
    case fftShorterThanWindow(fftLength: Int, windowLength: Int)
    /// The mel filterbank needs at least one band.
    case invalidMelBandCount(Int)
    /// Filterbank edges must satisfy 0 <= low < high <= sampleRate / 2.
    case invalidFrequencyRange(low: Double, high: Double, nyquist: Double)
    /// The DCT keeps 1...melBandCount coefficients.
    case invalidCoefficientCount(count: Int, melBandCount: Int)
    /// The log floor must be positive and finite.
    case invalidLogFloor(Float)
    /// Pre-emphasis coefficients live in [0, 1).
    case invalidPreEmphasis(Float)
    /// Normalization vectors must be empty (off) or hold one value per feature.
    case normalizationLengthMismatch(mean: Int, standardDeviation: Int, featureCount: Int)
    /// Every standard deviation must be positive and finite.
    case invalidStandardDeviation(index: Int, value: Float)
    /// Every mean must be finite.
    case invalidMean(index: Int, value: Float)

    public var description: String {
        switch self {
        case .invalidSampleRate(let rate):
            return "sample rate \(rate) Hz is not positive"
        case .invalidWindowLength(let length):
            return "window length \(length) samples is too short (need at least 2)"
        case .invalidHopLength(let hop):
            return "hop length \(hop) samples is not positive"
        case .fftLengthNotPowerOfTwo(let length):
            return "FFT length \(length) is not a power of two in 2...16777216"
        case .fftShorterThanWindow(let fftLength, let windowLength):
            return "FFT length \(fftLength) is shorter than the window (\(windowLength) samples)"
        case .invalidMelBandCount(let count):
            return "mel band count \(count) is not positive"
        case .invalidFrequencyRange(let low, let high, let nyquist):
            return "filterbank range \(low)–\(high) Hz is not inside 0–\(nyquist) Hz with low < high"
        case .invalidCoefficientCount(let count, let melBandCount):
            return "DCT coefficient count \(count) is not in 1...\(melBandCount) (the mel band count)"
        case .invalidLogFloor(let floor):
            return "log floor \(floor) is not a positive finite number"
        case .invalidPreEmphasis(let coefficient):
            return "pre-emphasis coefficient \(coefficient) is not in [0, 1)"
        case .normalizationLengthMismatch(let mean, let standardDeviation, let featureCount):
            return "normalization vectors have \(mean) means and \(standardDeviation) standard deviations; "
                + "expected 0 (off) or \(featureCount) each"
        case .invalidStandardDeviation(let index, let value):
            return "normalization standard deviation [\(index)] = \(value) is not positive and finite"
        case .invalidMean(let index, let value):
            return "normalization mean [\(index)] = \(value) is not finite"
        }
    }
}
