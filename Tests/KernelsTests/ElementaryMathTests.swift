import Glibc
import Kernels
import TestSupport
import Testing

/// Error of `value` against the exact result `reference` (a Double), in units of the Float ulp
/// at the reference.
private func ulpError(_ value: Float, _ reference: Double) -> Double {
    let rounded = Float(reference)
    let ulp = rounded == 0 ? Float.leastNonzeroMagnitude : rounded.ulp
    return abs(Double(value) - reference) / Double(ulp)
}

/// Points from `lower` to `upper` in steps of `step`, plus every power of two times a few
/// mantissas down to the smallest subnormals, with both signs (the region near 0 that a linear
/// sweep skips).
private func sweep(from lower: Float, to upper: Float, step: Float) -> [Float] {
    var points: [Float] = []
    let count = Int(((upper - lower) / step).rounded(.down))
    points.reserveCapacity(count + 4000)
    for i in 0...count { points.append(lower + Float(i) * step) }
    var p: Float = 1
    while p > 0 {
        for m: Float in [1, 1.1, 1.37, 1.5, 1.73, 1.99] where p * m <= upper {
            points.append(p * m)
            points.append(-p * m)
        }
        p /= 2
    }
    return points
}

@Suite("ElementaryMath")
struct ElementaryMathTests {
    @Test("exp is correctly rounded (≤ 0.501 ulp) on [-104, 89]")
    func expAccuracy() {
        var worst = 0.0
        var worstAt: Float = 0
        for x in sweep(from: -104, to: 88.7, step: 0.0007) {
            let error = ulpError(ElementaryMath.exp(x), Glibc.exp(Double(x)))
            if error > worst { (worst, worstAt) = (error, x) }
        }
        #expect(worst <= 0.501, "max \(worst) ulp at \(worstAt)")
    }

    @Test("exp agrees with Glibc expf within 1 ulp, and relative 1.2e-7")
    func expAgainstExpf() {
        for x in sweep(from: -87, to: 88, step: 0.0031) {
            let ours = ElementaryMath.exp(x)
            let theirs = expf(x)
            #expect(abs(ours - theirs) <= theirs.ulp, "x = \(x): \(ours) vs \(theirs)")
        }
    }

    @Test("exp special values: NaN, ±∞, overflow, underflow, subnormal results")
    func expSpecialValues() {
        #expect(ElementaryMath.exp(.nan).isNaN)
        #expect(ElementaryMath.exp(.infinity) == .infinity)
        #expect(ElementaryMath.exp(-.infinity) == 0)
        #expect(ElementaryMath.exp(0) == 1)
        #expect(ElementaryMath.exp(-0.0) == 1)
        #expect(ElementaryMath.exp(88.8) == .infinity)
        #expect(ElementaryMath.exp(1000) == .infinity)
        #expect(ElementaryMath.exp(-104) == expf(-104))
        #expect(ElementaryMath.exp(-110) == 0)
        #expect(ElementaryMath.exp(88.72) == expf(88.72))
        // Subnormal results round once, like expf.
        for x: Float in [-87.5, -90, -95.25, -100, -103.2] {
            #expect(ElementaryMath.exp(x) == expf(x), "x = \(x)")
        }
    }

    @Test("tanh: ≤ 0.501 ulp and ≤ 2e-7 absolute vs tanhf on [-20, 20], also near 0")
    func tanhAccuracy() {
        var worstUlp = 0.0
        var worstAbsolute: Float = 0
        var worstAt: Float = 0
        for x in sweep(from: -20, to: 20, step: 0.0001) {
            let ours = ElementaryMath.tanh(x)
            let error = ulpError(ours, Glibc.tanh(Double(x)))
            if error > worstUlp { (worstUlp, worstAt) = (error, x) }
            worstAbsolute = max(worstAbsolute, abs(ours - tanhf(x)))
        }
        #expect(worstUlp <= 0.501, "max \(worstUlp) ulp at \(worstAt)")
        #expect(worstAbsolute <= 2e-7, "max absolute \(worstAbsolute) vs tanhf")
    }

    @Test("tanh special values and symmetry")
    func tanhSpecialValues() {
        #expect(ElementaryMath.tanh(.nan).isNaN)
        #expect(ElementaryMath.tanh(.infinity) == 1)
        #expect(ElementaryMath.tanh(-.infinity) == -1)
        #expect(ElementaryMath.tanh(0) == 0)
        #expect(ElementaryMath.tanh(-0.0).sign == .minus)
        #expect(ElementaryMath.tanh(30) == 1)
        #expect(ElementaryMath.tanh(Float.leastNonzeroMagnitude) == Float.leastNonzeroMagnitude)
        #expect(ElementaryMath.tanh(1e-20) == 1e-20)
        var generator = SeededGenerator(seed: 7)
        for _ in 0..<1000 {
            let x = generator.uniform(12)
            #expect(ElementaryMath.tanh(-x) == -ElementaryMath.tanh(x))
        }
    }

    @Test("sigmoid: ≤ 0.501 ulp and ≤ 2e-7 absolute on [-20, 20]; tail down to subnormals")
    func sigmoidAccuracy() {
        var worstUlp = 0.0
        var worstAbsolute = 0.0
        var worstAt: Float = 0
        for x in sweep(from: -20, to: 20, step: 0.0001) + sweep(from: -104, to: -20, step: 0.003) {
            let ours = ElementaryMath.sigmoid(x)
            let reference = 1 / (1 + Glibc.exp(-Double(x)))
            let error = ulpError(ours, reference)
            if error > worstUlp { (worstUlp, worstAt) = (error, x) }
            worstAbsolute = max(worstAbsolute, abs(Double(ours) - reference))
            // And against the float formula a C implementation would use.
            #expect(abs(ours - 1 / (1 + expf(-x))) <= 2e-7)
        }
        #expect(worstUlp <= 0.501, "max \(worstUlp) ulp at \(worstAt)")
        #expect(worstAbsolute <= 2e-7)
    }

    @Test("sigmoid special values")
    func sigmoidSpecialValues() {
        #expect(ElementaryMath.sigmoid(.nan).isNaN)
        #expect(ElementaryMath.sigmoid(.infinity) == 1)
        #expect(ElementaryMath.sigmoid(-.infinity) == 0)
        #expect(ElementaryMath.sigmoid(0) == 0.5)
        #expect(ElementaryMath.sigmoid(50) == 1)
        #expect(ElementaryMath.sigmoid(-120) == 0)
    }
}
