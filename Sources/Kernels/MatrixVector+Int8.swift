// MARK: - int8 matrix–vector products and dynamic quantization (portable twins)

extension MatrixVector {
    /// y[r] (+)= Float(Σ_c Q[r, c] · q[c]) · (rowScales[r] · vectorScale) for r in 0..<rows.
    ///
    /// Q: int8 row-major [rows, columns] in −127...127; q: `columns` int8 from
    /// `Quantization.quantize`. The sum is exact in Int32; the two multiplications are rounded
    /// separately. The portable Swift twin of `KernelSet.multiply(int8:...)`, and bit-identical
    /// to it. Allocates: never.
    @inlinable
    public static func multiply(
        int8 matrix: UnsafePointer<Int8>, rowScales: UnsafePointer<Float>, rows: Int, columns: Int,
        quantizedVector: UnsafePointer<Int8>, vectorScale: Float,
        into output: UnsafeMutablePointer<Float>, accumulate: Bool
    ) {
        var r = 0
        while r < rows {
            let row = matrix + r &* columns
            var sum: Int32 = 0
            var c = 0
            while c < columns {
                sum &+= Int32(row[c]) &* Int32(quantizedVector[c])
                c &+= 1
            }
            let scale = rowScales[r] * vectorScale
            let value = Float(sum) * scale
            output[r] = accumulate ? output[r] + value : value
            r &+= 1
        }
    }
}

/// Symmetric dynamic quantization of activations to int8.
public enum Quantization {
    /// m = max_i |x[i]|, q[i] = clamp(roundeven(x[i] · (127 / m)), −127, 127), returns m / 127,
    /// each operation rounded in Float. An x with m < 2^-100 (all zero, in practice) gives q = 0
    /// and scale 0; NaN or ±∞ in x
    /// gives q = 0 and scale NaN, so the products made with it are NaN as in float.
    ///
    /// The portable Swift twin of `KernelSet.quantize`, and bit-identical to it.
    /// Allocates: never.
    @inlinable
    public static func quantize(_ x: UnsafePointer<Float>, count: Int, into q: UnsafeMutablePointer<Int8>) -> Float {
        // The maximum over magnitude bit patterns: integer order is float order for
        // non-negative floats, and NaN and ∞ sort above every finite value.
        var maximum: UInt32 = 0
        var i = 0
        while i < count {
            let bits = x[i].bitPattern & 0x7FFF_FFFF
            if bits > maximum { maximum = bits }
            i &+= 1
        }
        // Below 2^-100 the vector counts as zero, so 127 / m cannot overflow.
        if maximum < 0x0D80_0000 || maximum >= 0x7F80_0000 {
            q.update(repeating: 0, count: count)
            return maximum < 0x7F80_0000 ? 0 : .nan
        }
        let m = Float(bitPattern: maximum)
        let inverse = 127 / m
        i = 0
        while i < count {
            let v = x[i] * inverse
            // 1.5 · 2^23 added and removed rounds |v| < 2^22 to an integer, ties to even.
            var rounded = (v + 12_582_912) - 12_582_912
            rounded = Swift.min(Swift.max(rounded, -127), 127)
            q[i] = Int8(rounded)
            i &+= 1
        }
        return m / 127
    }
}
