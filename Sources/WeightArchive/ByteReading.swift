/// Little-endian reads from a byte array, each checked against the array's bounds.
struct ByteReader {
    let bytes: [UInt8]

    func u16(at offset: Int, _ what: @autoclosure () -> String) throws(WeightArchiveError) -> Int {
        try require(offset, 2, what())
        return Int(bytes[offset]) | Int(bytes[offset + 1]) << 8
    }

    func u32(at offset: Int, _ what: @autoclosure () -> String) throws(WeightArchiveError) -> Int {
        try require(offset, 4, what())
        var value = 0
        for index in 0..<4 { value |= Int(bytes[offset + index]) << (8 * index) }
        return value
    }

    func u64(at offset: Int, _ what: @autoclosure () -> String) throws(WeightArchiveError) -> UInt64 {
        try require(offset, 8, what())
        var value: UInt64 = 0
        for index in 0..<8 { value |= UInt64(bytes[offset + index]) << UInt64(8 * index) }
        return value
    }

    /// Throws unless `count` bytes starting at `offset` lie inside the array.
    func require(_ offset: Int, _ count: Int, _ what: @autoclosure () -> String) throws(WeightArchiveError) {
        guard offset >= 0, count >= 0, offset <= bytes.count, count <= bytes.count - offset else {
            throw .truncated(what: what(), offset: offset, needed: count, fileSize: bytes.count)
        }
    }
}
