// A bounds-checked reader of FlatBuffers (the container TFLite models use), standard library only.
// Layout facts (from the FlatBuffers format documentation): the file starts with a u32 offset to the
// root table; a table starts with an i32 back-offset to its vtable; a vtable is u16 vtable size,
// u16 table size, then one u16 field offset per field (0 = absent, the default applies); reference
// fields hold a u32 offset, relative to the field, to a table, vector (u32 count + elements) or
// string (u32 length + bytes + NUL). Everything is little-endian. Nothing here trusts a number
// from the file: every offset, size and count is checked before it is used.

/// A position of a table in a flatbuffer whose vtable has been checked.
struct FlatTable {
    /// Byte offset of the table in the buffer.
    let position: Int
    /// Byte offset of its vtable.
    let vtable: Int
    /// Number of field slots the vtable declares.
    let fieldCount: Int
    /// Size of the table's inline part, as declared by the vtable (checked to lie in the buffer).
    let size: Int
}

/// A vector of 4-byte offsets or scalars: where its elements start and how many there are.
struct FlatVector {
    let start: Int
    let count: Int
}

/// Reads tables, scalars, vectors and strings out of untrusted bytes.
struct FlatbufferReader {
    let bytes: [UInt8]
    /// Deepest table nesting followed (a hostile file could make a cycle of tables).
    static let maximumDepth = 64

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    // MARK: raw little-endian reads (bounds checked)

    private func need(_ offset: Int, _ count: Int, _ what: String) throws(TFLiteError) {
        guard offset >= 0, count >= 0, offset <= bytes.count, count <= bytes.count - offset else {
            throw .malformed(what: what, reason: "needs \(count) bytes at offset \(offset) but the file has \(bytes.count)")
        }
    }

    func u8(_ offset: Int, _ what: String) throws(TFLiteError) -> UInt8 {
        try need(offset, 1, what)
        return bytes[offset]
    }

