// Sine and cosine in pure Swift.
//
// Method:
//   k = nearest integer to x * 2/pi;  r = x - k * pi/2 with pi/2 split in three parts
//   (Cody–Waite: the head has 33 significant bits, so k * head is exact for |k| < 2^20).
//   On |r| <= pi/4 the Taylor series of sin and cos (through r^17 and r^18) are below
//   2^-60 relative error; the quadrant k mod 4 picks (+-sin r, +-cos r).
// Accurate arguments: |x| < 2^19 * pi (about 1.6e6). Beyond that the three-part reduction loses
// digits (there is no Payne–Hanek reduction): the result stays in [-1, 1] but may be off; for
// |x| >= 2^40 the functions give NaN (outside the supported domain).

extension ElementaryMath {
    // MARK: - Constants

    /// 2/pi.
    @inlinable static var twoOverPi: Double { 6.36619772367581382433e-01 }
    /// pi/2 split: head (33 bits), middle, tail.
    @inlinable static var halfPi1: Double { 1.57079632673412561417e+00 }
    @inlinable static var halfPi2: Double { 6.07710050630396597660e-11 }
    @inlinable static var halfPi3: Double { 2.02226624871116645580e-21 }

    // MARK: - Reduction and kernels

    /// Reduces x to r + tail (|tail| <= ulp(r) / 2, r in about [-pi/4, pi/4]) and the quadrant
    /// k mod 4. Keeping the tail of the reduction is what makes the result good to 1 ulp.
    @inlinable
    static func reduceQuarterPi(_ x: Double) -> (r: Double, tail: Double, quadrant: Int) {
        // Round to nearest with the 1.5 * 2^52 trick (no libm rint call on baseline x86-64).
        let shifter = 6755399441055744.0
        let k = (x * twoOverPi + shifter) - shifter
        let head = x - k * halfPi1  // exact: k * halfPi1 is exact and close to x
        let middle = k * halfPi2
        let r0 = head - middle
        let tail0 = ((head - r0) - middle) - k * halfPi3  // what r0 lost, plus the last part
        let r = r0 + tail0
        let tail = tail0 - (r - r0)
        return (r, tail, Int(k) & 3)
    }

    /// sin(r + tail) for |r| <= pi/4, |tail| tiny (Taylor through r^17; tail to first order).
    @inlinable
    static func sinKernel(_ r: Double, _ tail: Double) -> Double {
        let z = r * r
        var p = 1.0 / 355687428096000.0  // 1/17!
        p = p * z - 1.0 / 1307674368000.0  // 1/15!
        p = p * z + 1.0 / 6227020800.0  // 1/13!
        p = p * z - 1.0 / 39916800.0  // 1/11!
        p = p * z + 1.0 / 362880.0  // 1/9!
        p = p * z - 1.0 / 5040.0  // 1/7!
        p = p * z + 1.0 / 120.0  // 1/5!
        p = p * z - 1.0 / 6.0  // 1/3!
        return r + (r * z * p + tail * (1 - 0.5 * z))
    }

    /// cos(r + tail) for |r| <= pi/4, |tail| tiny (Taylor through r^18; tail to first order).
    @inlinable
    static func cosKernel(_ r: Double, _ tail: Double) -> Double {
        let z = r * r
        var p = -1.0 / 6402373705728000.0  // -1/18!
        p = p * z + 1.0 / 20922789888000.0  // 1/16!
        p = p * z - 1.0 / 87178291200.0  // 1/14!
        p = p * z + 1.0 / 479001600.0  // 1/12!
        p = p * z - 1.0 / 3628800.0  // 1/10!
        p = p * z + 1.0 / 40320.0  // 1/8!
        p = p * z - 1.0 / 720.0  // 1/6!
        p = p * z + 1.0 / 24.0  // 1/4!
        // 1 - z/2 + z^2 * p, with the large part summed last to keep the rounding small.
        let halfZ = 0.5 * z
        let w = 1 - halfZ
        return w + (((1 - w) - halfZ) + (z * z * p - r * tail))
    }

    // MARK: - Double

    /// sin(x) in Double. NaN, infinities and |x| >= 2^40 give NaN.
    ///
    /// Accuracy: within 1 ulp for |x| < 1.6e6 (see the file comment); bounded beyond.
    /// Allocates: never.
    @inlinable
    public static func sin(_ x: Double) -> Double {
        if !(x.magnitude < 1099511627776.0) { return .nan }  // NaN, infinities, |x| >= 2^40
        if x.magnitude < 7.4505805969238281e-09 { return x }  // |x| < 2^-27: sin x = x in Double
        let (r, tail, quadrant) = reduceQuarterPi(x)
        switch quadrant {
        case 0: return sinKernel(r, tail)
        case 1: return cosKernel(r, tail)
        case 2: return -sinKernel(r, tail)
        default: return -cosKernel(r, tail)
        }
    }

    /// cos(x) in Double. NaN, infinities and |x| >= 2^40 give NaN.
    ///
    /// Accuracy: within 1 ulp for |x| < 1.6e6 (see the file comment); bounded beyond.
    /// Allocates: never.
    @inlinable
    public static func cos(_ x: Double) -> Double {
        if !(x.magnitude < 1099511627776.0) { return .nan }  // NaN, infinities, |x| >= 2^40
        let (r, tail, quadrant) = reduceQuarterPi(x)
        switch quadrant {
        case 0: return cosKernel(r, tail)
        case 1: return -sinKernel(r, tail)
        case 2: return -cosKernel(r, tail)
        default: return sinKernel(r, tail)
        }
    }

    // MARK: - Float

    /// sin(x) in Float, evaluated in Double. Accuracy: within 1 ulp for |x| < 1.6e6.
    /// Allocates: never.
    @inlinable
    public static func sin(_ x: Float) -> Float {
        Float(sin(Double(x)))
    }

    /// cos(x) in Float, evaluated in Double. Accuracy: within 1 ulp for |x| < 1.6e6.
    /// Allocates: never.
    @inlinable
    public static func cos(_ x: Float) -> Float {
        Float(cos(Double(x)))
    }
}
