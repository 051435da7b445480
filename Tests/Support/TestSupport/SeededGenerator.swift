/// SplitMix64: a small seeded generator, the same on every platform, so every random test is
/// reproducible. The one copy the test targets share.
///
///     state += 0x9E3779B97F4A7C15
///     z = state; z = (z ^ z >> 30) · 0xBF58476D1CE4E5B9; z = (z ^ z >> 27) · 0x94D049BB133111EB
///     next = z ^ z >> 31
package struct SeededGenerator: RandomNumberGenerator {
    package var state: UInt64

    package init(seed: UInt64) { state = seed }

    package init(state: UInt64) { self.state = state }

    package mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform Float in [−scale, scale), by the standard library (`Float.random(in:using:)`).
    package mutating func uniform(_ scale: Float) -> Float {
        Float.random(in: -scale..<scale, using: &self)
    }

    /// Uniform Float in [−scale, scale], by the standard library (`Float.random(in:using:)` on a
    /// closed range: a different sequence from `uniform`).
    package mutating func uniform(closed scale: Float) -> Float {
        Float.random(in: -scale...scale, using: &self)
    }

    /// Uniform Float in [−scale, scale) from the top 24 bits of `next()`:
    /// (b / 2^24 · 2 − 1) · scale, which any language reproduces exactly.
    package mutating func uniformFromTopBits(_ scale: Float) -> Float {
        (Float(next() >> 40) / Float(1 << 24) * 2 - 1) * scale
    }
}
