import Kernels

// Double-precision helpers used only while building tables at set-up (never per hop).

/// e^x in Double for |x| <= 700, relative error below 1e-15.
///
/// x = k ln2 + r with |r| <= ln2/2; e^r by its Taylor series through r^13; 2^k from exponent bits.
func setupExp(_ x: Double) -> Double {
    if x.isNaN { return x }
    if x > 709 { return .infinity }
    if x < -708 { return 0 }
    let shifter = 6755399441055744.0  // 1.5 * 2^52: adding it rounds to an integer
    let kd = (x * 1.4426950408889634074 + shifter) - shifter
    let r = (x - kd * 6.93147180369123816490e-01) - kd * 1.90821492927058770002e-10
    var p = 1.0 / 6227020800.0  // 1/13!
    var factorial = 6227020800.0
    var n = 13.0
    while n > 1 {  // Horner: p = 1/n! -> ... -> 1/1!
        factorial /= n
        n -= 1
        p = p * r + 1.0 / factorial
    }
    p = p * r + 1.0
    let k = Int(kd)
    // 2^k as two factors so that k in -1022...1023 stays normal.
    let half = k / 2
    let scale1 = Double(sign: .plus, exponent: half, significand: 1)
    let scale2 = Double(sign: .plus, exponent: k - half, significand: 1)
    return p * scale1 * scale2
}

/// x^y for x >= 0 in Double (exp(y ln x)); 0^y = 0 for y > 0.
func setupPow(_ x: Double, _ y: Double) -> Double {
    if x == 0 { return y > 0 ? 0 : (y == 0 ? 1 : .infinity) }
    return setupExp(y * ElementaryMath.log(x))
}

/// pi in Double.
let setupPi = 3.14159265358979323846
