extension MicroFrontend {
    /// A feature value as pymicro-wakeword quantizes it for an int8 model input (its
    /// microwakeword.py): q = round_half_even(v 0.0390625 / scale + zeroPoint) in Double, then
    /// numpy's `astype(int8)`, which wraps modulo 256 instead of clamping (v >= 667 wraps to negative
    /// values for the wheel models' scale 0.10196078568696976 and zero point -128).
    ///
    /// - Parameters:
    ///   - value: a UInt16 feature (`values`).
    ///   - scale: the input tensor's scale (as its Float, widened to Double).
    ///   - zeroPoint: the input tensor's zero point.
    /// Allocates: never.
    @inlinable
    public static func pymicroWakeWordInput(_ value: UInt16, scale: Double, zeroPoint: Int) -> Int8 {
        let feature = Double(Float(value) * 0.0390625)
        let rounded = (feature / scale + Double(zeroPoint)).rounded(.toNearestOrEven)
        // Wrap as numpy's float64 -> int8 cast does (through a wide integer); |rounded| < 2^40 here.
        guard rounded.magnitude < 0x1p62 else { return 0 }
        return Int8(truncatingIfNeeded: Int64(rounded))
    }
}
