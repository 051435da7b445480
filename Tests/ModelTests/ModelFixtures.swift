// Test support: seeded random numbers, model fixtures, and a raw GGUF builder that is written
// independently of ModelWriter (so the reader is checked against a second encoder).
import Model
import TestSupport

// MARK: - Random numbers

// MARK: - Model fixtures

enum Fixtures {
    /// Random tensors for every layer of `description`; matrices in `matrixType`
    /// (int8 matrices get a positive `.scale` tensor).
    static func tensors(for description: ModelDescription, matrixType: TensorType = .float32, seed: UInt64 = 1) -> [TensorData] {
        var random = SeededGenerator(seed: seed)
        var result = [TensorData]()
        for (index, layer) in description.layers.enumerated() {
            for (role, shape) in layer.requiredTensors {
                let name = role.tensorName(layer: index)
                let count = shape.reduce(1, *)
                let type = role.isMatrix ? matrixType : .float32
                switch type {
                case .float32:
                    let values = (0..<count).map { _ in Float.random(in: -1...1, using: &random) }
                    result.append(TensorData(name: name, shape: shape, floats: values))
                case .float16:
                    // Any bit pattern is a valid fp16 element; use only finite ones for realism.
                    var bytes = [UInt8]()
                    for _ in 0..<count {
                        let bits = UInt16.random(in: 0...0x7BFF, using: &random) | (Bool.random(using: &random) ? 0x8000 : 0)
                        bytes.append(UInt8(truncatingIfNeeded: bits))
                        bytes.append(UInt8(truncatingIfNeeded: bits >> 8))
                    }
                    result.append(TensorData(name: name, type: .float16, shape: shape, bytes: bytes))
                case .int8:
                    let bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &random) }
                    result.append(TensorData(name: name, type: .int8, shape: shape, bytes: bytes))
                    let scales = (0..<shape[0]).map { _ in Float.random(in: 0.001...0.1, using: &random) }
                    result.append(TensorData(name: name + ".scale", shape: [shape[0]], floats: scales))
                }
            }
        }
        return result
    }

    /// dense 3 -> 2 (relu), softmax; two labels. The smallest interesting model.
    static let small = ModelDescription(
        inputSize: 3,
        layers: [
            LayerDescription(kind: .dense, name: "fc", inputSize: 3, hiddenSize: 2, activation: .relu),
            LayerDescription(kind: .softmax, name: "probabilities", inputSize: 2, hiddenSize: 2),
        ],
        labels: ["yes", "no"])

    /// LSTM with peepholes, projection and every clip; GRU reset-after; dense; softmax; metadata.
    static let large = ModelDescription(
        inputSize: 10,
        layers: [
            LayerDescription(kind: .lstm, name: "lstm", inputSize: 10, hiddenSize: 12, projectionSize: 6,
                             hasPeepholes: true, forgetBias: 1, cellClip: 3, gateClip: 5, projectionClip: 2.5),
            LayerDescription(kind: .gru, name: "gru", inputSize: 6, hiddenSize: 8, resetAfter: true),
            LayerDescription(kind: .dense, name: "logits", inputSize: 8, hiddenSize: 4),
            LayerDescription(kind: .softmax, inputSize: 4, hiddenSize: 4),
        ],
        labels: ["_silence_", "_unknown_", "yes", "no"],
        outputMode: .lastStep,
        metadata: ["source": .string("fixture"), "frontend.sample_rate": .int(16000),
                   "frontend.window": .floats([0.5, 1, 0.5])])
}

// MARK: - Raw GGUF builder

/// Builds GGUF bytes field by field, so a test can corrupt exactly one thing.
struct RawGGUF {
    struct Value {
        var type: UInt32
        var bytes: [UInt8]
    }
    struct Tensor {
        var name: String
        /// GGUF order (fastest-varying first).
        var dims: [UInt64]
        var type: UInt32
        var data: [UInt8]
        /// nil: placed automatically at the next 32-byte boundary.
        var offset: UInt64? = nil
    }

    var magic: [UInt8] = Array("GGUF".utf8)
    var version: UInt32 = 3
    var tensorCountOverride: UInt64? = nil
    var keyCountOverride: UInt64? = nil
    var keys: [(String, Value)] = []
    var tensors: [Tensor] = []
    /// Padding used for the data section start and automatic tensor offsets.
    var alignment: UInt64 = 32

