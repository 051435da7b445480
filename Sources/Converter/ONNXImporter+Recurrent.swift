import Model

// ONNX LSTM, GRU and RNN → Earshot recurrent layers (direction forward or bidirectional).
//
// Weight conversion (H = hidden size, I = input size, blocks of H rows):
//   LSTM  W [1, 4H, I], R [1, 4H, H] gates i,o,f,c → internal i,f,c,o
//         B [1, 8H] = [Wb, Rb]          → bias = Wb + Rb, internal order
//         P [1, 3H] i,o,f               → peepholes i,f,o
//   GRU   W [1, 3H, I], R [1, 3H, H] gates z,r,h (same as internal)
//         B [1, 6H] = [Wb, Rb]          → input_bias Wb, recurrent_bias Rb
//         linear_before_reset           → resetAfter
//   RNN   W [1, H, I], R [1, H, H], B [1, 2H] → bias = Wb + Rb; activations [Tanh] or [Relu]
// Bidirectional: every tensor has 2 along dim 0 (forward, reverse); the reverse half becomes the
// `reverse_*` tensors, converted the same way. Y [T, 2, 1, H] must then be merged into rows of
// 2H as [forward, reverse] (Transpose to [T, 1, 2, H], Reshape to [T, 1, 2H]) before anything else.

extension ChainWalk {
    /// ONNX gate block `k` that lands in internal block `index` (LSTM: i,o,f,c → i,f,c,o).
    static let lstmGateSource = [0, 2, 3, 1]
    /// ONNX peephole block for internal i, f, o (ONNX order i, o, f).
    static let lstmPeepholeSource = [0, 2, 1]

