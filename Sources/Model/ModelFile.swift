import SystemFile

/// A validated, read-only view of one tensor inside a loaded model.
public struct TensorView: @unchecked Sendable {
    public let name: String
    public let type: TensorType
    /// Row-major (numpy order) shape.
    public let shape: [Int]
    /// First element; aligned to at least 32 bytes; valid while the owning `ModelFile` lives.
    public let data: UnsafeRawPointer
    public let byteCount: Int
    /// int8 tensors only: per-row float32 scales (`shape[0]` of them).
    public let scales: UnsafePointer<Float>?

    public init(name: String, type: TensorType, shape: [Int], data: UnsafeRawPointer, byteCount: Int, scales: UnsafePointer<Float>?) {
        self.name = name
        self.type = type
        self.shape = shape
        self.data = data
        self.byteCount = byteCount
        self.scales = scales
    }

    /// Rows of a matrix, or the element count of a vector.
    public var rows: Int { shape.first ?? 1 }
    /// Columns of a matrix, 1 for a vector.
    public var columns: Int { shape.count > 1 ? shape[1] : 1 }
    public var elementCount: Int { shape.reduce(1, *) }
}

/// A model loaded from a file (memory-mapped) or from bytes, fully validated.
///
/// After `init` succeeds: every layer's required tensors exist with exactly the shapes
/// `LayerDescription.requiredTensors` gives, layer sizes chain (each layer's inputSize equals the
/// previous outputSize, the first equals `description.inputSize`), every tensor lies inside the
/// file, and the types are allowed (vectors fp32; matrices fp32, fp16 or int8 with scales).
///
/// The file format is GGUF v3 with Earshot's keys; docs/model-format.md describes it. Nothing
/// read from the file is trusted: every count, length, offset and shape is range-checked before
/// anything is allocated or dereferenced, and any violation is a `ModelError`.
public final class ModelFile: @unchecked Sendable {
    public let description: ModelDescription
    /// All tensors in file order (int8 row scales included as their own fp32 tensors).
    public let tensors: [TensorView]
    /// Size of the whole file in bytes.
    public let fileByteCount: Int
    /// Keeps the bytes the views point into alive: a `MappedFile` or an `OwnedBytes`.
    private let storage: AnyObject

    /// Maps and validates the file at `path` (the mapping lives as long as this object).
    ///
    /// - Throws: `ModelError.file` when the file cannot be opened or mapped; any other
    ///   `ModelError` when its contents are invalid.
    public convenience init(path: String) throws(ModelError) {
        let mapped: MappedFile
        do {
            mapped = try MappedFile(path: path)
        } catch {
            throw .file(error)
        }
        try self.init(bytes: mapped.bytes, storage: mapped)
    }

    /// Validates a model held in memory (copied into a 32-byte-aligned buffer; used by tests and
    /// the converter's round trip).
    ///
    /// - Throws: a `ModelError` describing the first problem found.
    public convenience init(bytes: [UInt8]) throws(ModelError) {
        let owned = OwnedBytes(bytes)
        try self.init(bytes: owned.buffer, storage: owned)
    }

    private init(bytes: UnsafeRawBufferPointer, storage: AnyObject) throws(ModelError) {
        let parsed = try ModelFileParser.parse(bytes)
        self.description = parsed.description
        self.tensors = parsed.tensors
        self.fileByteCount = bytes.count
        self.storage = storage
    }

    /// The tensor a layer holds for `role`, or nil if the layer has none.
    public func tensor(layer: Int, role: TensorRole) -> TensorView? {
        let name = role.tensorName(layer: layer)
        for tensor in tensors where tensor.name == name { return tensor }
        return nil
    }
}

/// A private copy of a model's bytes, aligned to 32 bytes.
final class OwnedBytes {
    let buffer: UnsafeRawBufferPointer

    init(_ bytes: [UInt8]) {
        let storage = UnsafeMutableRawPointer.allocate(byteCount: max(bytes.count, 1), alignment: GGUF.tensorAlignment)
        bytes.withUnsafeBytes { source in
            if let base = source.baseAddress { storage.copyMemory(from: base, byteCount: source.count) }
        }
        buffer = UnsafeRawBufferPointer(start: storage, count: bytes.count)
    }

