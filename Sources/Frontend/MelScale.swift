import Kernels
import Model

extension MelScale {
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
