// Natural logarithm and friends, in pure Swift.
//
// Method (the classic argument reduction of fdlibm's `__ieee754_log`, written from its formulas):
//   x = 2^e * m with m in [sqrt(1/2), sqrt(2)), f = m - 1, s = f / (2 + f), z = s^2
//   log(1 + f) = 2 atanh(s) = 2s + 2s^3/3 + 2s^5/5 + ...
//              = f - (f^2/2 - s * (f^2/2 + R)),  R = sum_{k>=1} 2 z^k / (2k + 1)
//   log(x) = e * ln2_hi + (log(1 + f) + e * ln2_lo)
// |s| <= 0.1716, so z <= 0.02944 and the Taylor series of R converges fast; ln 2 is split in
// a 32-bit head (so e * ln2_hi is exact) and a tail.

extension ElementaryMath {
    // MARK: - Constants

    /// ln 2 with its low 21 significand bits zero, so `e * ln2High` is exact for |e| < 2^21.
    @inlinable static var ln2High: Double { 6.93147180369123816490e-01 }
    /// ln 2 - ln2High.
    @inlinable static var ln2Low: Double { 1.90821492927058770002e-10 }
    /// 1 / ln 10.
    @inlinable static var inverseLn10: Double { 0.43429448190325182765 }

    // MARK: - Double

    /// Natural logarithm ln(x) in Double.
    ///
    /// Special values: ln(0) = -inf, ln(x < 0) = NaN, ln(+inf) = +inf, ln(NaN) = NaN.
    /// Accuracy: within 1 ulp over the whole range (subnormals included).
    /// Allocates: never.
    @inlinable
    public static func log(_ x: Double) -> Double {
        if x.isNaN || x < 0 { return .nan }
        if x == 0 { return -.infinity }
        if x == .infinity { return .infinity }
        var bits = x.bitPattern
        var exponent = 0
        if bits >> 52 == 0 {  // subnormal: scale by 2^54 first
            bits = (x * 18014398509481984.0).bitPattern
            exponent = -54
        }
        exponent &+= Int(truncatingIfNeeded: bits >> 52) &- 1023
        // m in [1, 2)
        var m = Double(bitPattern: (bits & 0x000F_FFFF_FFFF_FFFF) | 0x3FF0_0000_0000_0000)
        if m > 1.4142135623730951 {
            m *= 0.5
            exponent &+= 1
        }
        let f = m - 1
        let s = f / (2 + f)
        let z = s * s
        // R = sum_{k=1}^{11} 2 z^k / (2k+1); the next term is below 2^-60 relative.
        var r = 2.0 / 23.0
        r = r * z + 2.0 / 21.0
        r = r * z + 2.0 / 19.0
        r = r * z + 2.0 / 17.0
        r = r * z + 2.0 / 15.0
        r = r * z + 2.0 / 13.0
        r = r * z + 2.0 / 11.0
        r = r * z + 2.0 / 9.0
        r = r * z + 2.0 / 7.0
        r = r * z + 2.0 / 5.0
        r = r * z + 2.0 / 3.0
        r *= z
        let halfSquare = 0.5 * f * f
        let e = Double(exponent)
        return e * ln2High + (f - (halfSquare - (s * (halfSquare + r) + e * ln2Low)))
    }

    /// ln(1 + x) in Double, accurate for small |x| (where `log(1 + x)` would lose digits).
    ///
    /// Uses ln(1 + x) = ln(u) * x / (u - 1) with u = fl(1 + x), which cancels the rounding of u.
    /// Special values: x = -1 gives -inf, x < -1 gives NaN.
    /// Accuracy: within 2 ulp.
    /// Allocates: never.
    @inlinable
    public static func log1p(_ x: Double) -> Double {
        if x.isNaN || x < -1 { return .nan }
        if x == .infinity { return .infinity }
        let u = 1 + x
        if u == 1 { return x }
        return log(u) * (x / (u - 1))
    }

    /// Base-10 logarithm log10(x) = ln(x) / ln(10) in Double. Accuracy: within 2 ulp.
    /// Allocates: never.
    @inlinable
    public static func log10(_ x: Double) -> Double {
        log(x) * inverseLn10
    }

    // MARK: - Float

    /// Natural logarithm ln(x) in Float, evaluated in Double (so correctly rounded in all but
    /// rare double-rounding cases; always within 1 ulp).
    ///
    /// Special values as for the Double version.
    /// Allocates: never.
    @inlinable
    public static func log(_ x: Float) -> Float {
        if x.isNaN || x < 0 { return .nan }
        if x == 0 { return -.infinity }
        if x == .infinity { return .infinity }
        // A Float's exponent range fits a Double's normal range: no subnormal handling needed.
        let bits = Double(x).bitPattern
        var exponent = Int(truncatingIfNeeded: bits >> 52) &- 1023
        var m = Double(bitPattern: (bits & 0x000F_FFFF_FFFF_FFFF) | 0x3FF0_0000_0000_0000)
        if m > 1.4142135623730951 {
            m *= 0.5
            exponent &+= 1
        }
        let f = m - 1
        let s = f / (2 + f)
        let z = s * s
        // Terms through z^5: truncation below 2^-33 relative, far under a Float ulp.
        var r = 2.0 / 11.0
        r = r * z + 2.0 / 9.0
        r = r * z + 2.0 / 7.0
        r = r * z + 2.0 / 5.0
        r = r * z + 2.0 / 3.0
        r *= z
        let halfSquare = 0.5 * f * f
        let logM = f - (halfSquare - s * (halfSquare + r))
        return Float(Double(exponent) * 0.69314718055994530942 + logM)
    }

    /// ln(1 + x) in Float, evaluated in Double. Accuracy: within 1 ulp.
    /// Allocates: never.
    @inlinable
    public static func log1p(_ x: Float) -> Float {
        Float(log1p(Double(x)))
    }

    /// Base-10 logarithm in Float, evaluated in Double. Accuracy: within 1 ulp.
    /// Allocates: never.
    @inlinable
    public static func log10(_ x: Float) -> Float {
        Float(log(Double(x)) * inverseLn10)
    }
}
