import Model
import WeightArchive

/// Imports a model from a weight archive (`.npz`, `.safetensors`) and a layer manifest that
/// says how to read it: which layers, in which framework's layout, with which archive keys
/// (docs/manifest.md). The weights are converted into Earshot's internal layout (gate order
/// i, f, c, o for LSTM and z, r, h for GRU, matrices [out, in], LSTM biases summed) by the
/// convention files `ManifestImporter+PyTorch.swift`, `+Keras.swift`, `+TensorFlow1.swift`,
/// `+ONNX.swift`.
public enum ManifestImporter {
    /// Reads the manifest and the archive, and converts.
    ///
    /// - Throws: `ManifestError` naming the manifest path and archive key at fault.
    public static func importModel(manifest: [UInt8], weights: [UInt8]) throws(ManifestError) -> ImportedModel {
        let parsed = try Manifest(json: manifest)
        let archive: WeightArchive
        do {
            archive = try WeightArchive(bytes: weights)
        } catch {
            throw .archive(error)
        }
        return try importModel(manifest: parsed, archive: archive)
    }

    /// Converts every manifest layer, chaining sizes from `input_size`.
    ///
    /// - Returns: the description (metadata `source` = `manifest` plus the manifest's `metadata`;
    ///   its front end and execution mode) and one float32 tensor per required role.
    public static func importModel(manifest: Manifest, archive: WeightArchive) throws(ManifestError) -> ImportedModel {
        var layers: [ConvertedLayer] = []
        var size = manifest.inputSize
        var conventions: [String] = []
        for layer in manifest.layers {
            let converted = try convert(layer, inputSize: size, archive: archive)
            layers += converted
            size = converted[converted.count - 1].description.outputSize
            if let convention = layer.convention?.rawValue, !conventions.contains(convention) { conventions.append(convention) }
        }
        if !manifest.labels.isEmpty && manifest.labels.count != size {
            throw .invalidValue(path: "labels", value: "\(manifest.labels.count) labels", expected: "\(size), the model's output size")
        }
        var metadata = manifest.metadata
        metadata["source"] = .string("manifest")
        metadata["manifest.conventions"] = .strings(conventions)
        let description = ModelDescription(
            inputSize: manifest.inputSize, layers: layers.map(\.description), labels: manifest.labels,
            outputMode: manifest.outputMode, metadata: metadata, frontend: manifest.frontend,
            execution: manifest.execution ?? .streaming)
        var tensors: [TensorData] = []
        for (index, layer) in layers.enumerated() {
            for (role, shape) in layer.description.requiredTensors {
                guard let values = layer.weights[role] else { preconditionFailure("converter produced no \(role) for layer \(index)") }
                precondition(values.count == shape.reduce(1, *), "converter produced a \(role) of the wrong size")
                tensors.append(TensorData(name: role.tensorName(layer: index), shape: shape, floats: values))
            }
        }
        return ImportedModel(description: description, tensors: tensors)
    }

    static func convert(_ layer: ManifestLayer, inputSize: Int, archive: WeightArchive) throws(ManifestError) -> [ConvertedLayer] {
        guard let convention = layer.convention else {
            // softmax (the only kind without a convention)
            return [ConvertedLayer(
                description: LayerDescription(kind: .softmax, name: layer.name, inputSize: inputSize, hiddenSize: inputSize),
                weights: [:])]
        }
        if layer.kind == .softmax {
            throw .inconsistent(path: layer.path, reason: "a softmax layer has no weights, so no convention")
        }
        switch convention {
        case .pytorch: return try PyTorchLayout.convert(layer, inputSize: inputSize, archive: archive)
        case .keras: return try KerasLayout.convert(layer, inputSize: inputSize, archive: archive)
        case .tf1: return try TensorFlow1Layout.convert(layer, inputSize: inputSize, archive: archive)
        case .onnx: return try ONNXLayout.convert(layer, inputSize: inputSize, archive: archive)
        }
    }

    // MARK: - Shared pieces

    /// The dense layer's activation attribute: Earshot's activation, and whether a softmax layer follows.
    static func denseActivation(_ reader: ManifestLayerReader, name: String = "activation") throws(ManifestError) -> (Activation, Bool) {
        switch try reader.choice(name, ["linear", "none", "relu", "tanh", "sigmoid", "softmax"]) {
        case nil, "linear", "none": return (.linear, false)
        case "relu": return (.relu, false)
        case "tanh": return (.tanh, false)
        case "sigmoid": return (.sigmoid, false)
        default: return (.linear, true)
        }
    }

    /// A dense layer y = act(W x + b), W [out, in], followed by softmax when asked.
    static func dense(
        _ reader: ManifestLayerReader, inputSize: Int, weights: [Float], outputs: Int, bias: [Float]?,
        activation: (Activation, Bool)
    ) -> [ConvertedLayer] {
        let name = reader.layer.name
        var layers = [ConvertedLayer(
            description: LayerDescription(kind: .dense, name: name, inputSize: inputSize, hiddenSize: outputs, activation: activation.0),
            weights: [.inputWeights: weights, .bias: bias ?? [Float](repeating: 0, count: outputs)])]
        if activation.1 {
            layers.append(ConvertedLayer(
                description: LayerDescription(kind: .softmax, name: name.isEmpty ? "" : name + "/softmax", inputSize: outputs, hiddenSize: outputs),
                weights: [:]))
        }
        return layers
    }

    /// The number of gate blocks H from a dimension that stacks `gates` blocks, or a shape error.
    static func blocks(_ tensor: SlotTensor, dimension: Int, gates: Int, expected: String) throws(ManifestError) -> Int {
        let value = tensor.shape[dimension]
        guard value > 0, value % gates == 0 else {
            throw .shapeMismatch(path: tensor.path, key: tensor.key, expected: expected, found: tensor.shape)
        }
        return value / gates
    }
}
