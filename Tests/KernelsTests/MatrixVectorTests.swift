import Kernels
import TestSupport
import Testing

/// Naive Double-precision y = W x, and the bound Σ|W[r,c]·x[c]| used to scale tolerances.
private func reference(
    _ w: [Float], rows: Int, columns: Int, _ x: [Float]
) -> (values: [Double], magnitudes: [Double]) {
    var values = [Double](repeating: 0, count: rows)
    var magnitudes = [Double](repeating: 0, count: rows)
    for r in 0..<rows {
        for c in 0..<columns {
            let product = Double(w[r * columns + c]) * Double(x[c])
            values[r] += product
            magnitudes[r] += abs(product)
        }
    }
    return (values, magnitudes)
}

/// Any summation order of n float products errs by at most about n·ε·Σ|products|.
private func tolerance(_ magnitude: Double, columns: Int) -> Double {
    Double(columns + 2) * Double(Float.ulpOfOne) * magnitude + 1e-30
}

private let sizes = [1, 2, 3, 4, 5, 7, 8, 9, 13, 16, 17, 31, 32, 33, 37, 64, 129, 168]

@Suite("MatrixVector fp32")
struct MatrixVectorTests {
    @Test("multiply overwrites y with W x for odd and even sizes", arguments: sizes)
    func multiply(rows: Int) {
        var generator = SeededGenerator(seed: UInt64(rows))
        for columns in sizes {
            let w = (0..<rows * columns).map { _ in generator.uniform(1) }
            let x = (0..<columns).map { _ in generator.uniform(2) }
            var y = [Float](repeating: .nan, count: rows)  // must be overwritten
            w.withUnsafeBufferPointer { wp in
                x.withUnsafeBufferPointer { xp in
                    y.withUnsafeMutableBufferPointer { yp in
                        MatrixVector.multiply(
                            wp.baseAddress!, rows: rows, columns: columns,
                            vector: xp.baseAddress!, into: yp.baseAddress!)
                    }
                }
            }
            let (expected, magnitudes) = reference(w, rows: rows, columns: columns, x)
            for r in 0..<rows {
                #expect(
                    abs(Double(y[r]) - expected[r]) <= tolerance(magnitudes[r], columns: columns),
                    "[\(rows)x\(columns)] row \(r): \(y[r]) vs \(expected[r])")
            }
        }
    }

    @Test("multiplyAdd adds W x to y", arguments: [1, 7, 13, 37, 129])
    func multiplyAdd(rows: Int) {
        var generator = SeededGenerator(seed: 100 + UInt64(rows))
        for columns in [1, 7, 13, 37, 129] {
            let w = (0..<rows * columns).map { _ in generator.uniform(1) }
            let x = (0..<columns).map { _ in generator.uniform(2) }
            let start = (0..<rows).map { _ in generator.uniform(3) }
            var y = start
            w.withUnsafeBufferPointer { wp in
                x.withUnsafeBufferPointer { xp in
                    y.withUnsafeMutableBufferPointer { yp in
                        MatrixVector.multiplyAdd(
                            wp.baseAddress!, rows: rows, columns: columns,
                            vector: xp.baseAddress!, into: yp.baseAddress!)
                    }
                }
            }
            let (expected, magnitudes) = reference(w, rows: rows, columns: columns, x)
            for r in 0..<rows {
                let want = expected[r] + Double(start[r])
                let bound = tolerance(magnitudes[r] + abs(Double(start[r])), columns: columns)
                #expect(abs(Double(y[r]) - want) <= bound, "[\(rows)x\(columns)] row \(r)")
            }
        }
    }

    @Test("a row range multiplies only its rows, overwrite and accumulate, via MatrixOperand")
    func rowRange() {
        var generator = SeededGenerator(seed: 42)
        let rows = 3 * 37, columns = 13
        let w = (0..<rows * columns).map { _ in generator.uniform(1) }
        let x = (0..<columns).map { _ in generator.uniform(1) }
        let (expected, magnitudes) = reference(w, rows: rows, columns: columns, x)
        for (firstRow, rowCount) in [(0, 37), (37, 37), (74, 37), (5, 1), (0, rows), (110, 1), (50, 0)] {
            for accumulate in [false, true] {
                // Guard cells on both sides must stay untouched.
                var y = [Float](repeating: 0.5, count: rowCount + 2)
                w.withUnsafeBytes { wp in
                    x.withUnsafeBufferPointer { xp in
                        y.withUnsafeMutableBufferPointer { yp in
                            let operand = MatrixOperand(
                                elementType: .float32, rows: rows, columns: columns,
                                data: wp.baseAddress!)
                            operand.multiply(
                                firstRow: firstRow, rowCount: rowCount, vector: xp.baseAddress!,
                                into: yp.baseAddress! + 1, accumulate: accumulate)
                        }
                    }
                }
                #expect(y[0] == 0.5 && y[rowCount + 1] == 0.5)
                for i in 0..<rowCount {
                    let want = expected[firstRow + i] + (accumulate ? 0.5 : 0)
                    let bound = tolerance(magnitudes[firstRow + i] + 0.5, columns: columns)
                    #expect(abs(Double(y[i + 1]) - want) <= bound, "row \(firstRow + i)")
                }
            }
        }
    }

    @Test("unaligned matrix and vector pointers give the same result")
    func unaligned() {
        var generator = SeededGenerator(seed: 9)
        let rows = 9, columns = 37
        let w = (0..<rows * columns + 1).map { _ in generator.uniform(1) }
        let x = (0..<columns + 1).map { _ in generator.uniform(1) }
        var y = [Float](repeating: 0, count: rows)
        w.withUnsafeBufferPointer { wp in
            x.withUnsafeBufferPointer { xp in
                y.withUnsafeMutableBufferPointer { yp in
                    MatrixVector.multiply(
                        wp.baseAddress! + 1, rows: rows, columns: columns,
                        vector: xp.baseAddress! + 1, into: yp.baseAddress!)
                }
            }
        }
        let (expected, magnitudes) = reference(Array(w.dropFirst()), rows: rows, columns: columns, Array(x.dropFirst()))
        for r in 0..<rows {
            #expect(abs(Double(y[r]) - expected[r]) <= tolerance(magnitudes[r], columns: columns))
        }
    }
}
