import Kernels
import Model

extension WindowFunction {
    /// The window's N coefficients, computed in Double.
    ///
    /// - Parameter length: N >= 1 (for N == 1 the symmetric windows give [1]).
    /// - Returns: N values w[0..<N].
    /// Allocates: the returned array (set-up only).
    public func coefficients(length: Int) -> [Double] {
        precondition(length >= 1, "window length must be positive")
        if self == .rectangular { return [Double](repeating: 1, count: length) }
        let periodic = self == .hannPeriodic || self == .hammingPeriodic
        let denominator = periodic ? Double(length) : Double(length - 1)
        if denominator == 0 { return [1] }
        var result = [Double](repeating: 0, count: length)
        for n in 0..<length {
            let c = ElementaryMath.cos(2 * setupPi * Double(n) / denominator)
            switch self {
            case .hannPeriodic, .hannSymmetric:
                result[n] = 0.5 - 0.5 * c
            case .hammingPeriodic, .hammingSymmetric:
                result[n] = 0.54 - 0.46 * c
            case .povey:
                result[n] = setupPow(0.5 - 0.5 * c, 0.85)
            case .rectangular:
                result[n] = 1
            }
        }
        return result
    }
}
