// The rules a model must satisfy, written once and applied by both the reader (to untrusted
// files) and the writer (so it never produces a file the reader would reject).

/// The name, type and shape of one tensor, as declared in a file or handed to the writer.
struct TensorRecord {
    var name: String
    var type: TensorType
    /// Row-major shape.
    var shape: [Int]
}

/// Where a layer tensor sits among the records, and (int8 matrices) where its scales sit.
struct TensorUse {
    var index: Int
    var scaleIndex: Int?
}

enum ModelValidation {
    /// The largest input, hidden, projection or output size accepted.
    static let maxSize = 1_048_576
    /// The most layers a model may have.
    static let maxLayers = 65_536
    /// The longest metadata key (without the `earshot.meta.` prefix).
    static let maxMetadataKeyLength = 1024

    static let sizeRange = "an integer in 1...\(maxSize)"

    // MARK: - Description

    /// Checks sizes, attribute ranges, the layer chain and the labels.
    ///
    /// - Throws: `.invalidValue`, `.noLayers`, `.invalidLayerAttribute`, `.layerSizeMismatch`,
    ///   `.labelCountMismatch`, `.invalidMetadataKey`.
    static func validate(_ description: ModelDescription) throws(ModelError) {
        guard (1...maxSize).contains(description.inputSize) else {
            throw .invalidValue(key: "earshot.input_size", value: String(description.inputSize), expected: sizeRange)
        }
        guard !description.layers.isEmpty else { throw .noLayers }
        guard description.layers.count <= maxLayers else {
            throw .invalidValue(
                key: "earshot.layer_count", value: String(description.layers.count), expected: "at most \(maxLayers)")
        }
        var previousOutput = description.inputSize
        for (index, layer) in description.layers.enumerated() {
            try validate(layer, index: index)
            if layer.kind == .conv2d {
                guard index == 0, description.layers.count > 1 else {
                    throw .invalidLayerAttribute(layer: index, attribute: "kind", value: "conv2d", expected: "conv2d only as the first of several layers")
                }
                guard case let .windowed(frames, _) = description.execution,
                      layer.convolution!.outputRows(frames: frames) >= 1 else {
                    throw .invalidLayerAttribute(layer: index, attribute: "kind", value: "conv2d", expected: "a windowed model (earshot.execution.mode = windowed) whose window fits the kernel")
                }
            }
            if layer.needsWholeWindow {
                guard case .windowed = description.execution else {
                    let what = layer.kind == .attention ? "attention" : "direction"
                    let value = layer.kind == .attention ? "attention" : "bidirectional"
                    throw .invalidLayerAttribute(
                        layer: index, attribute: what, value: value,
                        expected: "a windowed model (earshot.execution.mode = windowed): it needs the whole window")
                }
            }
            guard layer.inputSize == previousOutput else {
                throw .layerSizeMismatch(layer: index, inputSize: layer.inputSize, expected: previousOutput)
            }
            previousOutput = layer.outputSize
        }
        if !description.labels.isEmpty && description.labels.count != description.outputSize {
            throw .labelCountMismatch(labels: description.labels.count, outputs: description.outputSize)
        }
        for key in description.metadata.keys {
            guard !key.isEmpty, key.utf8.count <= maxMetadataKeyLength else { throw .invalidMetadataKey(key) }
        }
        try FrontendKeys.validate(description)
    }

