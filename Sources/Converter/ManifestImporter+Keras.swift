import Model
import WeightArchive

// Keras layer weights (Keras 2 and 3; x @ kernel, so matrices are [in, out] and are transposed):
//   LSTM       kernel [I, 4H], recurrent_kernel [H, 4H], bias [4H]; gates i,f,c,o (= internal)
//   GRU        kernel [I, 3H], recurrent_kernel [H, 3H]; gates z,r,h (= internal);
//              reset_after=True: bias [2, 3H] = [input bias; recurrent bias]
//              reset_after=False: bias [3H] (input side; no recurrent bias)
//   SimpleRNN  kernel [I, H], recurrent_kernel [H, H], bias [H]; activation tanh|relu
//   Dense      kernel [in, out], bias [out]
// Bidirectional(layer, merge_mode=…) (`bidirectional: true`): the backward layer's weights in the
// slots backward_kernel, backward_recurrent_kernel, backward_bias, converted the same way into the
// layer's reverse_* tensors; merge_mode concat (default), sum, mul or ave. Keras runs the backward
// layer over the reversed sequence and reverses its outputs back (return_sequences=True), which is
// the reverse direction of a bidirectional layer; a windowed `execution` is then required.
enum KerasLayout {
    static let recurrentAttributes = [
        "units", "activation", "use_bias", "return_sequences", "return_state", "go_backwards", "stateful", "unroll",
        "dropout", "recurrent_dropout", "bidirectional", "merge_mode",
    ]
    static let slots = [
        WeightSlot(name: "kernel", defaultKey: "kernel"), WeightSlot(name: "recurrent_kernel", defaultKey: "recurrent_kernel"),
        WeightSlot(name: "bias", defaultKey: "bias"),
    ]
    /// The backward layer of a Bidirectional wrapper.
    static let backwardSlots = [
        WeightSlot(name: "backward_kernel", defaultKey: "backward_kernel"),
        WeightSlot(name: "backward_recurrent_kernel", defaultKey: "backward_recurrent_kernel"),
        WeightSlot(name: "backward_bias", defaultKey: "backward_bias"),
    ]

    static func convert(_ layer: ManifestLayer, inputSize: Int, archive: WeightArchive) throws(ManifestError) -> [ConvertedLayer] {
        switch layer.kind {
        case .dense: return try dense(layer, inputSize: inputSize, archive: archive)
        case .lstm, .gru, .rnn: return try recurrent(layer, inputSize: inputSize, archive: archive)
        case .softmax: throw .unknownKind(path: "\(layer.path).kind", value: "softmax", convention: "keras")
        case .attention: throw .unknownKind(path: "\(layer.path).kind", value: "attention", convention: "keras")
        case .conv2d: return try ConvolutionLayout.convert(layer, inputSize: inputSize, archive: archive)
        }
    }

    static func dense(_ layer: ManifestLayer, inputSize: Int, archive: WeightArchive) throws(ManifestError) -> [ConvertedLayer] {
        let reader = try ManifestLayerReader(
            layer: layer, archive: archive, attributes: ["units", "activation", "use_bias"],
            slots: [WeightSlot(name: "kernel", defaultKey: "kernel"), WeightSlot(name: "bias", defaultKey: "bias")])
        let kernel = try reader.require("kernel")
        guard kernel.shape.count == 2, kernel.shape[0] == inputSize, kernel.shape[1] > 0 else {
            throw .shapeMismatch(path: kernel.path, key: kernel.key, expected: "[\(inputSize), units]", found: kernel.shape)
        }
        let outputs = kernel.shape[1]
        try reader.checkSize("units", outputs, from: kernel.key)
        let bias = try biasVector(reader, shape: [outputs])
        return ManifestImporter.dense(
            reader, inputSize: inputSize, weights: WeightLayout.transpose(kernel.values, rows: inputSize, columns: outputs),
            outputs: outputs, bias: bias?.values, activation: try ManifestImporter.denseActivation(reader))
    }

    /// The bias unless `use_bias` is false (then nil, and the slot must be absent).
    static func biasVector(
        _ reader: ManifestLayerReader, shape: [Int], or alternative: [Int]? = nil, slot: String = "bias"
    ) throws(ManifestError) -> SlotTensor? {
        if try reader.bool("use_bias") == false {
            if reader.has(slot) { throw .inconsistent(path: reader.attributePath("use_bias"), reason: "is false, but '\(slot)' weights are given") }
            return nil
        }
        let tensor = try reader.require(slot)
        try tensor.expect(shape, or: alternative.map { [$0] } ?? [], described: alternative.map { "\(shape) or \($0)" })
        return tensor
    }

