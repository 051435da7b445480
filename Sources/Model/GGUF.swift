// GGUF v3 primitives: value types, a bounds-checked little-endian reader and a writer.
// Layout reference: docs/model-format.md.

// MARK: - Constants

enum GGUF {
    /// "GGUF" as stored in the first four bytes.
    static let magic: [UInt8] = [0x47, 0x47, 0x55, 0x46]
    static let version: UInt32 = 3
    /// The alignment Earshot writes, and the default when `general.alignment` is absent.
    static let defaultAlignment = 32
    /// The alignment every tensor's absolute file offset must have (TensorView's promise).
    static let tensorAlignment = 32
    /// Longest key accepted (GGUF's own limit).
    static let maxKeyLength = 65_535
    /// Longest tensor name accepted (ggml's GGML_MAX_NAME minus the terminator).
    static let maxTensorNameLength = 63
    static let maxDimensions = 4
}

/// GGUF metadata value type ids.
enum GGUFValueType: UInt32 {
    case uint8 = 0, int8 = 1, uint16 = 2, int16 = 3, uint32 = 4, int32 = 5, float32 = 6
    case bool = 7, string = 8, array = 9, uint64 = 10, int64 = 11, float64 = 12

    /// Fixed byte size, or the minimum size for strings (the u64 length) and arrays (type + count).
    var minimumSize: Int {
        switch self {
        case .uint8, .int8, .bool: return 1
        case .uint16, .int16: return 2
        case .uint32, .int32, .float32: return 4
        case .uint64, .int64, .float64, .string: return 8
        case .array: return 12
        }
    }

    var name: String {
        switch self {
        case .uint8: return "u8"
        case .int8: return "i8"
        case .uint16: return "u16"
        case .int16: return "i16"
        case .uint32: return "u32"
        case .int32: return "i32"
        case .float32: return "f32"
        case .bool: return "bool"
        case .string: return "string"
        case .array: return "array"
        case .uint64: return "u64"
        case .int64: return "i64"
        case .float64: return "f64"
        }
    }
}

/// A decoded metadata value. Arrays keep their element type for error messages.
enum GGUFValue {
    case unsigned(UInt64, GGUFValueType)
    case signed(Int64, GGUFValueType)
    case float(Double, GGUFValueType)
    case bool(Bool)
    case string(String)
    case unsignedArray([UInt64], GGUFValueType)
    case signedArray([Int64], GGUFValueType)
    case floatArray([Double], GGUFValueType)
    case boolArray([Bool])
    case stringArray([String])

    var typeName: String {
        switch self {
        case let .unsigned(_, type), let .signed(_, type), let .float(_, type): return type.name
        case .bool: return "bool"
        case .string: return "string"
        case let .unsignedArray(_, type), let .signedArray(_, type), let .floatArray(_, type):
            return "array of \(type.name)"
        case .boolArray: return "array of bool"
        case .stringArray: return "array of string"
        }
    }
}

// MARK: - Reader

/// A cursor over untrusted bytes: every read is checked against the end of the buffer first.
struct GGUFCursor {
    let bytes: UnsafeRawBufferPointer
    var offset: Int = 0

    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    var remaining: Int { bytes.count - offset }

    /// Ensures `count` bytes are available at the cursor.
    func require(_ count: Int, _ what: @autoclosure () -> String) throws(ModelError) {
        if count < 0 || count > remaining {
            throw .truncated(what: what(), offset: offset, needed: count, fileSize: bytes.count)
        }
    }

