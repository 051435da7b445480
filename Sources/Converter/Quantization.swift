import Kernels
import Model

// MARK: - Weight plan

/// Which element type each layer's matrices are stored in. Vectors (biases, peepholes, scales)
/// are always fp32.
public struct WeightPlan: Sendable, Equatable {
    /// The type of every layer's matrices, except the layers in `float32Layers`.
    public var weightType: TensorType
    /// Layer indices whose matrices stay fp32.
    public var float32Layers: Set<Int>
    /// Single matrices stored in another type than their layer's, by tensor name
    /// (`layer.<i>.<role>`); `float32Layers` still wins.
    public var tensorTypes: [String: TensorType]

    public init(weightType: TensorType = .float32, float32Layers: Set<Int> = [], tensorTypes: [String: TensorType] = [:]) {
        self.weightType = weightType
        self.float32Layers = float32Layers
        self.tensorTypes = tensorTypes
    }

    /// The name of the matrix that multiplies the raw input frame: the first weighted layer's
    /// input weights (nil for a model without weights).
    public static func inputMatrix(of description: ModelDescription) -> String? {
        // With a conv2d front stage this is the convolution's kernel: it is the one that sees the
        // raw features (the recurrent layer after it sees relu rows).
        guard let first = description.layers.indices.first(where: { !description.layers[$0].requiredTensors.isEmpty })
        else { return nil }
        return TensorRole.inputWeights.tensorName(layer: first)
    }

    /// Every matrix that multiplies the raw input frame: `inputMatrix`, and the reverse
    /// direction's input weights when that layer is bidirectional.
    public static func inputMatrices(of description: ModelDescription) -> [String] {
        guard let name = inputMatrix(of: description),
              let first = description.layers.firstIndex(where: { !$0.requiredTensors.isEmpty }) else { return [] }
        guard description.layers[first].isBidirectional else { return [name] }
        return [name, TensorRole.reverseInputWeights.tensorName(layer: first)]
    }

    /// The type `--weights int8` gives the input matrix by default: fp16 when the model declares
    /// an audio front end, int8 otherwise. That product's vector is the raw feature frame, not an
    /// activation bounded by σ or tanh; the front end's log-mel and MFCC channels are not
    /// normalized and differ widely in scale (TensorFlow's MFCC c0 spans ±250 while c5…c9 stay
    /// within ±7), so one symmetric scale per step would round the small channels to 0 or ±1
    /// (ML-KWS LSTM_S: 98.75 % top-1 agreement with TensorFlow in int8, 99.79 % with this matrix
    /// fp16). Features from elsewhere are assumed normalized. The matrix is small (input size ×
    /// gates), so fp16 costs a few KB.
    public static func defaultInt8InputType(for description: ModelDescription) -> TensorType {
        description.frontend != nil ? .float16 : .int8
    }

    /// The matrix type of layer `index` (ignoring `tensorTypes`).
    public func type(ofLayer index: Int) -> TensorType {
        float32Layers.contains(index) ? .float32 : weightType
    }

    /// The type of matrix `tensor` of layer `index`.
    public func type(of tensor: String, layer index: Int) -> TensorType {
        float32Layers.contains(index) ? .float32 : tensorTypes[tensor] ?? weightType
    }

