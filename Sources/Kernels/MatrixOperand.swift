// MARK: - Matrix operand (the seam for fp16/int8 weights)

/// Element type of a weight matrix as the kernels see it.
///
/// Only float32 exists today; fp16 and int8 (per-row scales) join here together with their
/// kernels, and the compiler then points at the one `switch` in `MatrixOperand` to extend.
public enum MatrixElementType: Sendable, Equatable {
    case float32
}

/// A weight matrix by reference: element type, shape, and a pointer to row-major data.
///
/// A plain value (no ownership); the memory must outlive every use. Valid while the model
/// file that holds the weights lives.
public struct MatrixOperand: @unchecked Sendable {
    public var elementType: MatrixElementType
    /// Rows (outputs).
    public var rows: Int
    /// Columns (inputs); also the row stride in elements.
    public var columns: Int
    /// First element, row-major [rows, columns].
    public var data: UnsafeRawPointer
    /// Per-row float32 scales for quantized types; nil for float32.
    public var scales: UnsafePointer<Float>?

    public init(
        elementType: MatrixElementType, rows: Int, columns: Int, data: UnsafeRawPointer,
        scales: UnsafePointer<Float>? = nil
    ) {
        self.elementType = elementType
        self.rows = rows
        self.columns = columns
        self.data = data
        self.scales = scales
    }

    /// y[i] (+)= Σ_c W[firstRow + i, c] · x[c] for i in 0..<rowCount.
    ///
    /// - Parameters:
    ///   - vector: x, `columns` floats.
    ///   - output: y, `rowCount` floats, not overlapping x.
    ///   - accumulate: add to y instead of overwriting it.
    /// Precondition (debug only): firstRow + rowCount ≤ rows.
    /// Allocates: never.
    @inlinable
    public func multiply(
        firstRow: Int, rowCount: Int, vector: UnsafePointer<Float>,
        into output: UnsafeMutablePointer<Float>, accumulate: Bool
    ) {
        assert(firstRow >= 0 && rowCount >= 0 && firstRow + rowCount <= rows)
        switch elementType {
        case .float32:
            MatrixVector.multiply(
                data.assumingMemoryBound(to: Float.self), firstRow: firstRow, rowCount: rowCount,
                columns: columns, vector: vector, into: output, accumulate: accumulate)
        }
    }

    /// y (+)= W x over all rows. See `multiply(firstRow:rowCount:vector:into:accumulate:)`.
    /// Allocates: never.
    @inlinable
    public func multiply(vector: UnsafePointer<Float>, into output: UnsafeMutablePointer<Float>, accumulate: Bool) {
        multiply(firstRow: 0, rowCount: rows, vector: vector, into: output, accumulate: accumulate)
    }
}
