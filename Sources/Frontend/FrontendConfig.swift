/// What the filterbank integrates: the power or the magnitude of each FFT bin.
///
/// Raw values are stable names for the model file (`earshot.meta.frontend.spectrum`).
public enum SpectrumKind: String, CaseIterable, Equatable, Sendable {
    /// |X[k]|^2.
    case power
    /// |X[k]| (TensorFlow's Mfcc takes the square root of AudioSpectrogram's squared magnitude).
    case magnitude
}

/// The compression applied to each mel energy.
///
/// Raw values are stable names for the model file (`earshot.meta.frontend.log`).
public enum LogCompression: String, CaseIterable, Equatable, Sendable {
    /// The mel energies themselves.
    case none
    /// ln(max(e, floor)).
    case natural
    /// 10 log10(max(e, floor)) (librosa's `power_to_db` with ref = 1, without `top_db`).
    case decibel
}

/// Every parameter of the streaming front end, as plain values.
///
/// The pipeline, per frame of `windowLength` samples taken every `hopLength` samples:
///   [remove DC] -> [pre-emphasis] -> window -> zero-pad to `fftLength` -> real FFT
///   -> power or magnitude -> mel filterbank -> log with floor -> DCT-II (+ lifter)
///   -> [(x - mean) / standardDeviation]
/// The first frame is emitted once `windowLength` samples have arrived, then one every
/// `hopLength` samples (no centering or padding: TensorFlow's AudioSpectrogram, Kaldi's
/// snip_edges=true, librosa's center=False).
///
/// Every field is a number, a Boolean, a stable enum name or a Float vector, so the whole
/// configuration can be stored as `earshot.meta.frontend.<field>` keys in a model file.
public struct FrontendConfig: Equatable, Sendable {
    /// Input sample rate in Hz.
    public var sampleRate: Int
    /// Samples per analysis frame.
    public var windowLength: Int
    /// Samples between the starts of consecutive frames.
    public var hopLength: Int
    /// FFT size, a power of two >= windowLength (the frame is zero-padded to it).
    public var fftLength: Int
    /// The analysis window.
    public var window: WindowFunction
    /// Subtract each frame's mean before pre-emphasis and windowing (Kaldi's remove_dc_offset).
    public var removeDCOffset: Bool
    /// Per-frame pre-emphasis a in [0, 1) (Kaldi's form): x[i] -= a x[i-1] for i >= 1, then
    /// x[0] -= a x[0]. 0 turns it off.
    public var preEmphasis: Float
    /// Power or magnitude spectrum into the filterbank.
    public var spectrum: SpectrumKind
    /// Filter layout.
    public var filterbank: FilterbankStyle
    /// Mel scale (not used by `FilterbankStyle.tensorFlow`, which is HTK's by definition).
    public var melScale: MelScale
    /// Filter area normalization (used by `FilterbankStyle.hertzTriangles`).
    public var melNormalization: MelNormalization
    /// Number of mel bands.
    public var melBandCount: Int
    /// Lower filterbank edge in Hz.
    public var lowFrequency: Double
    /// Upper filterbank edge in Hz.
    public var highFrequency: Double
    /// Log compression of the mel energies.
    public var logCompression: LogCompression
    /// Floor applied before the log (TensorFlow: 1e-12; Kaldi: Float.ulpOfOne; librosa: 1e-10).
    public var logFloor: Float
    /// DCT scaling, or `.none` for log-mel features.
    public var dct: DCTScaling
    /// Number of DCT coefficients kept (ignored when `dct == .none`).
    public var coefficientCount: Int
    /// Kaldi's cepstral lifter L (0: off).
    public var lifter: Float
    /// Per-feature mean subtracted last; empty turns normalization off.
    public var featureMean: [Float]
    /// Per-feature standard deviation divided last; empty (with an empty mean) turns it off.
    public var featureStandardDeviation: [Float]
    /// Scale applied to Int16 input samples (TensorFlow's DecodeWav: 1/32768; Kaldi: 1).
    public var int16Scale: Float

    /// Number of values in one feature frame.
    public var featureCount: Int { dct == .none ? melBandCount : coefficientCount }