    func u16(_ offset: Int, _ what: String) throws(TFLiteError) -> UInt16 {
        try need(offset, 2, what)
        return UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) << 8
    }

    func u32(_ offset: Int, _ what: String) throws(TFLiteError) -> UInt32 {
        try need(offset, 4, what)
        return UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16
            | UInt32(bytes[offset + 3]) << 24
    }

    func u64(_ offset: Int, _ what: String) throws(TFLiteError) -> UInt64 {
        UInt64(try u32(offset, what)) | UInt64(try u32(offset + 4, what)) << 32
    }

    // MARK: tables

    /// The root table (the u32 at offset 0 points at it).
    func root() throws(TFLiteError) -> FlatTable {
        try table(at: Int(try u32(0, "the root offset")), "the root table")
    }

    /// Validates the table at `position` and its vtable.
    func table(at position: Int, _ what: String) throws(TFLiteError) -> FlatTable {
        guard position % 4 == 0 else { throw .malformed(what: what, reason: "table at unaligned offset \(position)") }
        let back = Int(Int32(bitPattern: try u32(position, what + " (vtable offset)")))
        let vtable = position - back
        guard vtable >= 0, vtable % 2 == 0 else {
            throw .malformed(what: what, reason: "vtable offset \(vtable) is outside the file or unaligned")
        }
        let vtableSize = Int(try u16(vtable, what + " (vtable size)"))
        let tableSize = Int(try u16(vtable + 2, what + " (table size)"))
        guard vtableSize >= 4, vtableSize % 2 == 0 else {
            throw .malformed(what: what, reason: "vtable size \(vtableSize) is not an even number >= 4")
        }
        try need(vtable, vtableSize, what + " (vtable)")
        guard tableSize >= 4 else { throw .malformed(what: what, reason: "table size \(tableSize) is below 4") }
        try need(position, tableSize, what + " (table)")
        return FlatTable(position: position, vtable: vtable, fieldCount: (vtableSize - 4) / 2, size: tableSize)
    }

    /// Absolute offset of field `index`, or nil when absent. Checks that `width` bytes of the field
    /// lie inside the table's declared size.
    func field(_ table: FlatTable, _ index: Int, width: Int, _ what: String) throws(TFLiteError) -> Int? {
        guard index < table.fieldCount else { return nil }
        let relative = Int(try u16(table.vtable + 4 + 2 * index, what))
        guard relative != 0 else { return nil }
        guard relative >= 4, relative + width <= table.size else {
            throw .malformed(what: what, reason: "field offset \(relative) (+\(width)) lies outside its table of \(table.size) bytes")
        }
        return table.position + relative
    }

    func scalarU8(_ table: FlatTable, _ index: Int, default value: UInt8, _ what: String) throws(TFLiteError) -> UInt8 {
        guard let at = try field(table, index, width: 1, what) else { return value }
        return try u8(at, what)
    }

    func scalarI32(_ table: FlatTable, _ index: Int, default value: Int32, _ what: String) throws(TFLiteError) -> Int32 {
        guard let at = try field(table, index, width: 4, what) else { return value }
        return Int32(bitPattern: try u32(at, what))
    }

    func scalarU32(_ table: FlatTable, _ index: Int, default value: UInt32, _ what: String) throws(TFLiteError) -> UInt32 {
        guard let at = try field(table, index, width: 4, what) else { return value }
        return try u32(at, what)
    }

    func scalarU64(_ table: FlatTable, _ index: Int, default value: UInt64, _ what: String) throws(TFLiteError) -> UInt64 {
        guard let at = try field(table, index, width: 8, what) else { return value }
        return try u64(at, what)
    }

    /// Where a reference field points (absolute), or nil when absent.
    private func reference(_ table: FlatTable, _ index: Int, _ what: String) throws(TFLiteError) -> Int? {
        guard let at = try field(table, index, width: 4, what) else { return nil }
        let target = at + Int(try u32(at, what))
        guard target < bytes.count else {
            throw .malformed(what: what, reason: "reference to offset \(target) beyond the file's \(bytes.count) bytes")
        }
        return target
    }

    func subtable(_ table: FlatTable, _ index: Int, _ what: String) throws(TFLiteError) -> FlatTable? {
        guard let target = try reference(table, index, what) else { return nil }
        return try self.table(at: target, what)
    }

    /// A vector of `elementSize`-byte elements, or nil when absent.
    func vector(_ table: FlatTable, _ index: Int, elementSize: Int, _ what: String) throws(TFLiteError) -> FlatVector? {
        guard let target = try reference(table, index, what) else { return nil }
        guard target % 4 == 0 else { throw .malformed(what: what, reason: "vector at unaligned offset \(target)") }
        let count = Int(try u32(target, what + " (length)"))
        guard count <= (bytes.count - target - 4) / max(elementSize, 1) else {
            throw .malformed(what: what, reason: "vector of \(count) elements does not fit in the file")
        }
        return FlatVector(start: target + 4, count: count)
    }

    /// Element `i` of a vector of tables.
    func tableElement(_ vector: FlatVector, _ i: Int, _ what: String) throws(TFLiteError) -> FlatTable {
        let at = vector.start + 4 * i
        return try table(at: at + Int(try u32(at, what)), what)
    }

    func int32s(_ table: FlatTable, _ index: Int, _ what: String) throws(TFLiteError) -> [Int32] {
        guard let vector = try vector(table, index, elementSize: 4, what) else { return [] }
        var values = [Int32]()
        values.reserveCapacity(vector.count)
        for i in 0..<vector.count { values.append(Int32(bitPattern: try u32(vector.start + 4 * i, what))) }
        return values
    }

    func int64s(_ table: FlatTable, _ index: Int, _ what: String) throws(TFLiteError) -> [Int64] {
        guard let vector = try vector(table, index, elementSize: 8, what) else { return [] }
        var values = [Int64]()
        values.reserveCapacity(vector.count)
        for i in 0..<vector.count { values.append(Int64(bitPattern: try u64(vector.start + 8 * i, what))) }
        return values
    }

    func float32s(_ table: FlatTable, _ index: Int, _ what: String) throws(TFLiteError) -> [Float] {
        guard let vector = try vector(table, index, elementSize: 4, what) else { return [] }
        var values = [Float]()
        values.reserveCapacity(vector.count)
        for i in 0..<vector.count { values.append(Float(bitPattern: try u32(vector.start + 4 * i, what))) }
        return values
    }

    /// A byte vector as a range of `bytes` (not copied).
    func byteRange(_ table: FlatTable, _ index: Int, _ what: String) throws(TFLiteError) -> Range<Int>? {
        guard let vector = try vector(table, index, elementSize: 1, what) else { return nil }
        return vector.start..<(vector.start + vector.count)
    }

    func string(_ table: FlatTable, _ index: Int, _ what: String) throws(TFLiteError) -> String? {
        guard let range = try byteRange(table, index, what) else { return nil }
        guard let text = String(validating: bytes[range], as: UTF8.self) else {
            throw .malformed(what: what, reason: "string is not valid UTF-8")
        }
        return text
    }
}
