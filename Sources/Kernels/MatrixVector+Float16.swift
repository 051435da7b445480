// MARK: - fp16 matrix–vector products (portable twin)

extension MatrixVector {
    /// y[r] (+)= Σ_c W[r, c] · x[c] for r in 0..<rows, with W stored as binary16 bit patterns
    /// [rows, columns] and each element widened exactly to Float.
    ///
    /// The portable Swift twin of the C kernel `KernelSet.multiply(float16:...)`: one sequential
    /// Float sum per row. Allocates: never.
    @inlinable
    public static func multiply(
        float16 matrix: UnsafePointer<UInt16>, rows: Int, columns: Int, vector: UnsafePointer<Float>,
        into output: UnsafeMutablePointer<Float>, accumulate: Bool
    ) {
        var r = 0
        while r < rows {
            let row = matrix + r &* columns
            var sum: Float = 0
            var c = 0
            while c < columns {
                sum = sum + HalfPrecision.float(fromBits: row[c]) * vector[c]
                c &+= 1
            }
            output[r] = accumulate ? output[r] + sum : sum
            r &+= 1
        }
    }
}