    mutating func readBytes(_ count: Int, _ what: @autoclosure () -> String) throws(ModelError) -> UnsafeRawBufferPointer {
        try require(count, what())
        let slice = UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + count)])
        offset += count
        return slice
    }

    mutating func u8(_ what: @autoclosure () -> String) throws(ModelError) -> UInt8 {
        try require(1, what())
        let value = bytes[offset]
        offset += 1
        return value
    }

    mutating func u16(_ what: @autoclosure () -> String) throws(ModelError) -> UInt16 {
        try require(2, what())
        let value = bytes.loadUnaligned(fromByteOffset: offset, as: UInt16.self)
        offset += 2
        return UInt16(littleEndian: value)
    }

    mutating func u32(_ what: @autoclosure () -> String) throws(ModelError) -> UInt32 {
        try require(4, what())
        let value = bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self)
        offset += 4
        return UInt32(littleEndian: value)
    }

    mutating func u64(_ what: @autoclosure () -> String) throws(ModelError) -> UInt64 {
        try require(8, what())
        let value = bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
        offset += 8
        return UInt64(littleEndian: value)
    }

    /// A GGUF string: u64 byte length, then that many bytes of UTF-8 (no terminator).
    mutating func string(_ what: @autoclosure () -> String, limit: Int? = nil) throws(ModelError) -> String {
        let start = offset
        let length = try u64("length of " + what())
        if let limit, length > UInt64(limit) {
            throw .stringTooLong(what: what(), length: length, limit: limit)
        }
        guard length <= UInt64(remaining) else {
            throw .truncated(what: what(), offset: offset, needed: Int(clamping: length), fileSize: bytes.count)
        }
        let body = try readBytes(Int(length), what())
        guard let text = String(validating: body.bindMemory(to: UInt8.self), as: UTF8.self) else {
            throw .invalidUTF8(what: what(), offset: start)
        }
        return text
    }

    /// Checks that `count` elements of at least `elementSize` bytes each can fit in what remains,
    /// before anything is allocated for them.
    func requireCount(_ count: UInt64, elementSize: Int, _ what: @autoclosure () -> String) throws(ModelError) -> Int {
        if count > UInt64(remaining / elementSize) {
            throw .countExceedsFile(what: what(), count: count, offset: offset, fileSize: bytes.count)
        }
        return Int(count)
    }

    /// Reads one value of `type` for `key`. Arrays of arrays are rejected.
    mutating func value(type: GGUFValueType, key: String) throws(ModelError) -> GGUFValue {
        let what = "the value of '\(key)'"
        switch type {
        case .uint8: return .unsigned(UInt64(try u8(what)), type)
        case .int8: return .signed(Int64(Int8(bitPattern: try u8(what))), type)
        case .uint16: return .unsigned(UInt64(try u16(what)), type)
        case .int16: return .signed(Int64(Int16(bitPattern: try u16(what))), type)
        case .uint32: return .unsigned(UInt64(try u32(what)), type)
        case .int32: return .signed(Int64(Int32(bitPattern: try u32(what))), type)
        case .uint64: return .unsigned(try u64(what), type)
        case .int64: return .signed(Int64(bitPattern: try u64(what)), type)
        case .float32: return .float(Double(Float(bitPattern: try u32(what))), type)
        case .float64: return .float(Double(bitPattern: try u64(what)), type)
        case .bool:
            let byte = try u8(what)
            guard byte <= 1 else {
                throw .invalidValue(key: key, value: String(byte), expected: "a bool stored as 0 or 1")
            }
            return .bool(byte == 1)
        case .string: return .string(try string(what))
        case .array: return try array(key: key)
        }
    }

    private mutating func array(key: String) throws(ModelError) -> GGUFValue {
        let what = "the array '\(key)'"
        let rawType = try u32("element type of " + what)
        guard let elementType = GGUFValueType(rawValue: rawType), elementType != .array else {
            throw .unknownValueType(key: key, type: rawType)
        }
        let rawCount = try u64("element count of " + what)
        let count = try requireCount(rawCount, elementSize: elementType.minimumSize, "elements in " + what)
        switch elementType {
        case .string:
            var values = [String]()
            values.reserveCapacity(count)
            for index in 0..<count { values.append(try string("element \(index) of " + what)) }
            return .stringArray(values)
        case .bool:
            var values = [Bool]()
            values.reserveCapacity(count)
            for _ in 0..<count {
                guard case let .bool(flag) = try value(type: .bool, key: key) else { continue }
                values.append(flag)
            }
            return .boolArray(values)
        case .float32, .float64:
            var values = [Double]()
            values.reserveCapacity(count)
            for _ in 0..<count {
                guard case let .float(number, _) = try value(type: elementType, key: key) else { continue }
                values.append(number)
            }
            return .floatArray(values, elementType)
        case .int8, .int16, .int32, .int64:
            var values = [Int64]()
            values.reserveCapacity(count)
            for _ in 0..<count {
                guard case let .signed(number, _) = try value(type: elementType, key: key) else { continue }
                values.append(number)
            }
            return .signedArray(values, elementType)
        case .uint8, .uint16, .uint32, .uint64:
            var values = [UInt64]()
            values.reserveCapacity(count)
            for _ in 0..<count {
                guard case let .unsigned(number, _) = try value(type: elementType, key: key) else { continue }
                values.append(number)
            }
            return .unsignedArray(values, elementType)
        case .array:
            throw .unknownValueType(key: key, type: rawType)
        }
    }

    /// Skips one value of `type` without decoding it (for keys Earshot does not use), still
    /// checking every length against the end of the file.
    mutating func skipValue(type: GGUFValueType, key: String) throws(ModelError) {
        let what = "the value of '\(key)'"
        switch type {
        case .string:
            let length = try u64("length of " + what)
            guard length <= UInt64(remaining) else {
                throw .truncated(what: what, offset: offset, needed: Int(clamping: length), fileSize: bytes.count)
            }
            offset += Int(length)
        case .array:
            let rawType = try u32("element type of " + what)
            guard let elementType = GGUFValueType(rawValue: rawType), elementType != .array else {
                throw .unknownValueType(key: key, type: rawType)
            }
            let rawCount = try u64("element count of " + what)
            let count = try requireCount(rawCount, elementSize: elementType.minimumSize, "elements in " + what)
            if elementType == .string {
                for _ in 0..<count { try skipValue(type: .string, key: key) }
            } else {
                try require(count * elementType.minimumSize, what)
                offset += count * elementType.minimumSize
            }
        default:
            try require(type.minimumSize, what)
            offset += type.minimumSize
        }
    }
}

