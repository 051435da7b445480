import Model
import WeightArchive

// PyTorch state_dict layouts (torch.nn), H = hidden_size, I = input size, P = proj_size:
//   nn.LSTM  weight_ih_l<k> [4H, I], weight_hh_l<k> [4H, P or H], gates i,f,g,o (= internal i,f,c,o)
//            bias_ih_l<k> + bias_hh_l<k> [4H] → bias (summed); weight_hr_l<k> [P, H] → projection
//   nn.GRU   weight_ih_l<k> [3H, I], weight_hh_l<k> [3H, H], gates r,z,n → internal z,r,h;
//            bias_ih → input_bias, bias_hh → recurrent_bias (kept apart: n uses r ⊙ (W_hn h + b_hn)),
//            always reset-after
//   nn.RNN   weight_ih_l<k> [H, I], weight_hh_l<k> [H, H], biases summed, nonlinearity tanh|relu
//   nn.Linear weight [out, in], bias [out]
// A bidirectional module (`bidirectional: true`, keys under `prefix`) also has `<key>_l<k>_reverse`
// keys, converted the same way into the layer's `reverse_*` tensors; its output rows are
// [forward, reverse] (2H, or 2P), as PyTorch concatenates them. Bidirectional layers need a
// windowed model (the manifest's `execution`).
enum PyTorchLayout {
    static let recurrentAttributes = ["input_size", "hidden_size", "num_layers", "bias", "batch_first", "dropout", "bidirectional"]
    /// Source block of each internal GRU gate z, r, h in PyTorch's r, z, n.
    static let gruOrder = [1, 0, 2]

    static func convert(_ layer: ManifestLayer, inputSize: Int, archive: WeightArchive) throws(ManifestError) -> [ConvertedLayer] {
        switch layer.kind {
        case .dense: return try linear(layer, inputSize: inputSize, archive: archive)
        case .lstm, .gru, .rnn: return try recurrent(layer, inputSize: inputSize, archive: archive)
        case .softmax: throw .unknownKind(path: "\(layer.path).kind", value: "softmax", convention: "pytorch")
        case .attention: throw .unknownKind(path: "\(layer.path).kind", value: "attention", convention: "pytorch")
        case .conv2d: return try ConvolutionLayout.convert(layer, inputSize: inputSize, archive: archive)
        }
    }

    static func linear(_ layer: ManifestLayer, inputSize: Int, archive: WeightArchive) throws(ManifestError) -> [ConvertedLayer] {
        let reader = try ManifestLayerReader(
            layer: layer, archive: archive, attributes: ["in_features", "out_features", "bias", "activation"],
            slots: [WeightSlot(name: "weight", defaultKey: "weight"), WeightSlot(name: "bias", defaultKey: "bias")])
        let weight = try reader.require("weight")
        guard weight.shape.count == 2, weight.shape[1] == inputSize, weight.shape[0] > 0 else {
            throw .shapeMismatch(path: weight.path, key: weight.key, expected: "[out_features, \(inputSize)]", found: weight.shape)
        }
        let outputs = weight.shape[0]
        try reader.checkSize("in_features", inputSize, from: weight.key)
        try reader.checkSize("out_features", outputs, from: weight.key)
        let bias = try biasVector(reader, slot: "bias", count: outputs)
        return ManifestImporter.dense(
            reader, inputSize: inputSize, weights: weight.values, outputs: outputs, bias: bias,
            activation: try ManifestImporter.denseActivation(reader))
    }

    /// The bias of `slot` ([count]) unless the `bias` attribute is false (then nil, and the slot must be absent).
    static func biasVector(_ reader: ManifestLayerReader, slot: String, count: Int) throws(ManifestError) -> [Float]? {
        if try reader.bool("bias") == false {
            if reader.has(slot) { throw .inconsistent(path: reader.attributePath("bias"), reason: "is false, but '\(slot)' weights are given") }
            return nil
        }
        let tensor = try reader.require(slot)
        try tensor.expect([count])
        return tensor.values
    }