    /// Parses a `--keep-fp32` list against the model's layers: comma-separated items, each a
    /// layer index as `inspect` numbers them (0-based), `first` or `last` (the first or last
    /// layer that has weights), or a layer kind (`dense`, `lstm`, `gru`, `rnn`, `conv2d`: every such layer).
    ///
    /// - Throws: `QuantizationError.invalidLayerSelection` naming the item and the layers that
    ///   have weights.
    public static func layers(selectedBy text: String, in description: ModelDescription) throws(QuantizationError) -> Set<Int> {
        let weighted = description.layers.indices.filter { !description.layers[$0].requiredTensors.isEmpty }
        let listing = weighted.map { "\($0) (\(description.layers[$0].kind.rawValue))" }.joined(separator: ", ")
        func fail(_ item: String, _ reason: String) -> QuantizationError {
            .invalidLayerSelection(item: item, reason: reason + "; layers with weights: " + listing)
        }
        var selected = Set<Int>()
        for raw in text.split(separator: ",", omittingEmptySubsequences: false) {
            let item = raw.trimmingSpaces()
            if item == "first" || item == "last" {
                guard let index = item == "first" ? weighted.first : weighted.last else {
                    throw fail(item, "the model has no layer with weights")
                }
                selected.insert(index)
            } else if let kind = LayerKind(rawValue: item), kind != .softmax {
                let matching = weighted.filter { description.layers[$0].kind == kind }
                guard !matching.isEmpty else { throw fail(item, "the model has no \(item) layer") }
                selected.formUnion(matching)
            } else if let index = Int(item) {
                guard description.layers.indices.contains(index) else {
                    throw fail(item, "there is no layer \(index) (the model has \(description.layers.count))")
                }
                guard weighted.contains(index) else {
                    throw fail(item, "layer \(index) (\(description.layers[index].kind.rawValue)) has no weights")
                }
                selected.insert(index)
            } else {
                throw fail(item, "expected a layer index, first, last, dense, lstm, gru or rnn")
            }
        }
        return selected
    }
}

extension Substring {
    fileprivate func trimmingSpaces() -> String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}

// MARK: - Errors

/// Why weights cannot be stored as asked.
public enum QuantizationError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A weight tensor holds NaN or ±∞ (refused whatever the target type).
    case nonFiniteWeight(tensor: String, index: [Int], value: Float)
    /// A weight is too large for fp16 (|w| > 65504 would become ∞).
    case float16Overflow(tensor: String, index: [Int], value: Float)
    /// A tensor's bytes do not match its shape (the importer's bug, reported rather than trusted).
    case malformedTensor(tensor: String, byteCount: Int, shape: [Int])
    /// An item of a `--keep-fp32` list names no layer with weights.
    case invalidLayerSelection(item: String, reason: String)

    public var description: String {
        switch self {
        case let .nonFiniteWeight(tensor, index, value):
            return "tensor '\(tensor)' holds \(value) at \(index); weights must be finite numbers"
        case let .float16Overflow(tensor, index, value):
            return "tensor '\(tensor)' holds \(value) at \(index), beyond fp16's largest value 65504; "
                + "store this layer in fp32 (--keep-fp32) or use int8"
        case let .malformedTensor(tensor, byteCount, shape):
            return "tensor '\(tensor)' has \(byteCount) bytes, which does not fit fp32 shape \(shape)"
        case let .invalidLayerSelection(item, reason):
            return "--keep-fp32 '\(item)': \(reason)"
        }
    }
}

// MARK: - Quantizer

/// Turns a model's fp32 weights into fp16 or int8 matrices.
///
///     fp16:  w ↦ nearest binary16 (ties to even)
///     int8:  per output row r: scale[r] = max_c |W[r, c]| / 127,
///            Q[r, c] = clamp(roundeven(W[r, c] / scale[r]), −127, 127)    (all-zero row: scale 0)
///
/// stored as `layer.<i>.<role>` (fp16/int8) and, for int8, `layer.<i>.<role>.scale` [rows] fp32
/// (docs/model-format.md §4). Works on any `ImportedModel`, from ONNX or a manifest.
public enum Quantizer {
    /// `model` with every layer's matrices stored as `plan` says; vectors unchanged.
    ///
    /// Every tensor (vectors too) is first checked to be finite.
    /// - Parameter progress: called before each layer with (layer index, layer count).
    /// - Throws: `QuantizationError.nonFiniteWeight`, `.float16Overflow`, `.malformedTensor`.
    public static func apply(
        _ plan: WeightPlan, to model: ImportedModel, progress: ((Int, Int) -> Void)? = nil
    ) throws(QuantizationError) -> ImportedModel {
        var converted: [TensorData] = []
        converted.reserveCapacity(model.tensors.count)
        var layerOfTensor: [String: (layer: Int, role: TensorRole)] = [:]
        for (index, layer) in model.description.layers.enumerated() {
            for (role, _) in layer.requiredTensors { layerOfTensor[role.tensorName(layer: index)] = (index, role) }
        }
        var lastReported = -1
        for tensor in model.tensors {
            let values = try floats(of: tensor)
            try checkFinite(values, tensor: tensor)
            guard let (layer, role) = layerOfTensor[tensor.name], role.isMatrix, tensor.shape.count == 2 else {
                converted.append(tensor)
                continue
            }
            if layer != lastReported {
                progress?(layer, model.description.layers.count)
                lastReported = layer
            }
            switch plan.type(of: tensor.name, layer: layer) {
            case .float32:
                converted.append(tensor)
            case .float16:
                converted.append(try float16(values, tensor: tensor))
            case .int8:
                let (q, scales) = rows(values, rows: tensor.shape[0], columns: tensor.shape[1])
                converted.append(TensorData(name: tensor.name, type: .int8, shape: tensor.shape,
                                            bytes: q.map { UInt8(bitPattern: $0) }))
                converted.append(TensorData(name: tensor.name + ".scale", shape: [tensor.shape[0]], floats: scales))
            }
        }
        return ImportedModel(description: model.description, tensors: converted)
    }