    /// A configuration with every field given (see the presets for ready-made ones).
    public init(
        sampleRate: Int, windowLength: Int, hopLength: Int, fftLength: Int,
        window: WindowFunction, removeDCOffset: Bool = false, preEmphasis: Float = 0,
        spectrum: SpectrumKind, filterbank: FilterbankStyle, melScale: MelScale = .htk,
        melNormalization: MelNormalization = .none, melBandCount: Int,
        lowFrequency: Double, highFrequency: Double,
        logCompression: LogCompression, logFloor: Float,
        dct: DCTScaling, coefficientCount: Int, lifter: Float = 0,
        featureMean: [Float] = [], featureStandardDeviation: [Float] = [],
        int16Scale: Float = 1.0 / 32768.0
    ) {
        self.sampleRate = sampleRate
        self.windowLength = windowLength
        self.hopLength = hopLength
        self.fftLength = fftLength
        self.window = window
        self.removeDCOffset = removeDCOffset
        self.preEmphasis = preEmphasis
        self.spectrum = spectrum
        self.filterbank = filterbank
        self.melScale = melScale
        self.melNormalization = melNormalization
        self.melBandCount = melBandCount
        self.lowFrequency = lowFrequency
        self.highFrequency = highFrequency
        self.logCompression = logCompression
        self.logFloor = logFloor
        self.dct = dct
        self.coefficientCount = coefficientCount
        self.lifter = lifter
        self.featureMean = featureMean
        self.featureStandardDeviation = featureStandardDeviation
        self.int16Scale = int16Scale
    }

    /// Checks every field.
    ///
    /// - Throws: the first `FrontendError` found.
    public func validate() throws(FrontendError) {
        guard sampleRate > 0 else { throw .invalidSampleRate(sampleRate) }
        guard windowLength >= 2, windowLength <= 1 << 24 else { throw .invalidWindowLength(windowLength) }
        guard hopLength >= 1, hopLength <= 1 << 24 else { throw .invalidHopLength(hopLength) }
        guard fftLength >= 2, fftLength <= 1 << 24, fftLength & (fftLength - 1) == 0 else {
            throw .fftLengthNotPowerOfTwo(fftLength)
        }
        guard fftLength >= windowLength else {
            throw .fftShorterThanWindow(fftLength: fftLength, windowLength: windowLength)
        }
        guard preEmphasis >= 0, preEmphasis < 1 else { throw .invalidPreEmphasis(preEmphasis) }
        guard melBandCount >= 1, melBandCount <= fftLength / 2 + 1 else {
            throw .invalidMelBandCount(melBandCount)
        }
        let nyquist = Double(sampleRate) / 2
        guard lowFrequency >= 0, lowFrequency < highFrequency, highFrequency <= nyquist else {
            throw .invalidFrequencyRange(low: lowFrequency, high: highFrequency, nyquist: nyquist)
        }
        if logCompression != .none {
            guard logFloor > 0, logFloor.isFinite else { throw .invalidLogFloor(logFloor) }
        }
        if dct != .none {
            guard coefficientCount >= 1, coefficientCount <= melBandCount else {
                throw .invalidCoefficientCount(count: coefficientCount, melBandCount: melBandCount)
            }
        }
        let count = featureCount
        let meanCount = featureMean.count
        let deviationCount = featureStandardDeviation.count
        guard (meanCount == 0 && deviationCount == 0) || (meanCount == count && deviationCount == count) else {
            throw .normalizationLengthMismatch(
                mean: meanCount, standardDeviation: deviationCount, featureCount: count)
        }
        for (index, value) in featureMean.enumerated() where !value.isFinite {
            throw .invalidMean(index: index, value: value)
        }
        for (index, value) in featureStandardDeviation.enumerated() where !(value > 0 && value.isFinite) {
            throw .invalidStandardDeviation(index: index, value: value)
        }
    }

    /// The smallest power of two >= n (n >= 1), as TensorFlow's AudioSpectrogram picks its FFT size.
    public static func nextPowerOfTwo(_ n: Int) -> Int {
        var value = 1
        while value < n { value <<= 1 }
        return value
    }
}
