// MARK: - Matrix operand (fp32, fp16 or int8 weights)

/// Element type of a weight matrix as the kernels see it.
public enum MatrixElementType: Sendable, Equatable {
    /// IEEE binary32.
    case float32
    /// IEEE binary16 bit patterns, widened to float32 in the kernel.
    case float16
    /// Symmetric int8 in −127...127 with one float32 scale per row: W[r, c] ≈ scales[r] · Q[r, c].
    case int8
}

/// A weight matrix by reference: element type, shape, a pointer to row-major data, and the
/// kernels that multiply it (chosen once, when the operand is made).
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
    /// Per-row float32 scales for int8; nil otherwise.
    public var scales: UnsafePointer<Float>?
    /// The kernels used by `multiply`.
    public var kernels: KernelSet
    /// int8 only: where `multiply` quantizes the vector, `quantizedByteCount(columns:)` bytes.
    /// May be shared by operands that are never multiplied at the same time.
    public var quantizedVector: UnsafeMutablePointer<Int8>?
    /// int8 only, when `kernels.packsInt8`: the matrix in the kernels' packed layout, as
    /// consecutive segments of `segmentRows` rows each (`KernelSet.packInt8` on each), or nil to
    /// multiply the row-major `data`.
    public var packed: UnsafeRawPointer?
    /// Rows per packed segment (a divisor of `rows`); `multiply` then takes row ranges on segment
    /// boundaries only (GRU's candidate block is a segment of its recurrent matrix).
    public var segmentRows: Int
    /// Bytes per packed segment.
    public var segmentByteCount: Int

    /// - Precondition: int8 operands have `scales` and `quantizedVector`.
    public init(
        elementType: MatrixElementType, rows: Int, columns: Int, data: UnsafeRawPointer,
        scales: UnsafePointer<Float>? = nil, kernels: KernelSet = .best,
        quantizedVector: UnsafeMutablePointer<Int8>? = nil
    ) {
        self.packed = nil
        self.segmentRows = rows
        self.segmentByteCount = 0
        precondition(elementType != .int8 || (scales != nil && quantizedVector != nil),
                     "an int8 operand needs row scales and a quantization buffer")
        self.elementType = elementType
        self.rows = rows
        self.columns = columns
        self.data = data
        self.scales = scales
        self.kernels = kernels
        self.quantizedVector = quantizedVector
    }

    /// Bytes `pack(into:segmentRows:)` needs: 0 unless this is an int8 operand whose kernels pack.
    /// Precondition: `segmentRows` divides `rows`.
    public func packedByteCount(segmentRows: Int) -> Int {
        guard elementType == .int8, kernels.packsInt8 else { return 0 }
        precondition(segmentRows > 0 && rows % segmentRows == 0, "segments of \(segmentRows) rows do not divide \(rows)")
        return (rows / segmentRows) &* kernels.packedInt8ByteCount(rows: segmentRows, columns: columns)
    }

    /// Packs an int8 operand's matrix into `memory` (`packedByteCount(segmentRows:)` bytes,
    /// 64-byte aligned) in segments of `segmentRows` rows, and multiplies from there from now on.
    /// Does nothing for other operands or kernels that do not pack. Call once, at load.
    public mutating func pack(into memory: UnsafeMutableRawPointer, segmentRows: Int) {
        guard elementType == .int8, kernels.packsInt8 else { return }
        let segmentBytes = kernels.packedInt8ByteCount(rows: segmentRows, columns: columns)
        let weights = data.assumingMemoryBound(to: Int8.self)
        var segment = 0
        while segment &* segmentRows < rows {
            kernels.packInt8(
                weights + segment &* segmentRows &* columns, rows: segmentRows, columns: columns,
                into: memory + segment &* segmentBytes)
            segment &+= 1
        }
        packed = UnsafeRawPointer(memory)
        self.segmentRows = segmentRows
        segmentByteCount = segmentBytes
    }

    /// Bytes of the quantization buffer an int8 operand with `columns` columns needs: columns
    /// rounded up to 32 (the kernels read whole 32-byte blocks of it and ignore the excess).
    public static func quantizedByteCount(columns: Int) -> Int { (columns &+ 31) & ~31 }

    /// y[i] (+)= Σ_c W[firstRow + i, c] · x[c] for i in 0..<rowCount.
    ///
    /// int8 operands first quantize x into `quantizedVector` (symmetric, per call), then sum
    /// exactly in Int32 and rescale by the row scale times x's scale.
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
        let offset = firstRow &* columns
        switch elementType {
        case .float32:
            kernels.multiply(
                float32: data.assumingMemoryBound(to: Float.self) + offset, rows: rowCount, columns: columns,
                vector: vector, into: output, accumulate: accumulate)
        case .float16:
            kernels.multiply(
                float16: data.assumingMemoryBound(to: UInt16.self) + offset, rows: rowCount, columns: columns,
                vector: vector, into: output, accumulate: accumulate)
        case .int8:
            // `guard let`, not `unsafelyUnwrapped`: in a debug build that generic getter makes the
            // runtime instantiate Optional<UnsafeMutablePointer<Int8>>'s metadata (allocating) on
            // the first int8 multiply of a process.
            guard let q = quantizedVector, let rowScales = scales else {
                preconditionFailure("an int8 operand needs row scales and a quantization buffer")
            }
            let scale = kernels.quantize(vector, count: columns, into: q)
            if let packed {
                assert(firstRow % segmentRows == 0 && rowCount % segmentRows == 0, "rows off the packed segments")
                var row = 0
                while row < rowCount {
                    let segment = (firstRow &+ row) / segmentRows
                    kernels.multiply(
                        packedInt8: packed + segment &* segmentByteCount,
                        rowScales: rowScales + (firstRow &+ row), rows: segmentRows, columns: columns,
                        quantizedVector: q, vectorScale: scale, into: output + row, accumulate: accumulate)
                    row &+= segmentRows
                }
                return
            }
            kernels.multiply(
                int8: data.assumingMemoryBound(to: Int8.self) + offset, rowScales: rowScales + firstRow,
                rows: rowCount, columns: columns, quantizedVector: q, vectorScale: scale,
                into: output, accumulate: accumulate)
        }
    }

    /// y (+)= W x over all rows. See `multiply(firstRow:rowCount:vector:into:accumulate:)`.
    /// Allocates: never.
    @inlinable
    public func multiply(vector: UnsafePointer<Float>, into output: UnsafeMutablePointer<Float>, accumulate: Bool) {
        multiply(firstRow: 0, rowCount: rows, vector: vector, into: output, accumulate: accumulate)
    }
}
