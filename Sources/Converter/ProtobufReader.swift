/// A bounds-checked reader of the protocol-buffer wire format.
///
/// Reads one message: a sequence of (tag, value) pairs, where the tag is a varint holding
/// `field << 3 | wireType`. Every length is checked against the bytes left in the message before
/// anything is sliced; varints are limited to 10 bytes; nested messages to `maxDepth` levels.
/// Offsets in errors are absolute positions in the file.
///
/// Allocates: only for the values it returns (strings, byte copies, repeated fields).
struct ProtobufReader {
    /// Wire types of the protobuf encoding.
    enum WireType: UInt8, CustomStringConvertible {
        case varint = 0, fixed64 = 1, lengthDelimited = 2, startGroup = 3, endGroup = 4, fixed32 = 5

        var description: String {
            switch self {
            case .varint: return "varint"
            case .fixed64: return "fixed64"
            case .lengthDelimited: return "length-delimited"
            case .startGroup: return "start-group"
            case .endGroup: return "end-group"
            case .fixed32: return "fixed32"
            }
        }
    }

    /// Deepest nesting of messages (and groups) accepted.
    static let maxDepth = 32

    private let bytes: [UInt8]
    /// Next byte to read.
    private(set) var position: Int
    /// One past the last byte of this message.
    let end: Int
    /// Nesting level of this message (0 = top level).
    let depth: Int

    /// A reader of the whole buffer as one top-level message.
    init(bytes: [UInt8]) {
        self.bytes = bytes
        self.position = 0
        self.end = bytes.count
        self.depth = 0
    }

    private init(bytes: [UInt8], range: Range<Int>, depth: Int) {
        self.bytes = bytes
        self.position = range.lowerBound
        self.end = range.upperBound
        self.depth = depth
    }

    var isAtEnd: Bool { position >= end }

    private func malformed(_ offset: Int, _ reason: String) -> ConversionError {
        .malformedProtobuf(offset: offset, reason: reason)
    }

    // MARK: - Primitive reads

    /// The next field's tag, or nil at the end of the message.
    /// Throws for field number 0 or out of range, and wire types 6 and 7.
    mutating func readTag() throws(ConversionError) -> (field: Int, wireType: WireType)? {
        if position >= end { return nil }
        let start = position
        let key = try readVarint()
        guard let wireType = WireType(rawValue: UInt8(key & 7)) else {
            throw malformed(start, "invalid wire type \(key & 7)")
        }
        let field = key >> 3
        guard field >= 1, field <= 536_870_911 else { throw malformed(start, "invalid field number \(field)") }
        return (Int(field), wireType)
    }

    /// A base-128 varint of at most 10 bytes.
    mutating func readVarint() throws(ConversionError) -> UInt64 {
        let start = position
        var result: UInt64 = 0
        var shift: UInt64 = 0
        for index in 0..<10 {
            guard position < end else { throw malformed(start, "truncated varint") }
            let byte = bytes[position]
            position += 1
            if index == 9 {
                if byte & 0x80 != 0 { throw malformed(start, "varint longer than 10 bytes") }
                if byte > 1 { throw malformed(start, "varint overflows 64 bits") }
            }
            result |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
        }
        return result  // unreachable: the tenth byte either ends the varint or throws
    }

    /// Four little-endian bytes.
    mutating func readFixed32() throws(ConversionError) -> UInt32 {
        guard end - position >= 4 else { throw malformed(position, "truncated fixed32 (\(end - position) bytes left)") }
        var value: UInt32 = 0
        for index in 0..<4 { value |= UInt32(bytes[position + index]) << (8 * UInt32(index)) }
        position += 4
        return value
    }

    /// Eight little-endian bytes.
    mutating func readFixed64() throws(ConversionError) -> UInt64 {
        guard end - position >= 8 else { throw malformed(position, "truncated fixed64 (\(end - position) bytes left)") }
        var value: UInt64 = 0
        for index in 0..<8 { value |= UInt64(bytes[position + index]) << (8 * UInt64(index)) }
        position += 8
        return value
    }

    /// The byte range of a length-delimited value, checked against the bytes left in this message.
    mutating func readLengthDelimitedRange() throws(ConversionError) -> Range<Int> {
        let start = position
        let length = try readVarint()
        guard length <= UInt64(end - position) else {
            throw malformed(start, "length \(length) exceeds the \(end - position) bytes left in the message")
        }
        let lower = position
        position += Int(length)
        return lower..<position
    }

    // MARK: - Typed field values

    private func expect(_ wireType: WireType, _ wanted: WireType, field: Int) throws(ConversionError) {
        guard wireType == wanted else {
            throw malformed(position, "field \(field) has wire type \(wireType), expected \(wanted)")
        }
    }

    mutating func readInt64(_ wireType: WireType, field: Int) throws(ConversionError) -> Int64 {
        try expect(wireType, .varint, field: field)
        return Int64(bitPattern: try readVarint())
    }

    mutating func readInt32(_ wireType: WireType, field: Int) throws(ConversionError) -> Int32 {
        try expect(wireType, .varint, field: field)
        return Int32(truncatingIfNeeded: try readVarint())
    }

    mutating func readFloat(_ wireType: WireType, field: Int) throws(ConversionError) -> Float {
        try expect(wireType, .fixed32, field: field)
        return Float(bitPattern: try readFixed32())
    }