    deinit {
        // `allocate` never returns nil, and the buffer was created from its result.
        UnsafeMutableRawPointer(mutating: buffer.baseAddress)?.deallocate()
    }
}

// MARK: - Parser

/// One tensor's entry in the GGUF tensor table, after the structural checks.
private struct TensorEntry {
    var record: TensorRecord
    /// Relative to the start of the data section.
    var offset: Int
    var byteCount: Int
}

enum ModelFileParser {
    /// Parses and validates a whole file image.
    static func parse(_ bytes: UnsafeRawBufferPointer) throws(ModelError) -> (description: ModelDescription, tensors: [TensorView]) {
        var cursor = GGUFCursor(bytes)

        // Header.
        let magic = try cursor.readBytes(4, "the magic")
        guard magic.elementsEqual(GGUF.magic) else { throw .badMagic(found: Array(magic)) }
        let version = try cursor.u32("the GGUF version")
        guard version == GGUF.version else {
            throw .unsupportedGGUFVersion(found: version, supported: GGUF.version)
        }
        let tensorCount = try cursor.u64("the tensor count")
        let kvCount = try cursor.u64("the key-value count")

        // Key-value pairs: a key (>= 8 bytes), a type (4) and a value (>= 1).
        let pairs = try cursor.requireCount(kvCount, elementSize: 13, "key-value pairs")
        var keys = Set<String>(minimumCapacity: pairs)
        var values = MetadataTable()
        for index in 0..<pairs {
            let key = try cursor.string("key \(index)", limit: GGUF.maxKeyLength)
            guard keys.insert(key).inserted else { throw .duplicateKey(key) }
            let rawType = try cursor.u32("the value type of '\(key)'")
            guard let type = GGUFValueType(rawValue: rawType) else {
                throw .unknownValueType(key: key, type: rawType)
            }
            if ModelKey.isUsed(key) {
                values.entries[key] = try cursor.value(type: type, key: key)
            } else {
                try cursor.skipValue(type: type, key: key)
            }
        }

        // Identity and version come first, so that a newer format is reported as such.
        let architecture = try values.string(ModelKey.architecture)
        guard architecture == "earshot" else { throw .wrongArchitecture(found: architecture, expected: "earshot") }
        let formatVersion = try values.u32(ModelKey.version)
        guard formatVersion == ModelKey.formatVersion else {
            throw .unsupportedFormatVersion(found: formatVersion, supported: ModelKey.formatVersion)
        }
        var alignment = GGUF.defaultAlignment
        if values.entries[ModelKey.alignment] != nil {
            let value = try values.u32(ModelKey.alignment)
            guard value >= 8, value <= 4096, value & (value - 1) == 0 else {
                throw .invalidValue(key: ModelKey.alignment, value: String(value), expected: "a power of two in 8...4096")
            }
            alignment = Int(value)
        }

        // Tensor table: name (>= 8), n_dims (4), one dim (>= 8), type (4), offset (8).
        let count = try cursor.requireCount(tensorCount, elementSize: 32, "tensors")
        var entries = [TensorEntry]()
        entries.reserveCapacity(count)
        for index in 0..<count {
            entries.append(try readTensorInfo(&cursor, index: index))
        }

        // Data section.
        let dataStart = (cursor.offset + alignment - 1) / alignment * alignment
        if count > 0 && dataStart > bytes.count {
            throw .truncated(what: "the padding before the tensor data", offset: cursor.offset,
                             needed: dataStart - cursor.offset, fileSize: bytes.count)
        }
        let dataSize = max(bytes.count - dataStart, 0)
        for entry in entries {
            let name = entry.record.name
            guard entry.offset % alignment == 0 else {
                throw .misalignedTensor(tensor: name, offset: UInt64(entry.offset), alignment: alignment)
            }
            guard (dataStart + entry.offset) % GGUF.tensorAlignment == 0 else {
                throw .misalignedTensor(tensor: name, offset: UInt64(entry.offset), alignment: GGUF.tensorAlignment)
            }
            guard entry.offset <= dataSize, entry.byteCount <= dataSize - entry.offset else {
                throw .tensorOutOfBounds(name: name, offset: UInt64(entry.offset), size: entry.byteCount,
                                         fileSize: bytes.count)
            }
        }
        let byOffset = entries.indices.sorted { entries[$0].offset < entries[$1].offset }
        for (previous, next) in zip(byOffset, byOffset.dropFirst())
        where entries[previous].offset + entries[previous].byteCount > entries[next].offset {
            throw .overlappingTensors(entries[previous].record.name, entries[next].record.name)
        }

        // Semantics.
        let description = try describe(values)
        try ModelValidation.validate(description)
        let records = entries.map { $0.record }
        let uses = try ModelValidation.validateTensors(description, records)

        // Views; every range was checked above, so the base address exists when count > 0.
        guard let base = bytes.baseAddress, count > 0 else { return (description, []) }
        let data = base + dataStart
        var scaleFor = [Int?](repeating: nil, count: count)
        for use in uses {
            guard let scaleIndex = use.scaleIndex else { continue }
            let scale = entries[scaleIndex]
            try ModelValidation.validateScales(
                name: scale.record.name,
                bytes: UnsafeRawBufferPointer(start: data + scale.offset, count: scale.byteCount),
                rows: scale.record.shape[0])
            scaleFor[use.index] = scaleIndex
        }
        var views = [TensorView]()
        views.reserveCapacity(count)
        for (index, entry) in entries.enumerated() {
            var scales: UnsafePointer<Float>? = nil
            if let scaleIndex = scaleFor[index] {
                scales = (data + entries[scaleIndex].offset).assumingMemoryBound(to: Float.self)
            }
            views.append(TensorView(
                name: entry.record.name, type: entry.record.type, shape: entry.record.shape,
                data: data + entry.offset, byteCount: entry.byteCount, scales: scales))
        }
        return (description, views)
    }

