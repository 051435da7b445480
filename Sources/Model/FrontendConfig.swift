/// What the filterbank integrates: the power or the magnitude of each FFT bin.
///
/// Raw values are stable names for the model file (`earshot.frontend.spectrum`).
public enum SpectrumKind: String, CaseIterable, Equatable, Sendable {
    /// |X[k]|^2.
    case power
    /// |X[k]| (TensorFlow's Mfcc takes the square root of AudioSpectrogram's squared magnitude).
    case magnitude
}

/// The arithmetic of the spectrum stage (windowing, FFT, power or magnitude, mel filterbank, log).
///
/// Raw values are stable names for the model file (`earshot.frontend.spectrum_precision`).
public enum SpectrumPrecision: String, CaseIterable, Equatable, Sendable {
    /// Float throughout (TensorFlow's AudioSpectrogram + Mfcc).
    case float32
    /// Float throughout, the FFT rounding exactly as kaldi-native-fbank's kissfft build
    /// (`KissOrderRealFFT`): the Kaldi presets. Bands 100 dB and more below the frame's peak hold
    /// float32 rounding noise, which after the log differs by up to 0.02 between two correct Float
    /// FFTs; in the library's operation order it matches (3e-5 on 480 real clips).
    case float32KissFFT = "float32_kissfft"
    /// Double from the window to the log, Float after it (librosa, whose numpy FFT is float64).
    /// A float32 FFT's rounding error is relative to the frame's strongest bin, so bands far below
    /// it are off by up to ~0.01 dB after the log; in Double they match to ~1e-5.
    case float64
    /// TensorFlow Lite Micro's audio front end in its integer arithmetic (`MicroFrontend`, the
    /// `micro` preset): uses the rate, window, hop, FFT length, band count and band limits; the
    /// other spectrum, log and DCT fields do not apply.
    case tfliteMicroInt16 = "tflite_micro_int16"
    /// Silero VAD's own STFT (`SileroSpectrogram`, the `silero` preset): each hop's window (the
    /// previous context plus the new chunk) is reflect-padded by fftLength/4 on the right, cut into
    /// frames of fftLength every fftLength/2, and each frame's magnitude |X[k]| (periodic Hann
    /// window) is emitted channels-major: bins × frames values. The mel, log and DCT fields do
    /// not apply.
    case sileroSTFT = "silero_stft"
}

/// The compression applied to each mel energy.
///
/// Raw values are stable names for the model file (`earshot.frontend.log`).
public enum LogCompression: String, CaseIterable, Equatable, Sendable {
    /// The mel energies themselves.
    case none
    /// ln(max(e, floor)).
    case natural
    /// 10 log10(max(e, floor)) (librosa's `power_to_db` with ref = 1, without `top_db`).
    case decibel
}

/// Where the frame's log energy goes in the feature vector (Kaldi's `use_energy`).
///
/// Raw values are stable names for the model file (`earshot.frontend.log_energy`).
public enum LogEnergyPlacement: String, CaseIterable, Equatable, Sendable {
    /// No energy feature.
    case none
    /// Energy first, then the mel or cepstral values (Kaldi fbank with use_energy): one extra feature.
    case prepend
    /// Energy replaces coefficient 0 (Kaldi MFCC with use_energy).
    case replaceFirst = "replace_first"
}