    mutating func readBytes(_ wireType: WireType, field: Int) throws(ConversionError) -> [UInt8] {
        try expect(wireType, .lengthDelimited, field: field)
        let range = try readLengthDelimitedRange()
        return Array(bytes[range])
    }

    /// A string field; invalid UTF-8 is repaired with replacement characters.
    mutating func readString(_ wireType: WireType, field: Int) throws(ConversionError) -> String {
        try expect(wireType, .lengthDelimited, field: field)
        let range = try readLengthDelimitedRange()
        return String(decoding: bytes[range], as: UTF8.self)
    }

    /// A reader for an embedded message, one level deeper.
    mutating func readMessage(_ wireType: WireType, field: Int) throws(ConversionError) -> ProtobufReader {
        try expect(wireType, .lengthDelimited, field: field)
        let start = position
        let range = try readLengthDelimitedRange()
        guard depth + 1 <= Self.maxDepth else {
            throw malformed(start, "messages nested deeper than \(Self.maxDepth) levels")
        }
        return ProtobufReader(bytes: bytes, range: range, depth: depth + 1)
    }

    /// Appends one element (unpacked) or a packed run of varints to `values`.
    mutating func readRepeatedInt64(_ wireType: WireType, field: Int, into values: inout [Int64]) throws(ConversionError) {
        switch wireType {
        case .varint:
            values.append(Int64(bitPattern: try readVarint()))
        case .lengthDelimited:
            let range = try readLengthDelimitedRange()
            var packed = ProtobufReader(bytes: bytes, range: range, depth: depth)
            while !packed.isAtEnd { values.append(Int64(bitPattern: try packed.readVarint())) }
        default:
            throw malformed(position, "field \(field) has wire type \(wireType), expected varint or packed varints")
        }
    }

    /// Appends one element (unpacked) or a packed run of int32 varints to `values`.
    mutating func readRepeatedInt32(_ wireType: WireType, field: Int, into values: inout [Int32]) throws(ConversionError) {
        var wide = [Int64]()
        try readRepeatedInt64(wireType, field: field, into: &wide)
        for value in wide { values.append(Int32(truncatingIfNeeded: value)) }
    }

    /// Appends one element (unpacked fixed32) or a packed run of floats to `values`.
    mutating func readRepeatedFloat(_ wireType: WireType, field: Int, into values: inout [Float]) throws(ConversionError) {
        switch wireType {
        case .fixed32:
            values.append(Float(bitPattern: try readFixed32()))
        case .lengthDelimited:
            let start = position
            let range = try readLengthDelimitedRange()
            guard range.count % 4 == 0 else {
                throw malformed(start, "packed float field \(field) has \(range.count) bytes, not a multiple of 4")
            }
            values.reserveCapacity(values.count + range.count / 4)
            var packed = ProtobufReader(bytes: bytes, range: range, depth: depth)
            while !packed.isAtEnd { values.append(Float(bitPattern: try packed.readFixed32())) }
        default:
            throw malformed(position, "field \(field) has wire type \(wireType), expected fixed32 or packed floats")
        }
    }

    /// Appends one element (unpacked fixed64) or a packed run of doubles to `values`.
    mutating func readRepeatedDouble(_ wireType: WireType, field: Int, into values: inout [Double]) throws(ConversionError) {
        switch wireType {
        case .fixed64:
            values.append(Double(bitPattern: try readFixed64()))
        case .lengthDelimited:
            let start = position
            let range = try readLengthDelimitedRange()
            guard range.count % 8 == 0 else {
                throw malformed(start, "packed double field \(field) has \(range.count) bytes, not a multiple of 8")
            }
            values.reserveCapacity(values.count + range.count / 8)
            var packed = ProtobufReader(bytes: bytes, range: range, depth: depth)
            while !packed.isAtEnd { values.append(Double(bitPattern: try packed.readFixed64())) }
        default:
            throw malformed(position, "field \(field) has wire type \(wireType), expected fixed64 or packed doubles")
        }
    }

    // MARK: - Skipping

    /// Skips the value of a field this decoder does not use, of any wire type.
    mutating func skip(_ wireType: WireType, field: Int) throws(ConversionError) {
        try skip(wireType, field: field, depth: depth)
    }

    private mutating func skip(_ wireType: WireType, field: Int, depth: Int) throws(ConversionError) {
        switch wireType {
        case .varint: _ = try readVarint()
        case .fixed64: _ = try readFixed64()
        case .fixed32: _ = try readFixed32()
        case .lengthDelimited: _ = try readLengthDelimitedRange()
        case .startGroup:
            let start = position
            guard depth + 1 <= Self.maxDepth else {
                throw malformed(start, "groups nested deeper than \(Self.maxDepth) levels")
            }
            while true {
                guard let (inner, innerType) = try readTag() else {
                    throw malformed(start, "group \(field) is not closed")
                }
                if innerType == .endGroup {
                    guard inner == field else {
                        throw malformed(position, "group \(field) closed by end-group \(inner)")
                    }
                    return
                }
                try skip(innerType, field: inner, depth: depth + 1)
            }
        case .endGroup:
            throw malformed(position, "unexpected end-group for field \(field)")
        }
    }
}
