import Model
import WeightArchive

// TensorFlow 1 cells (tf.nn.rnn_cell / tf.contrib.rnn), which compute [x, h] @ kernel + bias, so
// each kernel stacks the input rows (I) over the recurrent rows and is transposed here:
//   LSTMCell       kernel [I + R, 4H] (R = num_proj or H), bias [4H], gates i,j,f,o → internal i,f,c,o;
//                  forget_bias (default 1.0) added inside; w_i_diag, w_f_diag, w_o_diag [H] peepholes;
//                  projection/kernel [H, P]; cell_clip, proj_clip
//   BasicLSTMCell  the same without peepholes and projection
//   GRUCell        gates/kernel [I + H, 2H] (r, u), gates/bias [2H], candidate/kernel [I + H, H],
//                  candidate/bias [H]; h' = u ⊙ h + (1 − u) ⊙ c, so z = u; the candidate sees r ⊙ h
//                  (reset-before), and all biases are input-side
//   BasicRNNCell   kernel [I + H, H], bias [H]
//   dense          x @ kernel + bias: kernel [in, out], bias [out]
enum TensorFlow1Layout {
    /// Source block of each internal LSTM gate i, f, c, o in TensorFlow's i, j, f, o.
    static let lstmOrder = [0, 2, 1, 3]

    static func convert(_ layer: ManifestLayer, inputSize: Int, archive: WeightArchive) throws(ManifestError) -> [ConvertedLayer] {
        switch layer.kind {
        case .lstm: return try lstm(layer, inputSize: inputSize, archive: archive)
        case .gru: return try gru(layer, inputSize: inputSize, archive: archive)
        case .rnn: return try rnn(layer, inputSize: inputSize, archive: archive)
        case .dense: return try KerasLayout.dense(layer, inputSize: inputSize, archive: archive)
        case .softmax: throw .unknownKind(path: "\(layer.path).kind", value: "softmax", convention: "tf1")
        case .attention: throw .unknownKind(path: "\(layer.path).kind", value: "attention", convention: "tf1")
        case .conv2d: return try ConvolutionLayout.convert(layer, inputSize: inputSize, archive: archive)
        }
    }

    /// Splits a transposed kernel [gates·H, I + R] into its input [gates·H, I] and recurrent [gates·H, R] parts.
    static func split(_ transposed: [Float], rows: Int, input: Int, recurrent: Int) -> ([Float], [Float]) {
        var inputPart = [Float](), recurrentPart = [Float]()
        inputPart.reserveCapacity(rows * input)
        recurrentPart.reserveCapacity(rows * recurrent)
        let columns = input + recurrent
        for row in 0..<rows {
            inputPart.append(contentsOf: transposed[(row * columns)..<(row * columns + input)])
            recurrentPart.append(contentsOf: transposed[(row * columns + input)..<((row + 1) * columns)])
        }
        return (inputPart, recurrentPart)
    }

    /// A kernel [I + R, gates·H], checked and transposed into input and recurrent matrices.
    static func kernel(_ tensor: SlotTensor, input: Int, recurrent: Int, gates: Int, hidden: Int) throws(ManifestError) -> ([Float], [Float]) {
        try tensor.expect([input + recurrent, gates * hidden], described: "[\(input) + \(recurrent), \(gates * hidden)] ([input + recurrent, \(gates)·num_units])")
        let transposed = WeightLayout.transpose(tensor.values, rows: input + recurrent, columns: gates * hidden)
        return split(transposed, rows: gates * hidden, input: input, recurrent: recurrent)
    }

    static func clip(_ reader: ManifestLayerReader, _ name: String) throws(ManifestError) -> Float {
        guard let value = try reader.number(name) else { return 0 }
        guard value >= 0, value.isFinite, Float(value).isFinite else {
            throw .invalidValue(path: reader.attributePath(name), value: String(value), expected: "a clip value > 0, or null for none")
        }
        return Float(value)
    }

