#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// SplitMix64 with Box–Muller normals: a small, seedable source of benchmark inputs (not for
/// anything statistical beyond that).
struct SplitMix64 {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in (0, 1].
    mutating func unit() -> Double { (Double(next() >> 11) + 1) * 0x1p-53 }

    /// Standard normal.
    mutating func normal() -> Float {
        Float((-2 * log(unit())).squareRoot() * cos(2 * Double.pi * unit()))
    }
}