    /// Reads one tensor-table entry: name, n_dims, dims (fastest-varying first), type, offset.
    private static func readTensorInfo(_ cursor: inout GGUFCursor, index: Int) throws(ModelError) -> TensorEntry {
        let name = try cursor.string("the name of tensor \(index)", limit: GGUF.maxTensorNameLength)
        let dimensionCount = try cursor.u32("the dimension count of '\(name)'")
        guard dimensionCount >= 1, dimensionCount <= GGUF.maxDimensions else {
            throw .invalidDimensionCount(tensor: name, count: dimensionCount)
        }
        var dims = [UInt64]()
        dims.reserveCapacity(Int(dimensionCount))
        for _ in 0..<dimensionCount { dims.append(try cursor.u64("the dimensions of '\(name)'")) }
        let rawType = try cursor.u32("the type of '\(name)'")
        guard let type = TensorType(rawValue: rawType) else {
            throw .unknownTensorType(tensor: name, typeID: rawType)
        }
        let offset = try cursor.u64("the data offset of '\(name)'")

        // GGUF lists dimensions fastest-varying first; the row-major shape is the reverse.
        var shape = [Int]()
        shape.reserveCapacity(dims.count)
        for dimension in dims.reversed() {
            guard dimension >= 1, dimension <= UInt64(Int.max) else { throw .invalidShape(tensor: name, dims: dims) }
            shape.append(Int(dimension))
        }
        guard let size = ModelValidation.byteCount(shape: shape, type: type) else {
            throw .invalidShape(tensor: name, dims: dims)
        }
        guard offset <= UInt64(Int.max / 2) else {
            throw .tensorOutOfBounds(name: name, offset: offset, size: size.bytes, fileSize: cursor.bytes.count)
        }
        return TensorEntry(record: TensorRecord(name: name, type: type, shape: shape),
                           offset: Int(offset), byteCount: size.bytes)
    }

