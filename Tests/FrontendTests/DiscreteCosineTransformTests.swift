import Foundation
import Frontend
import Model
import Testing

@Suite struct DiscreteCosineTransformTests {
    @Test func orthonormalMatrixIsOrthonormal() throws {
        let n = 40
        let dct = try DiscreteCosineTransform(inputCount: n, coefficientCount: n, scaling: .orthonormal)
        for i in 0..<n {
            for j in 0..<n {
                var dot = 0.0
                for k in 0..<n { dot += Double(dct.matrix[i * n + k]) * Double(dct.matrix[j * n + k]) }
                #expect(abs(dot - (i == j ? 1 : 0)) < 1e-6, "row \(i) . row \(j) = \(dot)")
            }
        }
    }

    @Test func tensorFlowScalingMatchesItsFormula() throws {
        let n = 40
        let dct = try DiscreteCosineTransform(inputCount: n, coefficientCount: 10, scaling: .tensorFlow)
        #expect(dct.matrix.count == 10 * n)
        for i in 0..<10 {
            for j in 0..<n {
                let expected = sqrt(2.0 / Double(n)) * cos(Double.pi / Double(n) * Double(i) * (Double(j) + 0.5))
                #expect(abs(Double(dct.matrix[i * n + j]) - expected) <= 1e-7)
            }
        }
    }

    @Test func lifterScalesRows() throws {
        let plain = try DiscreteCosineTransform(inputCount: 23, coefficientCount: 13, scaling: .orthonormal)
        let liftered = try DiscreteCosineTransform(inputCount: 23, coefficientCount: 13, scaling: .orthonormal, lifter: 22)
        for i in 0..<13 {
            let factor = 1 + 11 * sin(Double.pi * Double(i) / 22)
            for j in 0..<23 {
                #expect(abs(Double(liftered.matrix[i * 23 + j]) - factor * Double(plain.matrix[i * 23 + j])) <= 1e-5)
            }
        }
    }

    @Test func rejectsCoefficientCounts() {
        #expect(throws: FrontendError.invalidCoefficientCount(count: 41, melBandCount: 40)) {
            try DiscreteCosineTransform(inputCount: 40, coefficientCount: 41, scaling: .tensorFlow)
        }
        #expect(throws: FrontendError.invalidCoefficientCount(count: 0, melBandCount: 40)) {
            try DiscreteCosineTransform(inputCount: 40, coefficientCount: 0, scaling: .tensorFlow)
        }
    }
}