    /// Checks one layer's attributes against its kind.
    static func validate(_ layer: LayerDescription, index: Int) throws(ModelError) {
        func fail(_ attribute: String, _ value: String, _ expected: String) -> ModelError {
            .invalidLayerAttribute(layer: index, attribute: attribute, value: value, expected: expected)
        }
        guard (1...maxSize).contains(layer.inputSize) else {
            throw fail("input_size", String(layer.inputSize), sizeRange)
        }
        guard (1...maxSize).contains(layer.hiddenSize) else {
            throw fail("hidden_size", String(layer.hiddenSize), sizeRange)
        }
        guard (0...maxSize).contains(layer.projectionSize) else {
            throw fail("projection_size", String(layer.projectionSize), "an integer in 0...\(maxSize)")
        }
        guard layer.forgetBias.isFinite else {
            throw fail("forget_bias", String(layer.forgetBias), "a finite number")
        }
        let clips: [(String, Float)] = [
            ("cell_clip", layer.cellClip), ("gate_clip", layer.gateClip), ("projection_clip", layer.projectionClip),
        ]
        for (name, value) in clips where !(value.isFinite && value >= 0) {
            throw fail(name, String(value), "a finite number >= 0 (0 for no clip)")
        }

        let notFor = "0 (only LSTM layers have it)"
        if layer.kind != .lstm {
            if layer.projectionSize != 0 { throw fail("projection_size", String(layer.projectionSize), notFor) }
            if layer.hasPeepholes { throw fail("peepholes", "true", "false (only LSTM layers have peepholes)") }
            if layer.forgetBias != 0 { throw fail("forget_bias", String(layer.forgetBias), notFor) }
            if layer.cellClip != 0 { throw fail("cell_clip", String(layer.cellClip), notFor) }
            if layer.projectionClip != 0 { throw fail("projection_clip", String(layer.projectionClip), notFor) }
        }
        if layer.kind != .gru && layer.resetAfter {
            throw fail("reset_after", "true", "false (only GRU layers have it)")
        }
        if !layer.isRecurrent && layer.gateClip != 0 {
            throw fail("gate_clip", String(layer.gateClip), "0 (only recurrent layers have it)")
        }
        if layer.kind == .rnn && layer.activation != .tanh && layer.activation != .relu {
            throw fail("activation", layer.activation.rawValue, "tanh or relu for an RNN layer")
        }
        if layer.kind == .conv2d {
            try validateConvolution(layer, index: index)
        } else if layer.convolution != nil {
            throw fail("conv", "a convolution geometry", "none (only conv2d layers have one)")
        }
        if layer.isBidirectional && !layer.isRecurrent {
            throw fail("direction", "bidirectional", "forward (only LSTM, GRU and RNN layers run in both directions)")
        }
        if layer.finalStatesOnly && !layer.isBidirectional {
            throw fail("output", "final", "sequence (only bidirectional layers emit their final states)")
        }
        if layer.merge != .concat && !layer.isBidirectional {
            throw fail("merge", layer.merge.rawValue, "concat (only bidirectional layers merge their directions)")
        }
        if layer.kind == .attention && layer.activation != .tanh {
            throw fail("activation", layer.activation.rawValue, "tanh for an attention layer (e = v · tanh(W h + b))")
        }
        if layer.outputSize > maxSize {
            throw fail("hidden_size", String(layer.hiddenSize), "an output of at most \(maxSize) values")
        }
        if layer.kind == .softmax && layer.hiddenSize != layer.inputSize {
            throw fail("hidden_size", String(layer.hiddenSize), "the input size \(layer.inputSize) for a softmax layer")
        }
    }

    /// A conv2d layer: kernel and stride >= 1, padding smaller than the kernel, the kernel fits
    /// the padded features, activation linear or relu.
    static func validateConvolution(_ layer: LayerDescription, index: Int) throws(ModelError) {
        func fail(_ attribute: String, _ value: Int, _ expected: String) -> ModelError {
            .invalidLayerAttribute(layer: index, attribute: "conv.\(attribute)", value: String(value), expected: expected)
        }
        guard let g = layer.convolution else {
            throw .invalidLayerAttribute(layer: index, attribute: "conv", value: "none", expected: "the kernel, stride and padding keys of a conv2d layer")
        }
        let limit = 65_536
        for (name, value) in [("kernel_time", g.kernelTime), ("kernel_features", g.kernelFeatures),
                              ("stride_time", g.strideTime), ("stride_features", g.strideFeatures)]
        where !(1...limit).contains(value) {
            throw fail(name, value, "an integer in 1...\(limit)")
        }
        for (name, value, kernel) in [("pad_time_begin", g.padTimeBegin, g.kernelTime), ("pad_time_end", g.padTimeEnd, g.kernelTime),
                                      ("pad_features_begin", g.padFeaturesBegin, g.kernelFeatures),
                                      ("pad_features_end", g.padFeaturesEnd, g.kernelFeatures)]
        where !(0..<kernel).contains(value) {
            throw fail(name, value, "an integer in 0...\(kernel - 1) (less than the kernel)")
        }
        guard g.kernelFeatures <= layer.inputSize + g.padFeaturesBegin + g.padFeaturesEnd else {
            throw fail("kernel_features", g.kernelFeatures, "at most the padded input size \(layer.inputSize + g.padFeaturesBegin + g.padFeaturesEnd)")
        }
        guard layer.outputSize <= maxSize, g.kernelTime * g.kernelFeatures <= maxSize else {
            throw fail("kernel_features", g.kernelFeatures, "a kernel and output row of at most \(maxSize) values")
        }
        guard layer.activation == .linear || layer.activation == .relu else {
            throw .invalidLayerAttribute(layer: index, attribute: "activation", value: layer.activation.rawValue, expected: "linear or relu for a conv2d layer")
        }
    }

