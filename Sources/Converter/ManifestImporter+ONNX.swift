import Model
import WeightArchive

// ONNX operator inputs, as an archive of initializers (leading num_directions axis of 1 optional):
//   LSTM  W [1, 4H, I], R [1, 4H, H], gates i,o,f,c → internal i,f,c,o; B [1, 8H] = [Wb, Rb] → bias Wb + Rb;
//         P [1, 3H] peepholes i,o,f → internal i,f,o; clip → gate clip
//   GRU   W [1, 3H, I], R [1, 3H, H], gates z,r,h (= internal); B [1, 6H] → input_bias, recurrent_bias;
//         linear_before_reset → reset-after
//   RNN   W [1, H, I], R [1, H, H], B [1, 2H] → summed; activations [Tanh] or [Relu]
//   dense (Gemm/MatMul): B [in, out] (transB = 0) or [out, in] (transB = 1), C [out]
enum ONNXLayout {
    static let lstmOrder = [0, 2, 3, 1]
    static let peepholeOrder = [0, 2, 1]

    static func convert(_ layer: ManifestLayer, inputSize: Int, archive: WeightArchive) throws(ManifestError) -> [ConvertedLayer] {
        switch layer.kind {
        case .dense: return try dense(layer, inputSize: inputSize, archive: archive)
        case .lstm, .gru, .rnn: return try recurrent(layer, inputSize: inputSize, archive: archive)
        case .softmax: throw .unknownKind(path: "\(layer.path).kind", value: "softmax", convention: "onnx")
        case .attention: throw .unknownKind(path: "\(layer.path).kind", value: "attention", convention: "onnx")
        case .conv2d: return try ConvolutionLayout.convert(layer, inputSize: inputSize, archive: archive)
        }
    }

    static func dense(_ layer: ManifestLayer, inputSize: Int, archive: WeightArchive) throws(ManifestError) -> [ConvertedLayer] {
        let reader = try ManifestLayerReader(
            layer: layer, archive: archive, attributes: ["transB", "activation"],
            slots: [WeightSlot(name: "B", defaultKey: "B"), WeightSlot(name: "C", defaultKey: "C")])
        let transposed = try reader.integer("transB", range: 0...1) == 1
        let matrix = try reader.require("B")
        let expected = transposed ? "[out, \(inputSize)] (transB = 1)" : "[\(inputSize), out] (transB = 0)"
        guard matrix.shape.count == 2, matrix.shape[transposed ? 1 : 0] == inputSize, matrix.shape[transposed ? 0 : 1] > 0 else {
            throw .shapeMismatch(path: matrix.path, key: matrix.key, expected: expected, found: matrix.shape)
        }
        let outputs = matrix.shape[transposed ? 0 : 1]
        var bias: [Float]?
        if let c = try reader.optional("C") {
            try c.expect([outputs], or: [[1, outputs]])
            bias = c.values
        }
        let weights = transposed ? matrix.values : WeightLayout.transpose(matrix.values, rows: inputSize, columns: outputs)
        return ManifestImporter.dense(
            reader, inputSize: inputSize, weights: weights, outputs: outputs, bias: bias,
            activation: try ManifestImporter.denseActivation(reader))
    }