    static func lstm(_ layer: ManifestLayer, inputSize: Int, archive: WeightArchive) throws(ManifestError) -> [ConvertedLayer] {
        let reader = try ManifestLayerReader(
            layer: layer, archive: archive,
            attributes: ["cell", "num_units", "use_peepholes", "cell_clip", "num_proj", "proj_clip", "forget_bias", "activation", "state_is_tuple"],
            slots: [
                WeightSlot(name: "kernel", defaultKey: "kernel"), WeightSlot(name: "bias", defaultKey: "bias"),
                WeightSlot(name: "w_i_diag", defaultKey: "w_i_diag"), WeightSlot(name: "w_f_diag", defaultKey: "w_f_diag"),
                WeightSlot(name: "w_o_diag", defaultKey: "w_o_diag"), WeightSlot(name: "projection", defaultKey: "projection/kernel"),
            ])
        let basic = try reader.choice("cell", ["lstmcell", "basiclstmcell"]) == "basiclstmcell"
        try reader.requireActivation("activation", "tanh")
        let bias = try reader.require("bias")
        guard bias.shape.count == 1 else { throw .shapeMismatch(path: bias.path, key: bias.key, expected: "[4·num_units]", found: bias.shape) }
        let hidden = try ManifestImporter.blocks(bias, dimension: 0, gates: 4, expected: "[4·num_units]")
        try reader.checkSize("num_units", hidden, from: bias.key)

        let peepholeSlots = ["w_i_diag", "w_f_diag", "w_o_diag"]
        let hasPeepholes = peepholeSlots.contains { reader.has($0) }
        var peepholes: [Float] = []
        if hasPeepholes {
            for slot in peepholeSlots {
                let tensor = try reader.require(slot)
                try tensor.expect([hidden])
                peepholes += tensor.values
            }
        }
        try reader.checkFlag("use_peepholes", hasPeepholes, slot: "w_i_diag")
        let projection = try reader.optional("projection")
        if basic && (hasPeepholes || projection != nil) {
            throw .inconsistent(path: reader.attributePath("cell"), reason: "BasicLSTMCell has no peepholes or projection, but their weights are given")
        }
        var projected = 0
        if let projection {
            guard projection.shape.count == 2, projection.shape[0] == hidden, projection.shape[1] > 0 else {
                throw .shapeMismatch(path: projection.path, key: projection.key, expected: "[\(hidden), num_proj]", found: projection.shape)
            }
            projected = projection.shape[1]
        }
        if let declared = try reader.integer("num_proj"), declared != projected {
            throw .inconsistent(
                path: reader.attributePath("num_proj"),
                reason: projected == 0 ? "is \(declared), but no 'projection' weights are given" : "is \(declared), but '\(projection!.key)' implies \(projected)")
        }
        let (input, recurrent) = try kernel(
            reader.require("kernel"), input: inputSize, recurrent: projected > 0 ? projected : hidden, gates: 4, hidden: hidden)

        var description = LayerDescription(kind: .lstm, name: layer.name, inputSize: inputSize, hiddenSize: hidden)
        description.forgetBias = Float(try reader.number("forget_bias") ?? 1.0)
        guard description.forgetBias.isFinite else {
            throw .invalidValue(path: reader.attributePath("forget_bias"), value: String(description.forgetBias), expected: "a finite number")
        }
        description.cellClip = try clip(reader, "cell_clip")
        description.projectionClip = try clip(reader, "proj_clip")
        description.hasPeepholes = hasPeepholes
        description.projectionSize = projected
        var weights: [TensorRole: [Float]] = [
            .inputWeights: WeightLayout.reorder(input, blockSize: hidden * inputSize, order: lstmOrder),
            .recurrentWeights: WeightLayout.reorder(recurrent, blockSize: hidden * (projected > 0 ? projected : hidden), order: lstmOrder),
            .bias: WeightLayout.reorder(bias.values, blockSize: hidden, order: lstmOrder),
        ]
        if hasPeepholes { weights[.peepholes] = peepholes }
        if let projection { weights[.projection] = WeightLayout.transpose(projection.values, rows: hidden, columns: projected) }
        return [ConvertedLayer(description: description, weights: weights)]
    }