    /// Builds the description from the decoded keys (types checked here, ranges by the validator).
    private static func describe(_ values: MetadataTable) throws(ModelError) -> ModelDescription {
        let inputSize = Int(try values.u32(ModelKey.inputSize))
        let modeName = try values.string(ModelKey.outputMode)
        guard let outputMode = OutputMode(rawValue: modeName) else {
            throw .invalidValue(key: ModelKey.outputMode, value: "'\(modeName)'", expected: "'every_step' or 'last_step'")
        }
        var labels: [String] = []
        if let value = values.entries[ModelKey.labels] {
            guard case let .stringArray(strings) = value else {
                throw .wrongKeyType(key: ModelKey.labels, expected: "array of string", found: value.typeName)
            }
            labels = strings
        }
        let layerCount = Int(try values.u32(ModelKey.layerCount))
        guard layerCount >= 1 else { throw .noLayers }
        guard layerCount <= ModelValidation.maxLayers else {
            throw .invalidValue(key: ModelKey.layerCount, value: String(layerCount),
                                expected: "at most \(ModelValidation.maxLayers)")
        }
        var layers = [LayerDescription]()
        for index in 0..<layerCount {
            // Each layer needs its own keys, so a huge count fails at the first missing key.
            layers.append(try describeLayer(values, index: index))
        }

        var metadata: [String: MetadataValue] = [:]
        for (key, value) in values.entries where key.hasPrefix(ModelKey.metadataPrefix) {
            let name = String(key.dropFirst(ModelKey.metadataPrefix.count))
            guard !name.isEmpty, name.utf8.count <= ModelValidation.maxMetadataKeyLength else {
                throw .invalidMetadataKey(name)
            }
            metadata[name] = try metadataValue(value, key: key)
        }
        return ModelDescription(inputSize: inputSize, layers: layers, labels: labels,
                                outputMode: outputMode, metadata: metadata,
                                frontend: try FrontendKeys.readFrontend(values.entries),
                                execution: try FrontendKeys.readExecution(values.entries))
    }

    private static func describeLayer(_ values: MetadataTable, index: Int) throws(ModelError) -> LayerDescription {
        let kindKey = ModelKey.layer(index, .kind)
        let kindName = try values.string(kindKey)
        guard let kind = LayerKind(rawValue: kindName) else {
            let known = LayerKind.allCases.map { $0.rawValue }.joined(separator: ", ")
            throw .invalidValue(key: kindKey, value: "'\(kindName)'", expected: "one of \(known)")
        }
        let activationKey = ModelKey.layer(index, .activation)
        let activationName = try values.string(activationKey)
        guard let activation = Activation(rawValue: activationName) else {
            let known = Activation.allCases.map { $0.rawValue }.joined(separator: ", ")
            throw .invalidValue(key: activationKey, value: "'\(activationName)'", expected: "one of \(known)")
        }
        var direction = RecurrentDirection.forward
        if let name = try values.optionalString(ModelKey.direction(index)) {
            guard let value = RecurrentDirection(rawValue: name) else {
                throw .invalidValue(key: ModelKey.direction(index), value: "'\(name)'", expected: "'forward' or 'bidirectional'")
            }
            direction = value
        }
        var merge = DirectionMerge.concat
        if let name = try values.optionalString(ModelKey.merge(index)) {
            guard let value = DirectionMerge(rawValue: name) else {
                throw .invalidValue(key: ModelKey.merge(index), value: "'\(name)'", expected: "'concat', 'sum', 'mul' or 'ave'")
            }
            merge = value
        }
        var finalStatesOnly = false
        if let name = try values.optionalString(ModelKey.output(index)) {
            guard name == "sequence" || name == "final" else {
                throw .invalidValue(key: ModelKey.output(index), value: "'\(name)'", expected: "'sequence' or 'final'")
            }
            finalStatesOnly = name == "final"
        }
        var layer = LayerDescription(
            kind: kind,
            name: try values.optionalString(ModelKey.layer(index, .name)) ?? "",
            inputSize: Int(try values.u32(ModelKey.layer(index, .inputSize))),
            hiddenSize: Int(try values.u32(ModelKey.layer(index, .hiddenSize))),
            activation: activation,
            projectionSize: Int(try values.u32(ModelKey.layer(index, .projectionSize))),
            hasPeepholes: try values.bool(ModelKey.layer(index, .peepholes)),
            forgetBias: try values.f32(ModelKey.layer(index, .forgetBias)),
            cellClip: try values.f32(ModelKey.layer(index, .cellClip)),
            gateClip: try values.f32(ModelKey.layer(index, .gateClip)),
            projectionClip: try values.f32(ModelKey.layer(index, .projectionClip)),
            resetAfter: try values.bool(ModelKey.layer(index, .resetAfter)),
            convolution: kind == .conv2d ? try describeConvolution(values, index: index) : nil)
        layer.direction = direction
        layer.merge = merge
        layer.finalStatesOnly = finalStatesOnly
        return layer
    }

