/// kissfft's plan for a forward FFT of M = N/2 complex points (M a power of two), shared by the
/// two FFTs that reproduce kissfft's rounding (`KissOrderRealFFT` in Float, `FixedPointRealFFT` in
/// Q15): M factored into 4s then (if needed) one 2, the outermost stage first, and the twiddle
/// phases as kissfft's set-up computes them in Double.
struct KissFFTPlan {
    /// Whether the innermost stage is radix 2 (M is an odd power of two).
    let innerRadix2: Bool
    /// [M]: the z index read into work slot i before the innermost stage.
    let order: [Int32]

    /// The plan for `half` = M complex points, M a power of two >= 1. Allocates: the order array.
    init(half m: Int) {
        var log2m = 0
        while 1 << log2m < m { log2m += 1 }
        innerRadix2 = log2m % 2 == 1
        var radices = [Int](repeating: 4, count: log2m / 2)
        if innerRadix2 { radices.append(2) }
        var slots = [Int32](repeating: 0, count: m)
        Self.leafOrder(radices: radices, level: 0, slot: 0, source: 0, stride: 1, into: &slots)
        order = slots
    }

    /// The phase of twiddle j, W^j with W = e^{-2 pi i / M}: the same Double expression as kissfft's
    /// set-up (M is a power of two, so dividing by it is exact whether or not the compiler turned it
    /// into a multiplication).
    static func twiddlePhase(_ j: Int, half m: Int) -> Double {
        (-2 * setupPi * Double(j)) / Double(m)
    }

    /// The phase of the real split's super twiddle k (0-based, for X[k + 1]): -pi ((k+1)/M + 1/2).
    static func superTwiddlePhase(_ k: Int, half m: Int) -> Double {
        -setupPi * (Double(k + 1) / Double(m) + 0.5)
    }

    /// Fills `slots[slot ..< slot + remaining length]` with the z index each slot receives: the
    /// recursion's leaves read z[base + q * stride] into consecutive slots, the outermost radix first.
    private static func leafOrder(radices: [Int], level: Int, slot: Int, source: Int, stride: Int, into slots: inout [Int32]) {
        guard level < radices.count else {
            slots[slot] = Int32(source)
            return
        }
        let p = radices[level]
        var length = 1
        for r in radices[(level + 1)...] { length *= r }
        for q in 0..<p {
            leafOrder(radices: radices, level: level + 1, slot: slot + q * length, source: source + q * stride,
                      stride: stride * p, into: &slots)
        }
    }
}
