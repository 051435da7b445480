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
    /// The DCT keeps 1...melBandCount coefficients (without a DCT the field must still be in that
    /// range; the presets set it to melBandCount).
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
    /// The cepstral lifter must be finite and not negative.
    case invalidLifter(Float)
    /// The energy floor must be finite and not negative.
    case invalidEnergyFloor(Float)
    /// `LogEnergyPlacement.replaceFirst` needs cepstral coefficients (a DCT) to replace.
    case energyReplacesNothing
    /// The sample scale must be positive and finite.
    case invalidSampleScale(Float)
    /// No front-end field has this name (see `FrontendField`).
    case unknownField(String)
    /// A field was given a value of the wrong kind (e.g. a string for `window_length`).
    case wrongFieldType(field: String, expected: String, found: String)
    /// A field holding a name (window, filterbank, ...) was given a name it does not know.
    case unknownName(field: String, value: String, allowed: [String])
    /// An integer field holds a value outside the range of Int on this machine.
    case integerOutOfRange(field: String)
    /// No preset has this name (see `FrontendPreset`).
    case unknownPreset(String)
    /// A preset cannot honour the parameters it was given.
    case presetConstraint(preset: String, reason: String)
    /// A front end given without a preset lacks a required field.
    case missingField(String)
    /// The reduced ratio of the two rates needs too long a filter (see `PolyphaseResampler.maxFactor`).
    case unsupportedResamplingRatio(inputRate: Int, outputRate: Int)

    /// The largest up- or down-sampling factor a resampler accepts (`PolyphaseResampler.maxFactor`).
    public static let maximumResamplingFactor = 1 << 16

    public var description: String {
        switch self {
        case .invalidSampleRate(let rate):
            return "sample rate \(rate) Hz is not in 1...\(FrontendConfig.maxSampleRate)"
        case .invalidWindowLength(let length):
            return "window length \(length) samples is not in 2...\(FrontendConfig.maxFFTLength)"
        case .invalidHopLength(let hop):
            return "hop length \(hop) samples is not in 1...\(FrontendConfig.maxHopLength)"
        case .fftLengthNotPowerOfTwo(let length):
            return "FFT length \(length) is not a power of two in 2...\(FrontendConfig.maxFFTLength)"
        case .fftShorterThanWindow(let fftLength, let windowLength):
            return "FFT length \(fftLength) is shorter than the window (\(windowLength) samples)"
        case .invalidMelBandCount(let count):
            return "mel band count \(count) is not in 1...min(fft_length / 2 + 1, \(FrontendConfig.maxMelBandCount))"
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
        case .invalidLifter(let lifter):
            return "cepstral lifter \(lifter) is not a finite number >= 0"
        case .invalidEnergyFloor(let floor):
            return "energy floor \(floor) is not a finite number >= 0"
        case .energyReplacesNothing:
            return "log_energy replace_first needs a DCT (cepstral coefficients); use prepend for log-mel features"
        case .invalidSampleScale(let scale):
            return "sample scale \(scale) is not a positive finite number"
        case .unknownField(let name):
            return "unknown front-end field '\(name)'; known: "
                + FrontendField.allCases.map { $0.rawValue }.joined(separator: ", ")
        case .wrongFieldType(let field, let expected, let found):
            return "front-end field '\(field)' needs \(expected), got \(found)"
        case .unknownName(let field, let value, let allowed):
            return "front-end field '\(field)' has the unknown value '\(value)'; allowed: "
                + allowed.joined(separator: ", ")
        case .integerOutOfRange(let field):
            return "front-end field '\(field)' holds an integer out of range"
        case .unknownPreset(let name):
            return "unknown front-end preset '\(name)'; known: "
                + FrontendPreset.allCases.map { $0.rawValue }.joined(separator: ", ")
        case .presetConstraint(let preset, let reason):
            return "front-end preset '\(preset)': \(reason)"
        case .missingField(let name):
            return "front-end field '\(name)' is required when no preset is given"
        case .unsupportedResamplingRatio(let inputRate, let outputRate):
            return "cannot resample \(inputRate) Hz to \(outputRate) Hz: the reduced ratio needs factors above "
                + "\(Self.maximumResamplingFactor); convert the file to a common rate first"
        }
    }

    /// The configuration field the error is about, when there is one (so that a model-file reader
    /// can name its key).
    public var field: FrontendField? {
        switch self {
        case .invalidSampleRate: return .sampleRate
        case .invalidWindowLength: return .windowLength
        case .invalidHopLength: return .hopLength
        case .fftLengthNotPowerOfTwo, .fftShorterThanWindow: return .fftLength
        case .invalidMelBandCount: return .melBandCount
        case .invalidFrequencyRange: return .highFrequency
        case .invalidCoefficientCount: return .coefficientCount
        case .invalidLogFloor: return .logFloor
        case .invalidPreEmphasis: return .preEmphasis
        case .normalizationLengthMismatch, .invalidMean: return .featureMean
        case .invalidStandardDeviation: return .featureStandardDeviation
        case .invalidLifter: return .lifter
        case .invalidEnergyFloor: return .energyFloor
        case .energyReplacesNothing: return .logEnergy
        case .invalidSampleScale: return .sampleScale
        case .wrongFieldType(let name, _, _), .unknownName(let name, _, _), .integerOutOfRange(let name):
            return FrontendField(rawValue: name)
        case .missingField(let name): return FrontendField(rawValue: name)
        case .unknownField, .unknownPreset, .presetConstraint, .unsupportedResamplingRatio: return nil
        }
    }
}