    static func recurrent(_ layer: ManifestLayer, inputSize: Int, archive: WeightArchive) throws(ManifestError) -> [ConvertedLayer] {
        let kind = layer.kind
        var attributes = recurrentAttributes
        var slots = ["weight_ih", "weight_hh", "bias_ih", "bias_hh"].map { WeightSlot(name: $0, defaultKey: $0) }
        if kind == .lstm {
            attributes.append("proj_size")
            slots.append(WeightSlot(name: "weight_hr", defaultKey: "weight_hr"))
        }
        if kind == .rnn { attributes.append("nonlinearity") }
        var reader = try ManifestLayerReader(layer: layer, archive: archive, attributes: attributes, slots: slots)
        let bidirectional = try reader.bool("bidirectional") == true
        if bidirectional && layer.weights != nil {
            throw .inconsistent(path: reader.attributePath("bidirectional"), reason: "a bidirectional layer needs 'prefix' (keys <prefix>weight_ih_l<k> and <prefix>weight_ih_l<k>_reverse), not explicit 'weights'")
        }
        let layerCount = try reader.integer("num_layers", range: 1...64) ?? 1
        if layerCount > 1 && layer.weights != nil {
            throw .inconsistent(path: reader.attributePath("num_layers"), reason: "a stack of \(layerCount) layers needs 'prefix' (keys <prefix>weight_ih_l<k>), not explicit 'weights'")
        }
        var activation = Activation.tanh
        if kind == .rnn, try reader.choice("nonlinearity", ["tanh", "relu"]) == "relu" { activation = .relu }
        let gates = kind == .lstm ? 4 : kind == .gru ? 3 : 1

        var converted: [ConvertedLayer] = []
        var size = inputSize
        for index in 0..<layerCount {
            var description = LayerDescription(kind: kind, inputSize: size, hiddenSize: 1)
            var weights: [TensorRole: [Float]] = [:]
            for direction in 0..<(bidirectional ? 2 : 1) {
                let reverse = direction == 1
                reader.keySuffix = (layer.prefix == nil ? "" : "_l\(index)") + (reverse ? "_reverse" : "")
                // The reverse direction of a bidirectional module lives under `<key>_reverse`.
                if !bidirectional, let key = reader.key("weight_ih"), archive[key + "_reverse"] != nil {
                    throw .inconsistent(
                        path: reader.attributePath("bidirectional"),
                        reason: "is not true, but the archive holds '\(key)_reverse', the reverse direction of a bidirectional layer")
                }
                let weightIH = try reader.require("weight_ih")
                guard weightIH.shape.count == 2, weightIH.shape[1] == size else {
                    throw .shapeMismatch(path: weightIH.path, key: weightIH.key, expected: "[\(gates)·hidden_size, \(size)]", found: weightIH.shape)
                }
                let hidden = try ManifestImporter.blocks(weightIH, dimension: 0, gates: gates, expected: "[\(gates)·hidden_size, \(size)]")
                try reader.checkSize("hidden_size", hidden, from: weightIH.key)
                if index == 0 { try reader.checkSize("input_size", size, from: weightIH.key) }

                var projection: SlotTensor?
                if kind == .lstm {
                    projection = try reader.optional("weight_hr")
                    let declared = try reader.integer("proj_size") ?? (projection == nil ? 0 : nil)
                    if let declared, (declared > 0) != (projection != nil) {
                        throw .inconsistent(
                            path: reader.attributePath("proj_size"),
                            reason: declared > 0 ? "is \(declared), but no 'weight_hr' weights are given" : "is 0, but 'weight_hr' weights are given")
                    }
                    if let projection {
                        guard projection.shape.count == 2, projection.shape[1] == hidden, projection.shape[0] > 0 else {
                            throw .shapeMismatch(path: projection.path, key: projection.key, expected: "[proj_size, \(hidden)]", found: projection.shape)
                        }
                        try reader.checkSize("proj_size", projection.shape[0], from: projection.key)
                    }
                }
                let projected = projection?.shape[0] ?? 0
                let recurrentColumns = projected > 0 ? projected : hidden
                let weightHH = try reader.require("weight_hh")
                try weightHH.expect([gates * hidden, recurrentColumns])
                let biasIH = try biasVector(reader, slot: "bias_ih", count: gates * hidden) ?? [Float](repeating: 0, count: gates * hidden)
                let biasHH = try biasVector(reader, slot: "bias_hh", count: gates * hidden) ?? [Float](repeating: 0, count: gates * hidden)

                if reverse {
                    guard hidden == description.hiddenSize, projected == description.projectionSize else {
                        throw .shapeMismatch(path: weightIH.path, key: weightIH.key,
                                             expected: "the forward direction's sizes (hidden \(description.hiddenSize), projection \(description.projectionSize))",
                                             found: weightIH.shape)
                    }
                } else {
                    let name = layerCount > 1 ? "\(layer.name.isEmpty ? layer.prefix ?? "" : layer.name)l\(index)" : layer.name
                    description = LayerDescription(kind: kind, name: name, inputSize: size, hiddenSize: hidden, activation: kind == .rnn ? activation : .linear)
                    if bidirectional { description.direction = .bidirectional }
                }
                func store(_ role: TensorRole, _ values: [Float]) { weights[reverse ? role.reversed! : role] = values }
                switch kind {
                case .lstm:
                    store(.inputWeights, weightIH.values)
                    store(.recurrentWeights, weightHH.values)
                    store(.bias, WeightLayout.add(biasIH, biasHH))
                    if let projection {
                        description.projectionSize = projected
                        store(.projection, projection.values)
                    }
                case .gru:
                    description.resetAfter = true
                    store(.inputWeights, WeightLayout.reorder(weightIH.values, blockSize: hidden * size, order: gruOrder))
                    store(.recurrentWeights, WeightLayout.reorder(weightHH.values, blockSize: hidden * hidden, order: gruOrder))
                    store(.inputBias, WeightLayout.reorder(biasIH, blockSize: hidden, order: gruOrder))
                    store(.recurrentBias, WeightLayout.reorder(biasHH, blockSize: hidden, order: gruOrder))
                default:
                    store(.inputWeights, weightIH.values)
                    store(.recurrentWeights, weightHH.values)
                    store(.bias, WeightLayout.add(biasIH, biasHH))
                }
            }
            converted.append(ConvertedLayer(description: description, weights: weights))
            size = description.outputSize
        }
        return converted
    }
}