    /// Symmetric per-row int8: scale[r] = max|W[r, ·]| / 127, Q = clamp(roundeven(W / scale), ±127).
    /// `values` are row-major [rows, columns] and finite.
    public static func rows(_ values: [Float], rows: Int, columns: Int) -> (values: [Int8], scales: [Float]) {
        var q = [Int8](repeating: 0, count: rows * columns)
        var scales = [Float](repeating: 0, count: rows)
        for r in 0..<rows {
            let start = r * columns
            var maximum: Float = 0
            for c in 0..<columns { maximum = max(maximum, values[start + c].magnitude) }
            let scale = maximum / 127
            scales[r] = scale
            guard scale > 0 else { continue }
            for c in 0..<columns {
                // In Double, so the division rounds once; the result is then exact to round.
                let v = (Double(values[start + c]) / Double(scale)).rounded(.toNearestOrEven)
                q[start + c] = Int8(min(max(v, -127), 127))
            }
        }
        return (q, scales)
    }

    /// The tensor as fp16 bit patterns (little-endian bytes).
    /// - Throws: `QuantizationError.float16Overflow` for |w| beyond fp16's range.
    static func float16(_ values: [Float], tensor: TensorData) throws(QuantizationError) -> TensorData {
        var bytes = [UInt8]()
        bytes.reserveCapacity(values.count * 2)
        for (i, value) in values.enumerated() {
            let bits = HalfPrecision.bits(from: value)
            if bits & 0x7FFF == 0x7C00 {
                throw .float16Overflow(tensor: tensor.name, index: position(i, tensor.shape), value: value)
            }
            bytes.append(UInt8(truncatingIfNeeded: bits))
            bytes.append(UInt8(truncatingIfNeeded: bits >> 8))
        }
        return TensorData(name: tensor.name, type: .float16, shape: tensor.shape, bytes: bytes)
    }

    /// The fp32 values of an imported tensor.
    /// - Throws: `QuantizationError.malformedTensor` when the bytes do not fit the shape.
    public static func floats(of tensor: TensorData) throws(QuantizationError) -> [Float] {
        let count = tensor.shape.reduce(1, *)
        guard tensor.type == .float32, tensor.bytes.count == count * 4 else {
            throw .malformedTensor(tensor: tensor.name, byteCount: tensor.bytes.count, shape: tensor.shape)
        }
        return tensor.bytes.withUnsafeBytes { raw in
            (0..<count).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
        }
    }

    /// - Throws: `QuantizationError.nonFiniteWeight` naming the tensor and the element.
    public static func checkFinite(_ values: [Float], tensor: TensorData) throws(QuantizationError) {
        if let i = values.firstIndex(where: { !$0.isFinite }) {
            throw .nonFiniteWeight(tensor: tensor.name, index: position(i, tensor.shape), value: values[i])
        }
    }

    /// The multi-index of flat index `i` in `shape` (row-major).
    static func position(_ i: Int, _ shape: [Int]) -> [Int] {
        var index = [Int](repeating: 0, count: shape.count)
        var rest = i
        for axis in shape.indices.reversed() where shape[axis] > 0 {
            index[axis] = rest % shape[axis]
            rest /= shape[axis]
        }
        return index
    }
}
