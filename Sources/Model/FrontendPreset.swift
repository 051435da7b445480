/// The named front ends of the frameworks models are trained with. `convert --frontend NAME`
/// and a manifest's `"frontend": {"preset": NAME, ...}` select one.
public enum FrontendPreset: String, CaseIterable, Sendable {
    /// TensorFlow's AudioSpectrogram + Mfcc (`FrontendConfig.tensorFlowMFCC`). Defaults: 16 kHz,
    /// window 640, stride 320, 40 channels over 20–4000 Hz, 13 coefficients (the ops' defaults;
    /// the ML-KWS models use 10).
    case tensorFlowMFCC = "tf-mfcc"
    /// Kaldi fbank (`FrontendConfig.kaldiFbank`). Defaults: 16 kHz, 25 ms frames every 10 ms,
    /// 23 bins over 20 Hz–Nyquist.
    case kaldiFbank = "kaldi-fbank"
    /// Kaldi MFCC (`FrontendConfig.kaldiMFCC`). Defaults as kaldi-fbank, 13 cepstra, lifter 22,
    /// energy in c0.
    case kaldiMFCC = "kaldi-mfcc"
    /// librosa melspectrogram + power_to_db (`FrontendConfig.librosaMelSpectrogram`). Defaults:
    /// 16 kHz, n_fft 2048, hop 512, 128 mels over 0–Nyquist.
    case librosaMel = "librosa-mel"
    /// librosa mfcc (`FrontendConfig.librosaMFCC`). Defaults as librosa-mel, 20 coefficients.
    case librosaMFCC = "librosa-mfcc"
    /// TensorFlow Lite Micro's audio front end as microWakeWord uses it (`FrontendConfig.micro`,
    /// `MicroFrontend`). Defaults: 16 kHz, 30 ms windows every 10 ms, 40 channels over 125–7500 Hz,
    /// noise reduction, PCAN, log; values as pymicro-features gives them.
    case micro
    /// Silero VAD's STFT magnitude (`FrontendConfig.silero`, `SileroSpectrogram`). Defaults: 16 kHz,
    /// 512-sample chunks with 64 samples of context, n_fft 256: 129 bins × 4 frames per chunk.
    case silero

    /// The preset's configuration at `sampleRate` with its default parameters.
    ///
    /// Kaldi's defaults are in milliseconds (25 ms frames every 10 ms) and scale with the rate;
    /// TensorFlow's and librosa's are in samples.
    public func defaultConfig(sampleRate: Int = 16000) -> FrontendConfig {
        switch self {
        case .tensorFlowMFCC:
            return .tensorFlowMFCC(sampleRate: sampleRate, windowLength: 640, stride: 320)
        case .kaldiFbank:
            return .kaldiFbank(sampleRate: sampleRate, frameLength: sampleRate * 25 / 1000,
                               frameShift: sampleRate / 100)
        case .kaldiMFCC:
            return .kaldiMFCC(sampleRate: sampleRate, frameLength: sampleRate * 25 / 1000,
                              frameShift: sampleRate / 100)
        case .librosaMel:
            return .librosaMelSpectrogram(sampleRate: sampleRate)
        case .librosaMFCC:
            return .librosaMFCC(sampleRate: sampleRate)
        case .micro:
            return .micro(sampleRate: sampleRate)
        case .silero:
            return .silero(sampleRate: sampleRate)
        }
    }

    /// The preset with some fields given explicitly (by their `FrontendField` names).
    ///
    /// Any field may be given. Fields that depend on others follow them unless given too: the
    /// FFT length is the next power of two of `window_length`, and for the Kaldi and librosa
    /// presets `high_frequency` is the Nyquist frequency of `sample_rate`.
    ///
    /// - Parameter parameters: field values; unlisted fields keep the preset's defaults.
    /// - Returns: a validated configuration whose `name` is the preset's.
    /// - Throws: `FrontendError` for a value of the wrong kind, an unknown name, a constraint of
    ///   the preset (librosa: window_length must equal fft_length), or a failed `validate()`.
    public func config(_ parameters: [FrontendField: FrontendFieldValue] = [:]) throws(FrontendError) -> FrontendConfig {
        var probe = defaultConfig()
        if let rate = parameters[.sampleRate] { try probe.set(.sampleRate, to: rate) }
        guard probe.sampleRate > 0, probe.sampleRate <= 1 << 24 else { throw .invalidSampleRate(probe.sampleRate) }
        var config = defaultConfig(sampleRate: probe.sampleRate)
        for field in FrontendField.allCases {
            if let value = parameters[field] { try config.set(field, to: value) }
        }
        let isLibrosa = self == .librosaMel || self == .librosaMFCC
        if parameters[.fftLength] == nil && self != .silero {
            guard config.windowLength >= 1, config.windowLength <= FrontendConfig.maxFFTLength else {
                throw .invalidWindowLength(config.windowLength)
            }
            config.fftLength = FrontendConfig.nextPowerOfTwo(config.windowLength)
        } else if isLibrosa && parameters[.windowLength] == nil {
            config.windowLength = config.fftLength
        }
        if isLibrosa && config.windowLength != config.fftLength {
            throw .presetConstraint(
                preset: rawValue,
                reason: "window_length \(config.windowLength) must equal fft_length \(config.fftLength) "
                    + "(librosa's win_length = n_fft, a power of two)")
        }
        if self == .kaldiMFCC || self == .librosaMFCC || self == .tensorFlowMFCC,
           parameters[.coefficientCount] == nil, config.coefficientCount > config.melBandCount {
            config.coefficientCount = config.melBandCount
        }
        if parameters[.coefficientCount] == nil && config.dct == .none {
            config.coefficientCount = config.melBandCount
        }
        config.name = rawValue
        try config.validate()
        return config
    }
}