/// Every parameter of the streaming front end, as plain values.
///
/// The pipeline, per frame of `windowLength` samples taken every `hopLength` samples:
///   [remove DC] -> [pre-emphasis] -> window -> zero-pad to `fftLength` -> real FFT
///   -> power or magnitude -> mel filterbank -> log with floor -> DCT-II (+ lifter)
///   -> [log energy] -> [(x - mean) / standardDeviation]
/// The first frame is emitted once `windowLength` samples have arrived, then one every
/// `hopLength` samples (no centering or padding: TensorFlow's AudioSpectrogram, Kaldi's
/// snip_edges=true, librosa's center=False).
///
/// Every field is a number, a Boolean, a stable enum name or a Float vector, so the whole
/// configuration can be stored as `earshot.frontend.<field>` keys in a model file
/// (`FrontendField` lists them).
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
    /// Float or Double from the window to the log (see `SpectrumPrecision`).
    public var spectrumPrecision: SpectrumPrecision
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
    /// Whether and where the log energy of the frame is put into the features.
    public var logEnergy: LogEnergyPlacement
    /// Energy of the frame before pre-emphasis and windowing (after DC removal), as Kaldi's
    /// raw_energy = true; false: of the windowed frame.
    public var rawEnergy: Bool
    /// Kaldi's energy_floor: the log energy is at least ln(energyFloor) when > 0 (0: off).
    public var energyFloor: Float
    /// Per-feature mean subtracted last; empty turns normalization off.
    public var featureMean: [Float]
    /// Per-feature standard deviation divided last; empty (with an empty mean) turns it off.
    public var featureStandardDeviation: [Float]
    /// Scale of the samples the features were trained on, relative to full scale = 1: Float
    /// samples (in [-1, 1]) are multiplied by it, Int16 samples by `sampleScale / 32768`.
    /// TensorFlow's DecodeWav and librosa: 1. Kaldi (which reads 16-bit integers as they are): 32768.
    public var sampleScale: Float
    /// A name for display (the preset it came from, e.g. "tf-mfcc"); not used to compute.
    public var name: String

    /// Number of values in one feature frame.
    public var featureCount: Int {
        if spectrumPrecision == .sileroSTFT { return (fftLength / 2 + 1) * sileroFrameCount }
        return (dct == .none ? melBandCount : coefficientCount) + (logEnergy == .prepend ? 1 : 0)
    }

    /// The largest FFT (and so window) accepted: 2^16 samples (4 s at 16 kHz).
    public static let maxFFTLength = 1 << 16
    /// The most mel bands accepted.
    public static let maxMelBandCount = 1024
    /// The highest sample rate accepted: 2^24 Hz.
    public static let maxSampleRate = 1 << 24
    /// The longest hop accepted: 2^24 samples.
    public static let maxHopLength = 1 << 24

    /// A configuration with every field given (see the presets for ready-made ones).
    public init(
        sampleRate: Int, windowLength: Int, hopLength: Int, fftLength: Int,
        window: WindowFunction, removeDCOffset: Bool = false, preEmphasis: Float = 0,
        spectrum: SpectrumKind, spectrumPrecision: SpectrumPrecision = .float32, filterbank: FilterbankStyle, melScale: MelScale = .htk,
        melNormalization: MelNormalization = .none, melBandCount: Int,
        lowFrequency: Double, highFrequency: Double,
        logCompression: LogCompression, logFloor: Float,
        dct: DCTScaling, coefficientCount: Int, lifter: Float = 0,
        logEnergy: LogEnergyPlacement = .none, rawEnergy: Bool = true, energyFloor: Float = 0,
        featureMean: [Float] = [], featureStandardDeviation: [Float] = [],
        sampleScale: Float = 1, name: String = ""
    ) {
        self.sampleRate = sampleRate
        self.windowLength = windowLength
        self.hopLength = hopLength
        self.fftLength = fftLength
        self.window = window
        self.removeDCOffset = removeDCOffset
        self.preEmphasis = preEmphasis
        self.spectrum = spectrum
        self.spectrumPrecision = spectrumPrecision
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
        self.logEnergy = logEnergy
        self.rawEnergy = rawEnergy
        self.energyFloor = energyFloor
        self.featureMean = featureMean
        self.featureStandardDeviation = featureStandardDeviation
        self.sampleScale = sampleScale
        self.name = name
    }

    /// Checks every field.
    ///
    /// - Throws: the first `FrontendError` found.
    public func validate() throws(FrontendError) {
        guard sampleRate > 0, sampleRate <= Self.maxSampleRate else { throw .invalidSampleRate(sampleRate) }
        guard windowLength >= 2, windowLength <= Self.maxFFTLength else { throw .invalidWindowLength(windowLength) }
        guard hopLength >= 1, hopLength <= Self.maxHopLength else { throw .invalidHopLength(hopLength) }
        guard fftLength >= 2, fftLength <= Self.maxFFTLength, fftLength & (fftLength - 1) == 0 else {
            throw .fftLengthNotPowerOfTwo(fftLength)
        }
        guard fftLength >= windowLength || spectrumPrecision == .sileroSTFT else {
            throw .fftShorterThanWindow(fftLength: fftLength, windowLength: windowLength)
        }
        if spectrumPrecision == .sileroSTFT { try validateSilero() }
        guard preEmphasis >= 0, preEmphasis < 1 else { throw .invalidPreEmphasis(preEmphasis) }
        guard melBandCount >= 1, melBandCount <= fftLength / 2 + 1, melBandCount <= Self.maxMelBandCount else {
            throw .invalidMelBandCount(melBandCount)
        }
        let nyquist = Double(sampleRate) / 2
        guard lowFrequency >= 0, lowFrequency < highFrequency, highFrequency <= nyquist, highFrequency.isFinite else {
            throw .invalidFrequencyRange(low: lowFrequency, high: highFrequency, nyquist: nyquist)
        }
        if logCompression != .none {
            guard logFloor > 0, logFloor.isFinite else { throw .invalidLogFloor(logFloor) }
        }
        // Checked with or without a DCT, so that every field stays in range for the model file.
        guard coefficientCount >= 1, coefficientCount <= melBandCount else {
            throw .invalidCoefficientCount(count: coefficientCount, melBandCount: melBandCount)
        }
        guard lifter >= 0, lifter.isFinite else { throw .invalidLifter(lifter) }
        guard energyFloor >= 0, energyFloor.isFinite else { throw .invalidEnergyFloor(energyFloor) }
        if logEnergy == .replaceFirst && dct == .none {
            throw .energyReplacesNothing
        }
        guard sampleScale > 0, sampleScale.isFinite else { throw .invalidSampleScale(sampleScale) }
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

    /// The smallest power of two >= n (n >= 1), as TensorFlow's AudioSpectrogram and Kaldi's
    /// round_to_power_of_two pick their FFT size. Values above 2^62 give 2^62.
    public static func nextPowerOfTwo(_ n: Int) -> Int {
        var value = 1
        while value < n && value < 1 << 62 { value <<= 1 }
        return value
    }

    /// Samples spanned by `frames` consecutive frames: windowLength + (frames - 1) * hopLength
    /// (e.g. 16000 for 49 frames of 640 every 320).
    public func sampleSpan(frames: Int) -> Int {
        frames <= 0 ? 0 : windowLength + (frames - 1) * hopLength
    }
}
