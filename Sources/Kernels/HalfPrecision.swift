// MARK: - IEEE binary16 conversions (bit manipulation, no library calls)

/// Conversions between Float and IEEE binary16 bit patterns, exact where the value fits and
/// round-to-nearest-even otherwise. Written with integer operations because scalar `Float16`
/// conversions are library calls on baseline x86-64.
public enum HalfPrecision {
    /// The binary16 value of `bits` as a Float (exact: every half is a float).
    /// Allocates: never.
    @inlinable
    public static func float(fromBits bits: UInt16) -> Float {
        let sign = UInt32(bits & 0x8000) << 16
        let exponent = UInt32(bits >> 10) & 0x1F
        let mantissa = UInt32(bits & 0x3FF)
        if exponent == 0x1F { return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13)) }
        if exponent != 0 { return Float(bitPattern: sign | ((exponent &+ 112) << 23) | (mantissa << 13)) }
        let magnitude = Float(mantissa) * 0x1p-24  // zero or subnormal, exact
        return sign != 0 ? -magnitude : magnitude
    }

    /// `value` rounded to the nearest binary16 (ties to even): too large → ±∞, too small → ±0,
    /// NaN → a quiet NaN. Allocates: never.
    @inlinable
    public static func bits(from value: Float) -> UInt16 {
        let x = value.bitPattern
        let sign = UInt16(truncatingIfNeeded: (x >> 16) & 0x8000)
        let exponent = Int((x >> 23) & 0xFF)
        let mantissa = x & 0x7F_FFFF
        if exponent == 0xFF {
            return sign | 0x7C00 | (mantissa != 0 ? 0x200 | UInt16(truncatingIfNeeded: mantissa >> 13) : 0)
        }
        let e = exponent - 112  // the half's biased exponent
        if e >= 31 { return sign | 0x7C00 }
        if e <= 0 {
            // A half subnormal m · 2^-24 with m = (1.mantissa · 2^23) >> (14 − e), rounded.
            if e < -10 { return sign }
            let full = mantissa | 0x80_0000
            let shift = UInt32(14 - e)
            var result = full >> shift
            let remainder = full & ((1 << shift) &- 1)
            let halfway = UInt32(1) << (shift &- 1)
            if remainder > halfway || (remainder == halfway && result & 1 == 1) { result &+= 1 }
            return sign | UInt16(truncatingIfNeeded: result)
        }
        var result = UInt32(e) << 10 | (mantissa >> 13)
        let remainder = mantissa & 0x1FFF
        // A carry out of the mantissa bumps the exponent, up to ∞: still the right answer.
        if remainder > 0x1000 || (remainder == 0x1000 && result & 1 == 1) { result &+= 1 }
        return sign | UInt16(truncatingIfNeeded: result)
    }
}