    // Value encoders.
    static func le<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        (0..<(T.bitWidth / 8)).map { UInt8(truncatingIfNeeded: value >> ($0 * 8)) }
    }
    static func str(_ text: String) -> [UInt8] { le(UInt64(text.utf8.count)) + Array(text.utf8) }
    static func u32(_ value: UInt32) -> Value { Value(type: 4, bytes: le(value)) }
    static func i32(_ value: Int32) -> Value { Value(type: 5, bytes: le(value)) }
    static func f32(_ value: Float) -> Value { Value(type: 6, bytes: le(value.bitPattern)) }
    static func bool(_ value: Bool) -> Value { Value(type: 7, bytes: [value ? 1 : 0]) }
    static func string(_ text: String) -> Value { Value(type: 8, bytes: str(text)) }
    static func strings(_ texts: [String]) -> Value {
        Value(type: 9, bytes: le(UInt32(8)) + le(UInt64(texts.count)) + texts.flatMap(str))
    }
    static func floats(_ data: [Float]) -> [UInt8] { data.flatMap { le($0.bitPattern) } }

    /// The `small` fixture's layout, written by hand: dense 3 -> 2 relu, softmax, labels yes/no.
    static func small() -> RawGGUF {
        var raw = RawGGUF()
        raw.keys = [
            ("general.architecture", string("earshot")),
            ("general.alignment", u32(32)),
            ("earshot.format_version", u32(1)),
            ("earshot.input_size", u32(3)),
            ("earshot.output_mode", string("every_step")),
            ("earshot.labels", strings(["yes", "no"])),
            ("earshot.layer_count", u32(2)),
        ]
        let layers: [(kind: String, activation: String, input: UInt32, hidden: UInt32)] = [
            ("dense", "relu", 3, 2), ("softmax", "linear", 2, 2),
        ]
        for (index, layer) in layers.enumerated() {
            let prefix = "earshot.layer.\(index)."
            raw.keys += [
                (prefix + "kind", string(layer.kind)), (prefix + "name", string("")),
                (prefix + "input_size", u32(layer.input)), (prefix + "hidden_size", u32(layer.hidden)),
                (prefix + "projection_size", u32(0)), (prefix + "activation", string(layer.activation)),
                (prefix + "peepholes", bool(false)), (prefix + "reset_after", bool(false)),
                (prefix + "forget_bias", f32(0)), (prefix + "cell_clip", f32(0)),
                (prefix + "gate_clip", f32(0)), (prefix + "projection_clip", f32(0)),
            ]
        }
        raw.tensors = [
            Tensor(name: "layer.0.input_weights", dims: [3, 2], type: 0, data: floats([1, 2, 3, 4, 5, 6])),
            Tensor(name: "layer.0.bias", dims: [2], type: 0, data: floats([0.5, -0.5])),
        ]
        return raw
    }

    mutating func set(_ key: String, _ value: Value) {
        if let index = keys.firstIndex(where: { $0.0 == key }) { keys[index].1 = value } else { keys.append((key, value)) }
    }

    mutating func remove(_ key: String) { keys.removeAll { $0.0 == key } }

    func bytes() -> [UInt8] {
        var out = magic + Self.le(version)
        out += Self.le(tensorCountOverride ?? UInt64(tensors.count))
        out += Self.le(keyCountOverride ?? UInt64(keys.count))
        for (key, value) in keys { out += Self.str(key) + Self.le(value.type) + value.bytes }
        var next: UInt64 = 0
        var placed = [UInt64]()
        for tensor in tensors {
            let offset = tensor.offset ?? next
            placed.append(offset)
            if tensor.offset == nil { next = (offset + UInt64(tensor.data.count) + alignment - 1) / alignment * alignment }
            out += Self.str(tensor.name) + Self.le(UInt32(tensor.dims.count))
            out += tensor.dims.flatMap { Self.le($0) } + Self.le(tensor.type) + Self.le(offset)
        }
        while UInt64(out.count) % alignment != 0 { out.append(0) }
        var data = [UInt8](repeating: 0, count: Int(next))
        for (tensor, offset) in zip(tensors, placed) where offset <= next && UInt64(tensor.data.count) <= next - offset {
            data.replaceSubrange(Int(offset)..<(Int(offset) + tensor.data.count), with: tensor.data)
        }
        out += data
        return out
    }
}

/// The error a closure throws, or nil if it succeeds.
func modelError(_ body: () throws(ModelError) -> Void) -> ModelError? {
    do {
        try body()
        return nil
    } catch {
        return error
    }
}

/// The error loading `bytes` throws, or nil if they load.
func loadError(_ bytes: [UInt8]) -> ModelError? {
    modelError { () throws(ModelError) in _ = try ModelFile(bytes: bytes) }
}
