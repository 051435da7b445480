extension GGUF {
    /// The `general.architecture` of a GGUF file when it is the first key (as Earshot writes it),
    /// else nil: a cheap look that tells the model kinds apart before a full parse.
    static func architectureName(_ bytes: [UInt8]) -> String? {
        bytes.withUnsafeBytes { raw in
            var cursor = GGUFCursor(raw)
            guard let magic = try? cursor.readBytes(4, "magic"), magic.elementsEqual(GGUF.magic),
                  (try? cursor.u32("version")) == GGUF.version, (try? cursor.u64("tensors")) != nil,
                  let count = try? cursor.u64("keys"), count > 0,
                  let key = try? cursor.string("key", limit: 256), key == ModelKey.architecture,
                  (try? cursor.u32("type")) == GGUFValueType.string.rawValue else { return nil }
            return try? cursor.string("value", limit: 256)
        }
    }

    /// Reads the header and every key of an Earshot GGUF file of one architecture, checking the magic,
    /// the GGUF version, the architecture and its format version; returns the keys and the tensor count.
    static func readKeys(_ cursor: inout GGUFCursor, architecture: String, versionKey: String,
                         formatVersion: UInt32) throws(ModelError) -> (Keys, UInt64) {
        let magic = try cursor.readBytes(4, "the magic")
        guard magic.elementsEqual(GGUF.magic) else { throw .badMagic(found: Array(magic)) }
        let version = try cursor.u32("the GGUF version")
        guard version == GGUF.version else { throw .unsupportedGGUFVersion(found: version, supported: GGUF.version) }
        let tensorCount = try cursor.u64("the tensor count")
        let kvCount = try cursor.u64("the key-value count")
        let pairs = try cursor.requireCount(kvCount, elementSize: 13, "key-value pairs")
        var values = [String: GGUFValue](minimumCapacity: pairs)
        for index in 0..<pairs {
            let key = try cursor.string("key \(index)", limit: GGUF.maxKeyLength)
            guard values[key] == nil else { throw .duplicateKey(key) }
            let rawType = try cursor.u32("the value type of '\(key)'")
            guard let type = GGUFValueType(rawValue: rawType) else { throw .unknownValueType(key: key, type: rawType) }
            values[key] = try cursor.value(type: type, key: key)
        }
        let keys = Keys(values: values)
        let architectureName = try keys.string(ModelKey.architecture)
        guard architectureName == architecture else { throw .wrongArchitecture(found: architectureName, expected: architecture) }
        let format = try keys.u32(versionKey)
        guard format == formatVersion else { throw .unsupportedFormatVersion(found: format, supported: formatVersion) }
        return (keys, tensorCount)
    }

    /// Reads a table of 1-D tensors, all of `type`, each named once and holding 1...`maximumElements`
    /// elements: name -> (offset in the data section, element count). Offsets are checked against the
    /// file when each tensor is read (`flatTensorBytes`).
    static func readFlatTensorTable(_ cursor: inout GGUFCursor, count tensorCount: UInt64, type: TensorType,
                                    maximumElements: Int) throws(ModelError) -> [String: (offset: Int, count: Int)] {
        let count = try cursor.requireCount(tensorCount, elementSize: 32, "tensors")
        var table = [String: (offset: Int, count: Int)]()
        for index in 0..<count {
            let name = try cursor.string("the name of tensor \(index)", limit: GGUF.maxTensorNameLength)
            let dimensions = try cursor.u32("the dimension count of '\(name)'")
            guard dimensions == 1 else { throw .invalidDimensionCount(tensor: name, count: dimensions) }
            let length = try cursor.u64("the length of '\(name)'")
            let rawType = try cursor.u32("the type of '\(name)'")
            guard rawType == type.rawValue else { throw .unknownTensorType(tensor: name, typeID: rawType) }
            let offset = try cursor.u64("the data offset of '\(name)'")
            guard length >= 1, length <= UInt64(maximumElements), offset <= UInt64(Int.max / 4) else {
                throw .invalidShape(tensor: name, dims: [length])
            }
            guard table[name] == nil else { throw .duplicateTensor(name) }
            table[name] = (Int(offset), Int(length))
        }
        return table
    }
}
