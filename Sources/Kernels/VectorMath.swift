// MARK: - Fast single-precision activations (portable twins of the C kernels)

/// σ and tanh by single-precision polynomials: the formulas the C kernels
/// (`KernelSet.sigmoidInPlace`, `tanhInPlace`; Sources/CKernels/KernelMath.h) vectorize.
///
///     e^t, t ∈ [−88, 88]:  n = roundeven(t·log₂e),  r = t − n·C1 − n·C2  (C1 + C2 = ln 2),
///                          e^r ≈ 1 + r + r²·P(r)  (Cephes' expf, degree 5),  times 2^n
///     σ(v)    = 1 / (1 + e^(−clamp(v, ±88)))
///     tanh(v) = sign(v) · (|v| < 0.625 ? |v| + |v|·v²·Q(v²)  (Cephes' tanhf)
///                                      : 1 − 2 / (e^(2·min(|v|, 9)) + 1))
///
/// Absolute error below 3e-7 for every Float (against `ElementaryMath`, in KernelsTests); NaN
/// stays NaN. The C kernels may fuse multiply-adds, so the twins agree with them within a few
/// ulp, not bit for bit. Allocates: never.
public enum VectorMath {
    /// e^t for t in [−88, 88] (callers clamp).
    @inlinable
    static func exponential(clamped t: Float) -> Float {
        let n = (t * 1.44269504088896341 + 12_582_912) - 12_582_912
        var r = t - n * 0.693359375
        r = r - n * -2.12194440e-4
        let z = r * r
        var p: Float = 1.9875691500e-4
        p = p * r + 1.3981999507e-3
        p = p * r + 8.3334519073e-3
        p = p * r + 4.1665795894e-2
        p = p * r + 1.6666665459e-1
        p = p * r + 5.0000001201e-1
        let e = p * z + r + 1
        let scale = Float(bitPattern: UInt32(bitPattern: Int32(n) &+ 127) << 23)
        return e * scale
    }

    /// e^clamp(v, −88, 88) (softmax's exponential): relative error about 2 ulp where the result is
    /// a normal float; below e^−87.3 (the smallest normal) it may be 0.
    @inlinable
    public static func exp(_ v: Float) -> Float {
        if v.isNaN { return v }
        return exponential(clamped: Swift.min(Swift.max(v, -88), 88))
    }

    /// σ(v) = 1 / (1 + e^(−v)).
    @inlinable
    public static func sigmoid(_ v: Float) -> Float {
        if v.isNaN { return v }
        let t = Swift.min(Swift.max(-v, -88), 88)
        return 1 / (1 + exponential(clamped: t))
    }

    /// tanh(v).
    @inlinable
    public static func tanh(_ v: Float) -> Float {
        if v.isNaN { return v }
        let a = v.magnitude
        let s: Float
        if a < 0.625 {
            let z = v * v
            var p: Float = -5.70498872745e-3
            p = p * z + 2.06390887954e-2
            p = p * z - 5.37397155531e-2
            p = p * z + 1.33314422036e-1
            p = p * z - 3.33332819422e-1
            s = a + a * z * p
        } else {
            s = 1 - 2 / (exponential(clamped: 2 * Swift.min(a, 9)) + 1)
        }
        return Float(signOf: v, magnitudeOf: s)
    }
}
