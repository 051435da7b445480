import Kernels
import Model

/// The DCT-II matrix as a [coefficientCount][inputCount] table, built in Double.
public struct DiscreteCosineTransform: Equatable, Sendable {
    /// N, the number of inputs (mel bands).
    public let inputCount: Int
    /// Number of outputs kept (the first ones).
    public let coefficientCount: Int
    /// Row-major [coefficientCount][inputCount] matrix, including the lifter if any.
    public let matrix: [Float]

    /// Builds the table.
    ///
    /// - Parameters:
    ///   - inputCount: N >= 1.
    ///   - coefficientCount: 1...N.
    ///   - scaling: `.tensorFlow` or `.orthonormal` (`.none` gives the identity on the first
    ///     `coefficientCount` inputs).
    ///   - lifter: Kaldi's cepstral lifter L; when L > 0 row i is multiplied by
    ///     1 + (L/2) sin(pi i / L). 0 turns it off.
    /// - Throws: `FrontendError.invalidCoefficientCount`.
    /// Allocates: the table (set-up only).
    public init(inputCount: Int, coefficientCount: Int, scaling: DCTScaling, lifter: Double = 0)
        throws(FrontendError)
    {
        guard inputCount >= 1 else { throw .invalidMelBandCount(inputCount) }
        guard coefficientCount >= 1, coefficientCount <= inputCount else {
            throw .invalidCoefficientCount(count: coefficientCount, melBandCount: inputCount)
        }
        self.inputCount = inputCount
        self.coefficientCount = coefficientCount
        var table = [Float](repeating: 0, count: coefficientCount * inputCount)
        let n = Double(inputCount)
        let twoOverN = (2.0 / n).squareRoot()
        let oneOverN = (1.0 / n).squareRoot()
        for i in 0..<coefficientCount {
            var liftering = 1.0
            if lifter > 0 {
                liftering = 1 + 0.5 * lifter * ElementaryMath.sin(setupPi * Double(i) / lifter)
            }
            for j in 0..<inputCount {
                let value: Double
                switch scaling {
                case .none:
                    value = i == j ? 1 : 0
                case .tensorFlow:
                    value = twoOverN * ElementaryMath.cos(setupPi / n * Double(i) * (Double(j) + 0.5))
                case .orthonormal:
                    let factor = i == 0 ? oneOverN : twoOverN
                    value = factor * ElementaryMath.cos(setupPi / n * Double(i) * (Double(j) + 0.5))
                }
                table[i * inputCount + j] = Float(value * liftering)
            }
        }
        matrix = table
    }
}
