import Kernels

/// A mel scale: the map between frequency in Hz and perceptual pitch in mels.
///
/// Raw values are stable names for the model file (`earshot.frontend.mel_scale`).
public enum MelScale: String, CaseIterable, Equatable, Sendable {
    /// mel = 1127 ln(1 + f / 700). TensorFlow's Mfcc, Kaldi, and HTK (HTK writes it
    /// 2595 log10(1 + f / 700); the two constants agree to 1e-5 relative, and every filterbank
    /// here depends only on ratios of mel differences, so the constant cancels).
    case htk
    /// Slaney's Auditory Toolbox scale (librosa's default): linear below 1 kHz,
    /// mel = 3 f / 200; logarithmic above, mel = 15 + 27 ln(f / 1000) / ln(6.4).
    case slaney

    /// Frequency in Hz to mels (Double, set-up precision).
    public func mel(fromHertz hertz: Double) -> Double {
        switch self {
        case .htk:
            return 1127.0 * ElementaryMath.log1p(hertz / 700.0)
        case .slaney:
            if hertz < 1000 { return hertz * 3.0 / 200.0 }
            return 15.0 + ElementaryMath.log(hertz / 1000.0) * (27.0 / ElementaryMath.log(6.4))
        }
    }

    /// Mels to frequency in Hz (the inverse of `mel(fromHertz:)`).
    public func hertz(fromMel mel: Double) -> Double {
        switch self {
        case .htk:
            return 700.0 * (setupExp(mel / 1127.0) - 1.0)
        case .slaney:
            if mel < 15 { return mel * 200.0 / 3.0 }
            return 1000.0 * setupExp((mel - 15.0) * (ElementaryMath.log(6.4) / 27.0))
        }
    }
}