    static func recurrent(_ layer: ManifestLayer, inputSize: Int, archive: WeightArchive) throws(ManifestError) -> [ConvertedLayer] {
        let kind = layer.kind
        var attributes = ["hidden_size", "clip", "direction", "activations", "layout"]
        var slots = ["W", "R", "B"].map { WeightSlot(name: $0, defaultKey: $0) }
        if kind == .lstm {
            attributes.append("input_forget")
            slots.append(WeightSlot(name: "P", defaultKey: "P"))
        }
        if kind == .gru { attributes.append("linear_before_reset") }
        let reader = try ManifestLayerReader(layer: layer, archive: archive, attributes: attributes, slots: slots)
        if let direction = try reader.string("direction"), direction != "forward" {
            throw .unsupported(path: reader.attributePath("direction"), reason: "\"\(direction)\" is not supported yet; Earshot streams forward in time")
        }
        if let inputForget = try reader.integer("input_forget"), inputForget != 0 {
            throw .unsupported(path: reader.attributePath("input_forget"), reason: "coupled input and forget gates are not supported")
        }
        _ = try reader.integer("layout", range: 0...1)
        var activation = Activation.tanh
        if let names = try reader.strings("activations")?.map({ $0.lowercased() }) {
            switch (kind, names) {
            case (.lstm, ["sigmoid", "tanh", "tanh"]), (.gru, ["sigmoid", "tanh"]), (.rnn, ["tanh"]): break
            case (.rnn, ["relu"]): activation = .relu
            default:
                throw .unsupported(path: reader.attributePath("activations"), reason: "\(names) is not supported (Earshot runs the ONNX defaults, and Relu for RNN)")
            }
        }
        var gateClip: Float = 0
        if let clip = try reader.number("clip") {
            guard clip > 0, Float(clip).isFinite else {
                throw .invalidValue(path: reader.attributePath("clip"), value: String(clip), expected: "a positive finite clip")
            }
            gateClip = Float(clip)
        }
        let gates = kind == .lstm ? 4 : kind == .gru ? 3 : 1
        let w = try reader.require("W")
        let wShape = w.shape.count == 3 && w.shape[0] == 1 ? Array(w.shape.dropFirst()) : w.shape
        guard wShape.count == 2, wShape[1] == inputSize, wShape[0] > 0, wShape[0] % gates == 0 else {
            throw .shapeMismatch(path: w.path, key: w.key, expected: "[1, \(gates)·hidden_size, \(inputSize)]", found: w.shape)
        }
        let hidden = wShape[0] / gates
        try reader.checkSize("hidden_size", hidden, from: w.key)
        let r = try reader.require("R")
        try r.expect([1, gates * hidden, hidden], or: [[gates * hidden, hidden]])
        var biases = [Float](repeating: 0, count: 2 * gates * hidden)
        if let b = try reader.optional("B") {
            try b.expect([1, 2 * gates * hidden], or: [[2 * gates * hidden]])
            biases = b.values
        }
        let half = gates * hidden
        let inputBias = Array(biases[0..<half]), recurrentBias = Array(biases[half...])
        var description = LayerDescription(kind: kind, name: layer.name, inputSize: inputSize, hiddenSize: hidden, gateClip: gateClip)
        var weights: [TensorRole: [Float]] = [:]
        switch kind {
        case .lstm:
            weights[.inputWeights] = WeightLayout.reorder(w.values, blockSize: hidden * inputSize, order: lstmOrder)
            weights[.recurrentWeights] = WeightLayout.reorder(r.values, blockSize: hidden * hidden, order: lstmOrder)
            weights[.bias] = WeightLayout.reorder(WeightLayout.add(inputBias, recurrentBias), blockSize: hidden, order: lstmOrder)
            if let p = try reader.optional("P") {
                try p.expect([1, 3 * hidden], or: [[3 * hidden]])
                description.hasPeepholes = true
                weights[.peepholes] = WeightLayout.reorder(p.values, blockSize: hidden, order: peepholeOrder)
            }
        case .gru:
            let linearBeforeReset = try reader.integer("linear_before_reset", range: 0...1) ?? 0
            description.resetAfter = linearBeforeReset == 1
            weights = [.inputWeights: w.values, .recurrentWeights: r.values, .inputBias: inputBias, .recurrentBias: recurrentBias]
        default:
            description.activation = activation
            weights = [.inputWeights: w.values, .recurrentWeights: r.values, .bias: WeightLayout.add(inputBias, recurrentBias)]
        }
        return [ConvertedLayer(description: description, weights: weights)]
    }
}
