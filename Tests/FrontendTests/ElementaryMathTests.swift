import Foundation
import Kernels
import TestSupport
import Testing

/// Earshot's pure-Swift log, log1p, log10, sin and cos against Glibc, in ulps.
@Suite struct ElementaryMathTests {
    static func ulps(_ value: Double, _ reference: Double) -> Double {
        if value == reference { return 0 }
        return abs(value - reference) / reference.ulp
    }

    static func ulps(_ value: Float, _ reference: Double) -> Double {
        let rounded = Float(reference)
        if value == rounded { return 0 }
        return abs(Double(value) - reference) / Double(rounded.ulp)
    }

    @Test func logDouble() {
        var generator = SeededGenerator(seed: 21)
        var worst = 0.0
        for _ in 0..<200_000 {
            let exponent = Int.random(in: -1074...1023, using: &generator)
            let x = Double(sign: .plus, exponent: exponent, significand: Double.random(in: 1..<2, using: &generator))
            guard x > 0, x.isFinite else { continue }
            worst = max(worst, Self.ulps(ElementaryMath.log(x), Foundation.log(x)))
        }
        for x in stride(from: 0.5, through: 2.0, by: 1e-5) {
            worst = max(worst, Self.ulps(ElementaryMath.log(x), Foundation.log(x)))
        }
        #expect(worst <= 1, "worst \(worst) ulp")
        #expect(ElementaryMath.log(1.0) == 0)
        #expect(ElementaryMath.log(0.0) == -.infinity)
        #expect(ElementaryMath.log(-1.0).isNaN)
        #expect(ElementaryMath.log(Double.infinity) == .infinity)
        #expect(ElementaryMath.log(Double.leastNonzeroMagnitude) == Foundation.log(Double.leastNonzeroMagnitude))
    }

    @Test func logFloat() {
        var worst = 0.0
        var x: Float = .leastNormalMagnitude
        while x < .greatestFiniteMagnitude / 1.001 {
            worst = max(worst, Self.ulps(ElementaryMath.log(x), Foundation.log(Double(x))))
            x *= 1.000_37
        }
        #expect(worst <= 0.5001, "worst \(worst) ulp")  // evaluated in Double: correctly rounded
        #expect(ElementaryMath.log(Float(0)) == -.infinity)
        #expect(ElementaryMath.log(Float(-2)).isNaN)
    }

    @Test func log1pAndLog10() {
        var worst1p = 0.0, worst10 = 0.0
        for i in 0..<100_000 {
            let x = Double(i) * 1e-5 - 0.5 + 1e-12
            worst1p = max(worst1p, Self.ulps(ElementaryMath.log1p(x), Foundation.log1p(x)))
            let y = Double(i + 1) * 0.37
            worst10 = max(worst10, Self.ulps(ElementaryMath.log10(y), Foundation.log10(y)))
        }
        #expect(worst1p <= 2, "log1p worst \(worst1p) ulp")
        #expect(worst10 <= 2, "log10 worst \(worst10) ulp")
        #expect(ElementaryMath.log1p(1e-300) == 1e-300)
        #expect(ElementaryMath.log1p(-1.0) == -.infinity)
    }

    @Test func sineAndCosineDouble() {
        var worstSin = 0.0, worstCos = 0.0
        var generator = SeededGenerator(seed: 22)
        for i in 0..<200_000 {
            let x = i % 2 == 0 ? Double.random(in: -10...10, using: &generator)
                : Double.random(in: -1e5...1e5, using: &generator)
            // Measure in ulps of the larger of the result and 2^-20 (absolute near zeros).
            let s = Foundation.sin(x), c = Foundation.cos(x)
            worstSin = max(worstSin, abs(ElementaryMath.sin(x) - s) / max(abs(s), 0x1p-20).ulp)
            worstCos = max(worstCos, abs(ElementaryMath.cos(x) - c) / max(abs(c), 0x1p-20).ulp)
        }
        #expect(worstSin <= 1, "sin worst \(worstSin) ulp")
        #expect(worstCos <= 1, "cos worst \(worstCos) ulp")
        #expect(ElementaryMath.sin(0.0) == 0 && ElementaryMath.cos(0.0) == 1)
        #expect(ElementaryMath.sin(Double.infinity).isNaN && ElementaryMath.cos(Double.nan).isNaN)
        #expect(ElementaryMath.sin(1e13).isNaN)
    }

    @Test func sineAndCosineFloat() {
        var worst = 0.0
        var x: Float = -100
        while x < 100 {
            let s = Foundation.sin(Double(x)), c = Foundation.cos(Double(x))
            worst = max(worst, abs(Double(ElementaryMath.sin(x)) - s) / Double(Float(max(abs(s), 1e-6)).ulp))
            worst = max(worst, abs(Double(ElementaryMath.cos(x)) - c) / Double(Float(max(abs(c), 1e-6)).ulp))
            x += 0.000_71
        }
        #expect(worst <= 1, "worst \(worst) ulp")
    }
}
