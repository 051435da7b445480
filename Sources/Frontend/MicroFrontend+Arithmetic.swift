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

    /// Integer square root by the bit-by-bit method, rounded up when the remainder exceeds the
    /// root (and the root is below 0xFFFF); for n < 2^32 as `squareRoot64` uses it.
    @inline(__always)
    static func squareRoot32(_ n: UInt32) -> UInt32 {
        if n == 0 { return 0 }
        var number = n
        var result: UInt32 = 0
        let topBit = (n.leadingZeroBitCount) | 1
        var bit: UInt32 = 1 &<< UInt32(31 &- topBit)
        var iterations = (31 &- topBit) / 2 &+ 1
        while iterations > 0 {
            if number >= result &+ bit {
                number &-= result &+ bit
                result = (result &>> 1) &+ bit
            } else {
                result &>>= 1
            }
            bit &>>= 2
            iterations &-= 1
        }
        if number > result && result != 0xFFFF { result &+= 1 }
        return UInt32(UInt16(truncatingIfNeeded: result))
    }

    /// As `squareRoot32` for 64-bit n (numbers below 2^32 take the 32-bit path, as the
    /// reference does), rounded up unless the root is 0xFFFFFFFF.
    @inline(__always)
    static func squareRoot64(_ n: UInt64) -> UInt32 {
        if n >> 32 == 0 { return squareRoot32(UInt32(truncatingIfNeeded: n)) }
        var number = n
        var result: UInt64 = 0
        let topBit = (n.leadingZeroBitCount) | 1
        var bit: UInt64 = 1 &<< UInt64(63 &- topBit)
        var iterations = (63 &- topBit) / 2 &+ 1
        while iterations > 0 {
            if number >= result &+ bit {
                number &-= result &+ bit
                result = (result &>> 1) &+ bit
            } else {
                result &>>= 1
            }
            bit &>>= 2
            iterations &-= 1
        }
        if number > result && result != 0xFFFF_FFFF { result &+= 1 }
        return UInt32(truncatingIfNeeded: result)
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
