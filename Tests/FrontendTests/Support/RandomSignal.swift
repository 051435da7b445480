import TestSupport

/// Uniform Floats in [-1, 1).
func randomSignal(count: Int, seed: UInt64) -> [Float] {
    var generator = SeededGenerator(seed: seed)
    return (0..<count).map { _ in Float.random(in: -1..<1, using: &generator) }
}