    /// The `earshot.layer.<index>.conv.*` keys of a conv2d layer (all required).
    private static func describeConvolution(_ values: MetadataTable, index: Int) throws(ModelError) -> ConvolutionGeometry {
        func number(_ attribute: ConvolutionAttribute) throws(ModelError) -> Int {
            let key = ModelKey.convolution(index, attribute)
            let value = try values.u32(key)
            guard value <= UInt32(ModelValidation.maxSize) else {
                throw .invalidValue(key: key, value: String(value), expected: "an integer in 0...\(ModelValidation.maxSize)")
            }
            return Int(value)
        }
        return ConvolutionGeometry(
            kernelTime: try number(.kernelTime), kernelFeatures: try number(.kernelFeatures),
            strideTime: try number(.strideTime), strideFeatures: try number(.strideFeatures),
            padTimeBegin: try number(.padTimeBegin), padTimeEnd: try number(.padTimeEnd),
            padFeaturesBegin: try number(.padFeaturesBegin), padFeaturesEnd: try number(.padFeaturesEnd),
            channelsLast: try values.bool(ModelKey.convolution(index, .channelsLast)))
    }

    /// Maps a GGUF value to a metadata value: any integer to `.int`, f32/f64 to `.float`, arrays of
    /// integers to `.ints`, arrays of f32/f64 to `.floats`, bools, strings and string arrays as is.
    private static func metadataValue(_ value: GGUFValue, key: String) throws(ModelError) -> MetadataValue {
        switch value {
        case let .signed(number, _): return .int(number)
        case let .unsigned(number, _):
            guard number <= UInt64(Int64.max) else {
                throw .invalidValue(key: key, value: String(number), expected: "an integer that fits in i64")
            }
            return .int(Int64(number))
        case let .float(number, _): return .float(number)
        case let .bool(flag): return .bool(flag)
        case let .string(text): return .string(text)
        case let .signedArray(numbers, _): return .ints(numbers)
        case let .unsignedArray(numbers, _):
            var result = [Int64]()
            result.reserveCapacity(numbers.count)
            for number in numbers {
                guard number <= UInt64(Int64.max) else {
                    throw .invalidValue(key: key, value: String(number), expected: "integers that fit in i64")
                }
                result.append(Int64(number))
            }
            return .ints(result)
        case let .floatArray(numbers, _): return .floats(numbers.map { Float($0) })
        case let .stringArray(strings): return .strings(strings)
        case .boolArray:
            throw .wrongKeyType(key: key, expected: "a number, bool, string or array of numbers or strings",
                                found: value.typeName)
        }
    }
}

/// Decoded keys with typed, exact-type accessors.
private struct MetadataTable {
    var entries: [String: GGUFValue] = [:]

    func value(_ key: String) throws(ModelError) -> GGUFValue {
        guard let value = entries[key] else { throw .missingKey(key) }
        return value
    }

    func u32(_ key: String) throws(ModelError) -> UInt32 {
        let value = try value(key)
        guard case let .unsigned(number, .uint32) = value else {
            throw .wrongKeyType(key: key, expected: "u32", found: value.typeName)
        }
        return UInt32(number)
    }

    func f32(_ key: String) throws(ModelError) -> Float {
        let value = try value(key)
        guard case let .float(number, .float32) = value else {
            throw .wrongKeyType(key: key, expected: "f32", found: value.typeName)
        }
        return Float(number)
    }

    func bool(_ key: String) throws(ModelError) -> Bool {
        let value = try value(key)
        guard case let .bool(flag) = value else {
            throw .wrongKeyType(key: key, expected: "bool", found: value.typeName)
        }
        return flag
    }

    /// An optional string key (absent means nil; writers such as Python's gguf omit empty strings).
    func optionalString(_ key: String) throws(ModelError) -> String? {
        entries[key] == nil ? nil : try string(key)
    }

    func string(_ key: String) throws(ModelError) -> String {
        let value = try value(key)
        guard case let .string(text) = value else {
            throw .wrongKeyType(key: key, expected: "string", found: value.typeName)
        }
        return text
    }
}