    static func recurrent(_ layer: ManifestLayer, inputSize: Int, archive: WeightArchive) throws(ManifestError) -> [ConvertedLayer] {
        let kind = layer.kind
        var attributes = recurrentAttributes
        if kind != .rnn { attributes += ["recurrent_activation", "unit_forget_bias"] }
        if kind == .gru { attributes.append("reset_after") }
        let reader = try ManifestLayerReader(layer: layer, archive: archive, attributes: attributes, slots: slots + backwardSlots)
        let bidirectional = try reader.bool("bidirectional") == true
        let mergeName = try reader.choice("merge_mode", ["concat", "sum", "mul", "ave"])
        if !bidirectional {
            if mergeName != nil {
                throw .inconsistent(path: reader.attributePath("merge_mode"), reason: "is given, but 'bidirectional' is not true")
            }
            for slot in backwardSlots where reader.has(slot.name) {
                throw .inconsistent(path: reader.slotPath(slot.name), reason: "is given, but 'bidirectional' is not true")
            }
        }
        if try reader.bool("go_backwards") == true {
            throw .unsupported(path: reader.attributePath("go_backwards"), reason: "layers that run backwards in time are not supported; Earshot streams forward")
        }
        var activation = Activation.tanh
        if kind == .rnn {
            if try reader.choice("activation", ["tanh", "relu"]) == "relu" { activation = .relu }
        } else {
            try reader.requireActivation("activation", "tanh")
            if try reader.choice("recurrent_activation", ["sigmoid"], unsupported: [
                "hard_sigmoid": "Keras' hard_sigmoid gate activation is not supported; Earshot's gates use the logistic sigmoid (retrain with recurrent_activation='sigmoid')",
            ]) == nil {
                // Absent: Keras' default since 2.3 is sigmoid.
            }
        }
        let gates = kind == .lstm ? 4 : kind == .gru ? 3 : 1
        var converted = try direction(reader, kind: kind, inputSize: inputSize, gates: gates, activation: activation, backward: false)
        if bidirectional {
            let backward = try direction(reader, kind: kind, inputSize: inputSize, gates: gates, activation: activation, backward: true)
            guard backward.description.hiddenSize == converted.description.hiddenSize,
                  backward.description.resetAfter == converted.description.resetAfter else {
                throw .inconsistent(
                    path: reader.slotPath("backward_kernel"),
                    reason: "the backward layer must match the forward one (units \(converted.description.hiddenSize), "
                        + "reset_after \(converted.description.resetAfter))")
            }
            for (role, values) in backward.weights { converted.weights[role.reversed!] = values }
            converted.description.direction = .bidirectional
            converted.description.merge = DirectionMerge(rawValue: mergeName ?? "concat") ?? .concat
            // Keras' default return_sequences=False: the final states [forward h_{T−1}, backward h_0].
            converted.description.finalStatesOnly = try reader.bool("return_sequences") != true
        }
        return [converted]
    }

    /// One direction of a recurrent layer: the slots kernel, recurrent_kernel, bias, or their
    /// backward_ twins.
    private static func direction(
        _ reader: ManifestLayerReader, kind: LayerKind, inputSize: Int, gates: Int, activation: Activation, backward: Bool
    ) throws(ManifestError) -> ConvertedLayer {
        let prefix = backward ? "backward_" : ""
        let kernel = try reader.require(prefix + "kernel")
        guard kernel.shape.count == 2, kernel.shape[0] == inputSize else {
            throw .shapeMismatch(path: kernel.path, key: kernel.key, expected: "[\(inputSize), \(gates)·units]", found: kernel.shape)
        }
        let hidden = try ManifestImporter.blocks(kernel, dimension: 1, gates: gates, expected: "[\(inputSize), \(gates)·units]")
        try reader.checkSize("units", hidden, from: kernel.key)
        let recurrentKernel = try reader.require(prefix + "recurrent_kernel")
        try recurrentKernel.expect([hidden, gates * hidden])

        var description = LayerDescription(kind: kind, name: reader.layer.name, inputSize: inputSize, hiddenSize: hidden, activation: kind == .rnn ? activation : .linear)
        var weights: [TensorRole: [Float]] = [
            .inputWeights: WeightLayout.transpose(kernel.values, rows: inputSize, columns: gates * hidden),
            .recurrentWeights: WeightLayout.transpose(recurrentKernel.values, rows: hidden, columns: gates * hidden),
        ]
        let zeros = [Float](repeating: 0, count: gates * hidden)
        if kind == .gru {
            let declared = try reader.bool("reset_after")
            // Keras' default is reset_after=True; a present bias tells which form was trained.
            let bias = try biasVector(reader, shape: [2, gates * hidden], or: [gates * hidden], slot: prefix + "bias")
            let resetAfter: Bool
            if let bias {
                resetAfter = bias.shape.count == 2
                if let declared, declared != resetAfter {
                    throw .inconsistent(
                        path: reader.attributePath("reset_after"),
                        reason: "is \(declared), but '\(bias.key)' has shape \(bias.shape) (reset_after=True has a [2, 3·units] bias, False a [3·units] one)")
                }
            } else {
                resetAfter = declared ?? true
            }
            description.resetAfter = resetAfter
            weights[.inputBias] = bias.map { Array($0.values[0..<(gates * hidden)]) } ?? zeros
            weights[.recurrentBias] = bias.flatMap { $0.shape.count == 2 ? Array($0.values[(gates * hidden)...]) : nil } ?? zeros
        } else {
            weights[.bias] = try biasVector(reader, shape: [gates * hidden], slot: prefix + "bias")?.values ?? zeros
        }
        return ConvertedLayer(description: description, weights: weights)
    }
}