    mutating func convertRecurrent(_ node: ONNXNode, kind: LayerKind) throws(ConversionError) {
        guard !lastStepSelected else {
            throw .unsupportedPlacement(
                node: nodeName, op: node.opType,
                reason: "a recurrent layer after the last time step was selected (Slice/Gather/Y_h) cannot be streamed")
        }
        try requireStreamInput(node, at: 0)
        let gates = kind.gateCountForImport

        // Attributes.
        var hiddenAttribute: Int64?
        var clip: Float = 0
        var layout: Int64 = 0
        var resetAfter = false
        var activation = Activation.tanh
        var directions = 1
        for attribute in node.attributes {
            switch attribute.name {
            case "hidden_size":
                hiddenAttribute = attribute.i
            case "clip":
                guard attribute.f > 0, attribute.f.isFinite else {
                    throw .unsupportedAttribute(node: nodeName, attribute: "clip", value: attribute.displayValue)
                }
                clip = attribute.f
            case "direction":
                switch attribute.string {
                case "forward": directions = 1
                case "bidirectional": directions = 2
                default:
                    // A reverse-only layer would need the future of an unbounded stream.
                    throw .unsupportedAttribute(node: nodeName, attribute: "direction", value: attribute.displayValue)
                }
            case "layout":
                guard attribute.i == 0 || attribute.i == 1 else {
                    throw .unsupportedAttribute(node: nodeName, attribute: "layout", value: attribute.displayValue)
                }
                layout = attribute.i
            case "activations":
                break  // read after the loop, once the direction is known
            case "input_forget" where kind == .lstm:
                guard attribute.i == 0 else {
                    throw .unsupportedAttribute(node: nodeName, attribute: "input_forget", value: attribute.displayValue)
                }
            case "linear_before_reset" where kind == .gru:
                guard attribute.i == 0 || attribute.i == 1 else {
                    throw .unsupportedAttribute(
                        node: nodeName, attribute: "linear_before_reset", value: attribute.displayValue)
                }
                resetAfter = attribute.i == 1
            default:
                // activation_alpha, activation_beta, and anything this importer does not know.
                throw .unsupportedAttribute(node: nodeName, attribute: attribute.name, value: attribute.displayValue)
            }
        }

        if let attribute = node.attribute("activations") {
            activation = try recurrentActivation(attribute, kind: kind, directions: directions)
        }
        // W [directions, gates·H, I] fixes H and I.
        let w = try constant(node, input: 1, role: "W")
        let wDims = try w.checkedDims()
        let inputs = shape.featureSize
        let d = directions
        guard wDims.count == 3, wDims[0] == d, wDims[1] > 0, wDims[1] % gates == 0, wDims[2] == inputs else {
            throw .shapeMismatch(node: nodeName, expected: "W [\(d), \(gates)·hidden_size, \(inputs)]", found: "\(wDims)")
        }
        let hidden = wDims[1] / gates
        if let declared = hiddenAttribute, declared != Int64(hidden) {
            throw .shapeMismatch(
                node: nodeName, expected: "hidden_size \(declared) (W [1, \(gates) × \(declared), \(inputs)])",
                found: "W \(wDims)")
        }
        let expectedInput = layout == 0
            ? SymbolicShape([.time, .unit, .feature(inputs)]) : SymbolicShape([.unit, .time, .feature(inputs)])
        guard shape == expectedInput else {
            throw .shapeMismatch(node: nodeName, expected: "X \(expectedInput) (layout \(layout))", found: "\(shape)")
        }

        let r = try constant(node, input: 2, role: "R")
        let rDims = try r.checkedDims()
        guard rDims == [d, gates * hidden, hidden] else {
            throw .shapeMismatch(node: nodeName, expected: "R [\(d), \(gates * hidden), \(hidden)]", found: "\(rDims)")
        }
        var biases = [Float](repeating: 0, count: d * 2 * gates * hidden)
        if let b = try optionalConstant(node, input: 3, role: "B") {
            let bDims = try b.checkedDims()
            guard bDims == [d, 2 * gates * hidden] else {
                throw .shapeMismatch(node: nodeName, expected: "B [\(d), \(2 * gates * hidden)]", found: "\(bDims)")
            }
            biases = try b.floatValues()
        }
        if let lengths = node.input(4) {
            throw .unsupportedInput(
                node: nodeName, input: "sequence_lens",
                reason: "('\(lengths)') must be absent: Earshot streams one sequence of unbounded length")
        }
        try requireZeroInitialState(node, input: 5, role: "initial_h")
        var peepholes: [Float]?
        if kind == .lstm {
            try requireZeroInitialState(node, input: 6, role: "initial_c")
            if let p = try optionalConstant(node, input: 7, role: "P") {
                let pDims = try p.checkedDims()
                guard pDims == [d, 3 * hidden] else {
                    throw .shapeMismatch(node: nodeName, expected: "P [\(d), \(3 * hidden)]", found: "\(pDims)")
                }
                peepholes = try p.floatValues()
            }
        }
        let wAll = try w.floatValues()
        let rAll = try r.floatValues()

        // Layer and weights in internal order, one direction at a time.
        var description = LayerDescription(
            kind: kind, name: nodeName, inputSize: inputs, hiddenSize: hidden, gateClip: clip)
        if d == 2 { description.direction = .bidirectional }
        if kind == .lstm && peepholes != nil { description.hasPeepholes = true }
        if kind == .gru { description.resetAfter = resetAfter }
        if kind == .rnn { description.activation = activation }
        var weights = [TensorRole: [Float]]()
        let half = gates * hidden
        for direction in 0..<d {
            func slice(_ values: [Float], _ count: Int) -> [Float] {
                Array(values[(direction * count)..<((direction + 1) * count)])
            }
            func store(_ role: TensorRole, _ values: [Float]) {
                weights[direction == 0 ? role : role.reversed!] = values
            }
            let wValues = slice(wAll, half * inputs)
            let rValues = slice(rAll, half * hidden)
            let bValues = slice(biases, 2 * half)
            switch kind {
            case .lstm:
                store(.inputWeights, Self.reorderBlocks(wValues, blockSize: hidden * inputs, order: Self.lstmGateSource))
                store(.recurrentWeights, Self.reorderBlocks(rValues, blockSize: hidden * hidden, order: Self.lstmGateSource))
                var summed = [Float](repeating: 0, count: half)
                for index in 0..<half { summed[index] = bValues[index] + bValues[half + index] }
                store(.bias, Self.reorderBlocks(summed, blockSize: hidden, order: Self.lstmGateSource))
                if let peepholes {
                    store(.peepholes, Self.reorderBlocks(slice(peepholes, 3 * hidden), blockSize: hidden,
                                                         order: Self.lstmPeepholeSource))
                }
            case .gru:
                store(.inputWeights, wValues)
                store(.recurrentWeights, rValues)
                store(.inputBias, Array(bValues[0..<half]))
                store(.recurrentBias, Array(bValues[half..<(2 * half)]))
            default:
                store(.inputWeights, wValues)
                store(.recurrentWeights, rValues)
                var summed = [Float](repeating: 0, count: half)
                for index in 0..<half { summed[index] = bValues[index] + bValues[half + index] }
                store(.bias, summed)
            }
        }
        layers.append(LayerRecord(description: description, weights: weights))
        openDense = nil

        // Outputs: Y [T, 1, 1, H] (layout 1: [1, T, 1, H]) streams every step; Y_h [1, 1, H] is the last step.
        let yName = node.outputs.count > 0 ? node.outputs[0] : ""
        let hName = node.outputs.count > 1 ? node.outputs[1] : ""
        if kind == .lstm, node.outputs.count > 2, context.isUsed(node.outputs[2]) {
            throw .unsupportedOutput(
                node: nodeName, output: "Y_c",
                reason: "('\(node.outputs[2])') is used; Earshot streams only the hidden output of an LSTM")
        }
        let yUsed = context.isUsed(yName)
        let hUsed = context.isUsed(hName)
        if yUsed && hUsed {
            throw .graphNotAChain(reason: "both Y and Y_h of node '\(nodeName)' are used")
        }
        let feature = AxisRole.feature(hidden)
        let direction: AxisRole = d == 2 ? .feature(2) : .unit
        if d == 2 && hUsed && !yUsed {
            // Y_h [2, 1, H]: the forward state after the last step and the reverse one after the
            // first; merged like Y into one row [forward, reverse].
            layers[layers.count - 1].description.finalStatesOnly = true
            lastStepSelected = true
            try advance(node, output: 1, shape: SymbolicShape([direction, .unit, feature]))
            directionAxis = 0
            return
        }
        if yUsed {
            let yShape = layout == 0
                ? SymbolicShape([.time, direction, .unit, feature]) : SymbolicShape([.unit, .time, direction, feature])
            try advance(node, output: 0, shape: yShape)
            if d == 2 { directionAxis = layout == 0 ? 1 : 2 }
        } else if hUsed {
            lastStepSelected = true
            try advance(node, output: 1, shape: SymbolicShape([.unit, .unit, feature]))
        } else {
            throw .graphNotAChain(reason: "neither Y nor Y_h of node '\(nodeName)' is used")
        }
    }

