import Model

// The integer functions of TensorFlow Lite Micro's audio front end, restated from their
// definitions: bit counts, square roots, the PCAN gain curve and shrink, and the fixed-point log.
// All wrap where the C code's unsigned arithmetic wraps.

extension MicroFrontend {
    /// The number of significant bits of n (0 for 0).
    @inline(__always)
    static func significantBits(_ n: UInt32) -> Int {
        32 &- n.leadingZeroBitCount
    }

    /// The reference's integer square root: r = floor(sqrt(n)), plus one when the remainder
    /// n - r^2 exceeds r (sqrt(n) above r + 1/2), except at the top of its path's range (0xFFFF for
    /// n < 2^32, which the reference computes in 32 bits, 0xFFFFFFFF above). The reference gets r
    /// bit by bit; here it is Double's correctly rounded square root, corrected to the exact floor
    /// (the same function, checked against the definition in MicroFrontendTests, branch-light).
    @inline(__always)
    static func squareRoot64(_ n: UInt64) -> UInt32 {
        var root = UInt64(Double(n).squareRoot())  // within one of floor(sqrt(n)) for every UInt64
        if root > 0xFFFF_FFFF { root = 0xFFFF_FFFF }
        if root &* root > n { root &-= 1 }
        if root < 0xFFFF_FFFF && (root &+ 1) &* (root &+ 1) <= n { root &+= 1 }
        let limit: UInt64 = n >> 32 == 0 ? 0xFFFF : 0xFFFF_FFFF
        if n &- root &* root > root && root != limit { root &+= 1 }
        return UInt32(truncatingIfNeeded: root)
    }

    /// The PCAN gain of noise estimate x from the piecewise-quadratic `table`: x <= 2 reads it
    /// directly; otherwise with i = significantBits(x), the 10 bits below x's top bit as f,
    /// gain = y0 + ((((a2 f) >> 5) + (a1 << 5)) f + 2^14) >> 15.
    @inline(__always)
    static func wideDynamicFunction(_ x: UInt32, _ table: UnsafePointer<Int16>) -> Int16 {
        if x <= 2 { return table[Int(x)] }
        let interval = significantBits(x)
        let entry = table + (4 &* interval &- 6)
        let shifted = interval < 11 ? x &<< UInt32(11 &- interval) : x &>> UInt32(interval &- 11)
        let fraction = Int32(Int16(truncatingIfNeeded: shifted & 0x3FF))
        var result = (Int32(entry[2]) &* fraction) >> 5
        result &+= Int32(bitPattern: UInt32(bitPattern: Int32(entry[1])) &<< 5)
        result &*= fraction
        result = (result &+ (1 << 14)) >> 15
        result &+= Int32(entry[0])
        return Int16(truncatingIfNeeded: result)
    }

    /// PCAN's output curve of the Q12 signal-to-noise ratio x: x^2 / 2^20 below 2 (in Q12),
    /// x / 2^6 - 2^6 above.
    @inline(__always)
    static func pcanShrink(_ x: UInt32) -> UInt32 {
        if x < 2 << pcanSnrBits {
            return (x &* x) &>> UInt32(2 &+ 2 &* pcanSnrBits &- pcanOutputBits)
        }
        return (x &>> UInt32(pcanSnrBits &- pcanOutputBits)) &- (1 << pcanOutputBits)
    }

    /// round(2^scaleShift ln x) for x >= 2 in fixed point: log2 x from its top bit and the
    /// fraction below it corrected by `table` (128 linear segments, 16 fractional bits), then
    /// times ln 2 as 45426 / 65536, each step rounded.
    @inline(__always)
    static func logarithm(_ x: UInt32, scaleShift: UInt32, _ table: UnsafePointer<UInt16>) -> UInt32 {
        let integer = significantBits(x) &- 1
        var fraction = Int32(truncatingIfNeeded: Int64(x) &- (Int64(1) &<< Int64(integer)))
        if integer < 16 {
            fraction &<<= Int32(16 &- integer)
        } else {
            fraction >>= Int32(integer &- 16)
        }
        let segment = Int(UInt32(bitPattern: fraction) &>> 9)
        let c0 = Int32(table[segment])
        let c1 = Int32(table[segment &+ 1])
        let segmentBase = Int32(512 &* segment)
        let relative = ((c1 &- c0) &* (fraction &- segmentBase)) >> 16
        let log2Fraction = UInt32(bitPattern: fraction &+ c0 &+ relative)
        let log2 = (UInt32(integer) &<< 16) &+ log2Fraction
        let round: UInt32 = 1 << 15
        let natural = UInt32(truncatingIfNeeded: (UInt64(45426) &* UInt64(log2) &+ UInt64(round)) &>> 16)
        return ((natural &<< scaleShift) &+ round) &>> 16
    }
}
