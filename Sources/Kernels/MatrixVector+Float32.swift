// MARK: - fp32 matrix–vector products

/// Matrix–vector products y = W x on row-major matrices.
///
/// One file per element type (`MatrixVector+Float32.swift`, later `+Float16`, `+Int8`); the
/// single place that dispatches on the type is `MatrixOperand.multiply`.
public enum MatrixVector {}

extension MatrixVector {
    /// y[r] = Σ_c W[r, c] · x[c] for r in 0..<rows (overwrites y).
    ///
    /// - Parameters:
    ///   - matrix: W, float32, row-major [rows, columns] (row stride = columns); any alignment.
    ///   - rows: number of rows (outputs), ≥ 0.
    ///   - columns: number of columns (inputs), ≥ 0.
    ///   - vector: x, `columns` floats.
    ///   - output: y, `rows` floats; must not overlap `vector`.
    ///
    /// Sums are in Float with several independent SIMD8 accumulators (the order differs from a
    /// sequential loop; error grows like √columns·ε·Σ|W x|).
    /// Allocates: never.
    @inlinable
    public static func multiply(
        _ matrix: UnsafePointer<Float>, rows: Int, columns: Int,
        vector: UnsafePointer<Float>, into output: UnsafeMutablePointer<Float>
    ) {
        product(matrix, rows: rows, columns: columns, vector: vector, output: output, accumulate: false)
    }

    /// y[r] += Σ_c W[r, c] · x[c] for r in 0..<rows. Same shapes and rules as `multiply`.
    /// Allocates: never.
    @inlinable
    public static func multiplyAdd(
        _ matrix: UnsafePointer<Float>, rows: Int, columns: Int,
        vector: UnsafePointer<Float>, into output: UnsafeMutablePointer<Float>
    ) {
        product(matrix, rows: rows, columns: columns, vector: vector, output: output, accumulate: true)
    }

    /// The rows `firstRow ..< firstRow + rowCount` of W times x:
    /// y[i] (+)= Σ_c W[firstRow + i, c] · x[c] for i in 0..<rowCount.
    ///
    /// Used where a block of gates needs its own product (GRU's candidate gate, whose recurrent
    /// input is r ⊙ h). `matrix` is the whole [_, columns] matrix; `output` holds `rowCount` floats.
    /// Allocates: never.
    @inlinable
    public static func multiply(
        _ matrix: UnsafePointer<Float>, firstRow: Int, rowCount: Int, columns: Int,
        vector: UnsafePointer<Float>, into output: UnsafeMutablePointer<Float>, accumulate: Bool
    ) {
        product(
            matrix + firstRow &* columns, rows: rowCount, columns: columns,
            vector: vector, output: output, accumulate: accumulate)
    }

    /// The kernel: blocks of four rows share each load of x (four independent SIMD8 chains),
    /// leftover rows use two SIMD8 chains; columns past the last multiple of 8 are a scalar tail.
    /// Written with `a + b * c` (not `addProduct`/`fma`, which are library calls on baseline
    /// x86-64).
    @inlinable @inline(__always)
    static func product(
        _ matrix: UnsafePointer<Float>, rows: Int, columns: Int,
        vector: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, accumulate: Bool
    ) {
        let x = UnsafeRawPointer(vector)
        let rowBytes = columns &* 4
        let vectorBytes = (columns & ~7) &* 4
        var row = 0
        while row &+ 4 <= rows {
            let w0 = UnsafeRawPointer(matrix + row &* columns)
            let w1 = w0 + rowBytes
            let w2 = w1 + rowBytes
            let w3 = w2 + rowBytes
            var a0 = SIMD8<Float>()
            var a1 = SIMD8<Float>()
            var a2 = SIMD8<Float>()
            var a3 = SIMD8<Float>()
            var offset = 0
            while offset < vectorBytes {
                let xv = x.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
                a0 = a0 + w0.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self) * xv
                a1 = a1 + w1.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self) * xv
                a2 = a2 + w2.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self) * xv
                a3 = a3 + w3.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self) * xv
                offset &+= 32
            }
            var s0 = a0.sum()
            var s1 = a1.sum()
            var s2 = a2.sum()
            var s3 = a3.sum()
            var column = vectorBytes >> 2
            let r0 = matrix + row &* columns
            let r1 = r0 + columns
            let r2 = r1 + columns
            let r3 = r2 + columns
            while column < columns {
                let xs = vector[column]
                s0 = s0 + r0[column] * xs
                s1 = s1 + r1[column] * xs
                s2 = s2 + r2[column] * xs
                s3 = s3 + r3[column] * xs
                column &+= 1
            }
            if accumulate {
                output[row] += s0
                output[row &+ 1] += s1
                output[row &+ 2] += s2
                output[row &+ 3] += s3
            } else {
                output[row] = s0
                output[row &+ 1] = s1
                output[row &+ 2] = s2
                output[row &+ 3] = s3
            }
            row &+= 4
        }
        let pairBytes = (columns & ~15) &* 4
        while row < rows {
            let w = UnsafeRawPointer(matrix + row &* columns)
            var a0 = SIMD8<Float>()
            var a1 = SIMD8<Float>()
            var offset = 0
            while offset < pairBytes {
                a0 = a0 + w.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
                    * x.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
                a1 = a1 + w.loadUnaligned(fromByteOffset: offset &+ 32, as: SIMD8<Float>.self)
                    * x.loadUnaligned(fromByteOffset: offset &+ 32, as: SIMD8<Float>.self)
                offset &+= 64
            }
            if offset < vectorBytes {
                a0 = a0 + w.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
                    * x.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
            }
            var s = (a0 + a1).sum()
            let r = matrix + row &* columns
            var column = vectorBytes >> 2
            while column < columns {
                s = s + r[column] * vector[column]
                column &+= 1
            }
            if accumulate { output[row] += s } else { output[row] = s }
            row &+= 1
        }
    }
}
