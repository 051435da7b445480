import SystemFile

/// Serializes models into the Earshot GGUF container (docs/model-format.md).
///
/// The output is deterministic: keys in a fixed order (metadata sorted by key), tensors in
/// canonical order (layer by layer, in `requiredTensors` order, each int8 matrix followed by its
/// `.scale`), every tensor padded to 32 bytes. Reading a file and writing its description and
/// tensors again gives the same bytes.
public enum ModelWriter {
    /// The complete file image. Validates description and tensors as the reader would.
    ///
    /// - Parameters:
    ///   - description: the layer stack, labels, output mode and metadata.
    ///   - tensors: exactly the tensors the layers require (any order), with little-endian
    ///     element bytes matching each shape and type; int8 matrices with `<name>.scale` fp32 [rows].
    /// - Throws: the `ModelError` the reader would raise for the same content, or
    ///   `.tensorByteCountMismatch`, `.invalidShape`, `.invalidDimensionCount`, `.stringTooLong`
    ///   for tensors that could not be written at all.
    public static func serialize(_ description: ModelDescription, tensors: [TensorData]) throws(ModelError) -> [UInt8] {
        try ModelValidation.validate(description)
        var records = [TensorRecord]()
        records.reserveCapacity(tensors.count)
        for tensor in tensors {
            let utf8Length = tensor.name.utf8.count
            guard utf8Length <= GGUF.maxTensorNameLength else {
                throw .stringTooLong(what: "tensor name '\(tensor.name)'", length: UInt64(utf8Length),
                                     limit: GGUF.maxTensorNameLength)
            }
            guard (1...GGUF.maxDimensions).contains(tensor.shape.count) else {
                throw .invalidDimensionCount(tensor: tensor.name, count: UInt32(clamping: tensor.shape.count))
            }
            guard let size = ModelValidation.byteCount(shape: tensor.shape, type: tensor.type) else {
                throw .invalidShape(tensor: tensor.name, dims: tensor.shape.reversed().map { UInt64(clamping: $0) })
            }
            guard size.bytes == tensor.bytes.count else {
                throw .tensorByteCountMismatch(tensor: tensor.name, expected: size.bytes, found: tensor.bytes.count)
            }
            records.append(TensorRecord(name: tensor.name, type: tensor.type, shape: tensor.shape))
        }
        let uses = try ModelValidation.validateTensors(description, records)
        var order = [Int]()
        order.reserveCapacity(tensors.count)
        for use in uses {
            order.append(use.index)
            if let scaleIndex = use.scaleIndex {
                let scale = tensors[scaleIndex]
                let failure = scale.bytes.withUnsafeBytes { (bytes) -> ModelError? in
                    do throws(ModelError) {
                        try ModelValidation.validateScales(name: scale.name, bytes: bytes, rows: scale.shape[0])
                        return nil
                    } catch {
                        return error
                    }
                }
                if let failure { throw failure }
                order.append(scaleIndex)
            }
        }

        // Key-value section.
        var keys = GGUFWriter()
        var keyCount: UInt64 = 0
        func count(_ n: Int = 1) { keyCount += UInt64(n) }
        keys.keyString(ModelKey.architecture, "earshot"); count()
        keys.keyU32(ModelKey.alignment, UInt32(GGUF.defaultAlignment)); count()
        keys.keyU32(ModelKey.version, ModelKey.formatVersion); count()
        keys.keyU32(ModelKey.inputSize, UInt32(description.inputSize)); count()
        keys.keyString(ModelKey.outputMode, description.outputMode.rawValue); count()
        keys.keyStrings(ModelKey.labels, description.labels); count()
        keys.keyU32(ModelKey.layerCount, UInt32(description.layers.count)); count()
        for (index, layer) in description.layers.enumerated() {
            for attribute in LayerAttribute.allCases {
                let key = ModelKey.layer(index, attribute)
                switch attribute {
                case .kind: keys.keyString(key, layer.kind.rawValue)
                case .name: keys.keyString(key, layer.name)
                case .inputSize: keys.keyU32(key, UInt32(layer.inputSize))
                case .hiddenSize: keys.keyU32(key, UInt32(layer.hiddenSize))
                case .projectionSize: keys.keyU32(key, UInt32(layer.projectionSize))
                case .activation: keys.keyString(key, layer.activation.rawValue)
                case .peepholes: keys.keyBool(key, layer.hasPeepholes)
                case .resetAfter: keys.keyBool(key, layer.resetAfter)
                case .forgetBias: keys.keyF32(key, layer.forgetBias)
                case .cellClip: keys.keyF32(key, layer.cellClip)
                case .gateClip: keys.keyF32(key, layer.gateClip)
                case .projectionClip: keys.keyF32(key, layer.projectionClip)
                }
                count()
            }
            if layer.isBidirectional {
                keys.keyString(ModelKey.direction(index), layer.direction.rawValue)
                count()
            }
            if layer.merge != .concat {
                keys.keyString(ModelKey.merge(index), layer.merge.rawValue)
                count()
            }
            if layer.finalStatesOnly {
                keys.keyString(ModelKey.output(index), "final")
                count()
            }
            if let geometry = layer.convolution {
                for attribute in ConvolutionAttribute.allCases {
                    let key = ModelKey.convolution(index, attribute)
                    switch attribute {
                    case .kernelTime: keys.keyU32(key, UInt32(geometry.kernelTime))
                    case .kernelFeatures: keys.keyU32(key, UInt32(geometry.kernelFeatures))
                    case .strideTime: keys.keyU32(key, UInt32(geometry.strideTime))
                    case .strideFeatures: keys.keyU32(key, UInt32(geometry.strideFeatures))
                    case .padTimeBegin: keys.keyU32(key, UInt32(geometry.padTimeBegin))
                    case .padTimeEnd: keys.keyU32(key, UInt32(geometry.padTimeEnd))
                    case .padFeaturesBegin: keys.keyU32(key, UInt32(geometry.padFeaturesBegin))
                    case .padFeaturesEnd: keys.keyU32(key, UInt32(geometry.padFeaturesEnd))
                    case .channelsLast: keys.keyBool(key, geometry.channelsLast)
                    }
                    count()
                }
            }
        }
        for name in description.metadata.keys.sorted() {
            let key = ModelKey.metadataPrefix + name
            switch description.metadata[name]! {
            case let .int(value): keys.keyI64(key, value)
            case let .float(value): keys.keyF64(key, value)
            case let .bool(value): keys.keyBool(key, value)
            case let .string(value): keys.keyString(key, value)
            case let .floats(values): keys.keyFloats(key, values)
            case let .ints(values): keys.keyInts(key, values)
            case let .strings(values): keys.keyStrings(key, values)
            }
            count()
        }
        count(FrontendKeys.write(description, into: &keys))

        // Header, keys, tensor table, padding, data.
        var file = GGUFWriter()
        let alignment = GGUF.defaultAlignment
        var dataSize = 0
        for index in order { dataSize += (tensors[index].bytes.count + alignment - 1) / alignment * alignment }
        file.bytes.reserveCapacity(24 + keys.bytes.count + order.count * 96 + alignment + dataSize)
        file.bytes.append(contentsOf: GGUF.magic)
        file.u32(GGUF.version)
        file.u64(UInt64(order.count))
        file.u64(keyCount)
        file.bytes.append(contentsOf: keys.bytes)
        var offset = 0
        for index in order {
            let tensor = tensors[index]
            file.string(tensor.name)
            file.u32(UInt32(tensor.shape.count))
            for dimension in tensor.shape.reversed() { file.u64(UInt64(dimension)) }
            file.u32(tensor.type.rawValue)
            file.u64(UInt64(offset))
            offset += (tensor.bytes.count + alignment - 1) / alignment * alignment
        }
        file.pad(to: alignment)
        for index in order {
            file.bytes.append(contentsOf: tensors[index].bytes)
            file.pad(to: alignment)
        }
        return file.bytes
    }

    /// Serializes the model and writes it to `path` atomically (a temporary file renamed over
    /// the target, so an existing file is never left half-written).
    ///
    /// - Throws: everything `serialize` throws, and `.file` when writing fails.
    public static func write(_ description: ModelDescription, tensors: [TensorData], to path: String) throws(ModelError) {
        let bytes = try serialize(description, tensors: tensors)
        do {
            try SystemFile.writeAtomically(bytes, to: path)
        } catch {
            throw .file(error)
        }
    }
}
