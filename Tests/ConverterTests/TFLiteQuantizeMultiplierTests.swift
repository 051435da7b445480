@testable import Converter
import Testing

/// TFLite's QuantizeMultiplier as the importer computes it, on the values hostile files give
/// (FuzzTFLite found an ADD whose input scales overflow a Float: the ratio was infinite and the
/// conversion to Int32 trapped).
@Suite struct TFLiteQuantizeMultiplierTests {
    @Test("A ratio no kernel can apply is refused, never a trap")
    func unusableRatios() {
        for ratio in [Double.infinity, -Double.infinity, Double.nan, -0.5, 0x1p40] {
            #expect(tfliteQuantizeMultiplier(ratio) == nil, "ratio \(ratio)")
        }
    }

    @Test("Ordinary ratios: real = m * 2^(shift - 31), m in [2^30, 2^31)")
    func ordinaryRatios() throws {
        for ratio in [0.0003, 0.25, 0.7071, 1.0, 3.5, 0x1p30 * 0.75] {
            let (m, shift) = try #require(tfliteQuantizeMultiplier(ratio))
            #expect(m >= 1 << 30)
            let rebuilt = Double(m) * pow2(Int(shift) - 31)
            #expect(abs(rebuilt - ratio) <= ratio * 0x1p-30, "ratio \(ratio): m \(m) shift \(shift)")
        }
        #expect(tfliteQuantizeMultiplier(0)! == (0, 0))
        #expect(tfliteQuantizeMultiplier(0x1p-40)! == (0, 0))
    }

    private func pow2(_ exponent: Int) -> Double {
        var value = 1.0
        for _ in 0..<abs(exponent) { value = exponent < 0 ? value / 2 : value * 2 }
        return value
    }
}