    // MARK: - Tensors

    /// Checks that `tensors` is exactly the set the layers require: every required tensor present
    /// with its exact shape, vectors fp32, int8 matrices with an fp32 `<name>.scale` of shape
    /// [rows], names unique, nothing unused.
    ///
    /// - Returns: the layer tensors in canonical order (layer by layer, in `requiredTensors` order).
    /// - Throws: `.duplicateTensor`, `.missingTensor`, `.shapeMismatch`, `.wrongTensorType`,
    ///   `.unexpectedTensor`.
    static func validateTensors(
        _ description: ModelDescription, _ tensors: [TensorRecord]
    ) throws(ModelError) -> [TensorUse] {
        var indexByName = [String: Int](minimumCapacity: tensors.count)
        for (index, tensor) in tensors.enumerated() {
            if indexByName.updateValue(index, forKey: tensor.name) != nil { throw .duplicateTensor(tensor.name) }
        }
        var used = [Bool](repeating: false, count: tensors.count)
        var uses = [TensorUse]()
        for (layerIndex, layer) in description.layers.enumerated() {
            for (role, shape) in layer.requiredTensors {
                let name = role.tensorName(layer: layerIndex)
                guard let index = indexByName[name] else { throw .missingTensor(name) }
                let tensor = tensors[index]
                guard tensor.shape == shape else {
                    throw .shapeMismatch(tensor: name, expected: shape, found: tensor.shape)
                }
                used[index] = true
                var scaleIndex: Int? = nil
                if !role.isMatrix {
                    guard tensor.type == .float32 else {
                        throw .wrongTensorType(tensor: name, found: tensor.type, allowed: [.float32])
                    }
                } else if tensor.type == .int8 {
                    let scaleName = name + ".scale"
                    guard let index = indexByName[scaleName] else { throw .missingTensor(scaleName) }
                    let scale = tensors[index]
                    guard scale.shape == [shape[0]] else {
                        throw .shapeMismatch(tensor: scaleName, expected: [shape[0]], found: scale.shape)
                    }
                    guard scale.type == .float32 else {
                        throw .wrongTensorType(tensor: scaleName, found: scale.type, allowed: [.float32])
                    }
                    used[index] = true
                    scaleIndex = index
                }
                uses.append(TensorUse(index: index, scaleIndex: scaleIndex))
            }
        }
        if let unused = used.firstIndex(of: false) { throw .unexpectedTensor(tensors[unused].name) }
        return uses
    }

    /// Checks int8 row scales: finite and not negative.
    ///
    /// - Parameter bytes: `rows` little-endian float32 values.
    /// - Throws: `.invalidScale`.
    static func validateScales(name: String, bytes: UnsafeRawBufferPointer, rows: Int) throws(ModelError) {
        for row in 0..<rows {
            let bits = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: row &* 4, as: UInt32.self))
            let value = Float(bitPattern: bits)
            guard value.isFinite && value >= 0 else { throw .invalidScale(tensor: name, row: row, value: value) }
        }
    }

    /// Element count and byte size of a shape, or nil when a dimension is < 1 or they overflow.
    static func byteCount(shape: [Int], type: TensorType) -> (elements: Int, bytes: Int)? {
        var elements = 1
        for dimension in shape {
            guard dimension >= 1 else { return nil }
            let (product, overflow) = elements.multipliedReportingOverflow(by: dimension)
            if overflow { return nil }
            elements = product
        }
        let (bytes, overflow) = elements.multipliedReportingOverflow(by: type.byteSize)
        return overflow ? nil : (elements, bytes)
    }
}