    /// The simple RNN activation from `activations`; LSTM and GRU accept only their defaults.
    private func recurrentActivation(
        _ attribute: ONNXAttribute, kind: LayerKind, directions: Int
    ) throws(ConversionError) -> Activation {
        var names = attribute.stringList.map { $0.lowercased() }
        // Bidirectional: the list holds the forward functions then the reverse ones; both the same.
        if directions == 2, names.count % 2 == 0, names.count >= 2,
           Array(names[0..<(names.count / 2)]) == Array(names[(names.count / 2)...]) {
            names = Array(names[0..<(names.count / 2)])
        }
        switch kind {
        case .lstm where names == ["sigmoid", "tanh", "tanh"]: return .tanh
        case .gru where names == ["sigmoid", "tanh"]: return .tanh
        case .rnn where names == ["tanh"]: return .tanh
        case .rnn where names == ["relu"]: return .relu
        default:
            throw .unsupportedAttribute(node: nodeName, attribute: "activations", value: attribute.displayValue)
        }
    }

    /// initial_h / initial_c must be absent or a constant of zeros: the stream starts from zero state.
    private func requireZeroInitialState(_ node: ONNXNode, input index: Int, role: String) throws(ConversionError) {
        guard let tensor = try optionalConstant(node, input: index, role: role) else { return }
        guard try tensor.isAllZero() else {
            throw .unsupportedInput(
                node: nodeName, input: role,
                reason: "('\(tensor.name)') must be absent or all zeros: Earshot starts every stream from zero state")
        }
    }

    /// Concatenates blocks of `values` taken in `order` (block `order[k]` becomes block k).
    static func reorderBlocks(_ values: [Float], blockSize: Int, order: [Int]) -> [Float] {
        var result = [Float]()
        result.reserveCapacity(values.count)
        for source in order { result.append(contentsOf: values[(source * blockSize)..<((source + 1) * blockSize)]) }
        return result
    }
}

extension LayerKind {
    /// Gate blocks in the ONNX weights of this recurrent kind.
    fileprivate var gateCountForImport: Int {
        switch self {
        case .lstm: return 4
        case .gru: return 3
        default: return 1
        }
    }
}