// MARK: - Writer

/// Appends GGUF-encoded little-endian values to a byte array.
struct GGUFWriter {
    var bytes: [UInt8] = []

    mutating func u8(_ value: UInt8) { bytes.append(value) }

    mutating func u32(_ value: UInt32) {
        for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
    }

    mutating func u64(_ value: UInt64) {
        for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }

    mutating func string(_ value: String) {
        let utf8 = Array(value.utf8)
        u64(UInt64(utf8.count))
        bytes.append(contentsOf: utf8)
    }

    mutating func key(_ key: String, _ type: GGUFValueType) {
        string(key)
        u32(type.rawValue)
    }

    mutating func keyU32(_ key: String, _ value: UInt32) { self.key(key, .uint32); u32(value) }
    mutating func keyF32(_ key: String, _ value: Float) { self.key(key, .float32); u32(value.bitPattern) }
    mutating func keyF64(_ key: String, _ value: Double) { self.key(key, .float64); u64(value.bitPattern) }
    mutating func keyI64(_ key: String, _ value: Int64) { self.key(key, .int64); u64(UInt64(bitPattern: value)) }
    mutating func keyBool(_ key: String, _ value: Bool) { self.key(key, .bool); u8(value ? 1 : 0) }
    mutating func keyString(_ key: String, _ value: String) { self.key(key, .string); string(value) }

    mutating func keyStrings(_ key: String, _ values: [String]) {
        self.key(key, .array)
        u32(GGUFValueType.string.rawValue)
        u64(UInt64(values.count))
        for value in values { string(value) }
    }

    mutating func keyFloats(_ key: String, _ values: [Float]) {
        self.key(key, .array)
        u32(GGUFValueType.float32.rawValue)
        u64(UInt64(values.count))
        for value in values { u32(value.bitPattern) }
    }

    mutating func keyInts(_ key: String, _ values: [Int64]) {
        self.key(key, .array)
        u32(GGUFValueType.int64.rawValue)
        u64(UInt64(values.count))
        for value in values { u64(UInt64(bitPattern: value)) }
    }

    /// Appends zero bytes until the length is a multiple of `alignment`.
    mutating func pad(to alignment: Int) {
        let extra = bytes.count % alignment
        if extra != 0 { bytes.append(contentsOf: repeatElement(0, count: alignment - extra)) }
    }
}