    static func gru(_ layer: ManifestLayer, inputSize: Int, archive: WeightArchive) throws(ManifestError) -> [ConvertedLayer] {
        let reader = try ManifestLayerReader(
            layer: layer, archive: archive, attributes: ["cell", "num_units", "activation"],
            slots: [
                WeightSlot(name: "gates_kernel", defaultKey: "gates/kernel"), WeightSlot(name: "gates_bias", defaultKey: "gates/bias"),
                WeightSlot(name: "candidate_kernel", defaultKey: "candidate/kernel"),
                WeightSlot(name: "candidate_bias", defaultKey: "candidate/bias"),
            ])
        _ = try reader.choice("cell", ["grucell"])
        try reader.requireActivation("activation", "tanh")
        let candidateBias = try reader.require("candidate_bias")
        guard candidateBias.shape.count == 1, candidateBias.shape[0] > 0 else {
            throw .shapeMismatch(path: candidateBias.path, key: candidateBias.key, expected: "[num_units]", found: candidateBias.shape)
        }
        let hidden = candidateBias.shape[0]
        try reader.checkSize("num_units", hidden, from: candidateBias.key)
        let gatesBias = try reader.require("gates_bias")
        try gatesBias.expect([2 * hidden])
        let (gatesInput, gatesRecurrent) = try kernel(reader.require("gates_kernel"), input: inputSize, recurrent: hidden, gates: 2, hidden: hidden)
        let (candidateInput, candidateRecurrent) = try kernel(
            reader.require("candidate_kernel"), input: inputSize, recurrent: hidden, gates: 1, hidden: hidden)
        // Internal z, r, h = TensorFlow's u (second gate block), r (first), candidate.
        let inputWeights = WeightLayout.rows(gatesInput, columns: inputSize, start: hidden, count: hidden)
            + WeightLayout.rows(gatesInput, columns: inputSize, start: 0, count: hidden) + candidateInput
        let recurrentWeights = WeightLayout.rows(gatesRecurrent, columns: hidden, start: hidden, count: hidden)
            + WeightLayout.rows(gatesRecurrent, columns: hidden, start: 0, count: hidden) + candidateRecurrent
        let inputBias = Array(gatesBias.values[hidden..<(2 * hidden)]) + Array(gatesBias.values[0..<hidden]) + candidateBias.values
        var description = LayerDescription(kind: .gru, name: layer.name, inputSize: inputSize, hiddenSize: hidden)
        description.resetAfter = false
        return [ConvertedLayer(description: description, weights: [
            .inputWeights: inputWeights, .recurrentWeights: recurrentWeights,
            .inputBias: inputBias, .recurrentBias: [Float](repeating: 0, count: 3 * hidden),
        ])]
    }

    static func rnn(_ layer: ManifestLayer, inputSize: Int, archive: WeightArchive) throws(ManifestError) -> [ConvertedLayer] {
        let reader = try ManifestLayerReader(
            layer: layer, archive: archive, attributes: ["cell", "num_units", "activation"],
            slots: [WeightSlot(name: "kernel", defaultKey: "kernel"), WeightSlot(name: "bias", defaultKey: "bias")])
        _ = try reader.choice("cell", ["basicrnncell"])
        let activation: Activation = try reader.choice("activation", ["tanh", "relu"]) == "relu" ? .relu : .tanh
        let bias = try reader.require("bias")
        guard bias.shape.count == 1, bias.shape[0] > 0 else {
            throw .shapeMismatch(path: bias.path, key: bias.key, expected: "[num_units]", found: bias.shape)
        }
        let hidden = bias.shape[0]
        try reader.checkSize("num_units", hidden, from: bias.key)
        let (input, recurrent) = try kernel(reader.require("kernel"), input: inputSize, recurrent: hidden, gates: 1, hidden: hidden)
        let description = LayerDescription(kind: .rnn, name: layer.name, inputSize: inputSize, hiddenSize: hidden, activation: activation)
        return [ConvertedLayer(description: description, weights: [.inputWeights: input, .recurrentWeights: recurrent, .bias: bias.values])]
    }
}
