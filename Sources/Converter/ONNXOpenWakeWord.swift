import Model

/// Reads openWakeWord's ONNX networks: the mel-spectrogram graph (a fixed pattern whose constants
/// are read out) and chains of Conv, LeakyRelu, Max, MaxPool, Gemm/MatMul, layer norm, Relu and
/// Sigmoid (the embedding CNN and heads).
struct ONNXOpenWakeWord {
    let graph: ONNXGraph
    var constants: [String: ONNXTensor] = [:]
    /// Value name -> the nodes that read it.
    var consumers: [String: [Int]] = [:]

    init(bytes: [UInt8]) throws(ConversionError) {
        let model = try ONNXModel(bytes: bytes)
        guard let graph = model.graph else { throw .missingGraph }
        self.graph = graph
        for tensor in graph.initializers { constants[tensor.name] = tensor }
        for (index, node) in graph.nodes.enumerated() {
            if node.opType == "Constant", let value = node.attribute("value")?.t, let name = node.outputs.first {
                var tensor = value
                tensor.name = name
                constants[name] = tensor
            }
            for input in node.inputs where !input.isEmpty { consumers[input, default: []].append(index) }
        }
    }

    func floats(_ node: ONNXNode, _ index: Int, _ role: String) throws(ConversionError) -> [Float] {
        guard let name = node.input(index), let tensor = constants[name] else {
            throw .missingInitializer(node: node.name, input: node.input(index) ?? role)
        }
        let values = try tensor.floatValues()
        guard !values.contains(where: \.isNaN) else { throw .nonFiniteWeights(tensor: name) }
        return values
    }

    func scalar(_ node: ONNXNode, _ index: Int, _ role: String) throws(ConversionError) -> Float {
        let values = try floats(node, index, role)
        guard values.count == 1 else { throw .shapeMismatch(node: node.name, expected: "one \(role) value", found: "\(values.count)") }
        return values[0]
    }

    /// A one-value float constant that may be ±infinity (a Clip bound), NaN refused.
    func bound(_ node: ONNXNode, _ index: Int, _ role: String) throws(ConversionError) -> Float {
        guard let name = node.input(index), let tensor = constants[name] else {
            throw .missingInitializer(node: node.name, input: node.input(index) ?? role)
        }
        let value: Float
        if let raw = tensor.rawData, raw.count == 4, tensor.dataType == 1 {
            value = Float(bitPattern: UInt32(raw[0]) | UInt32(raw[1]) << 8 | UInt32(raw[2]) << 16 | UInt32(raw[3]) << 24)
        } else if tensor.rawData == nil, tensor.floatData.count == 1 {
            value = tensor.floatData[0]
        } else {
            return try scalar(node, index, role)
        }
        guard !value.isNaN else { throw .nonFiniteWeights(tensor: name) }
        return value
    }

    func dims(_ node: ONNXNode, _ index: Int) -> [Int] {
        guard let name = node.input(index), let tensor = constants[name] else { return [] }
        return tensor.dims.map { Int($0) }
    }

    func ints(_ node: ONNXNode, _ name: String) -> [Int] { (node.attribute(name)?.ints ?? []).map { Int($0) } }

    /// The one node reading `value` (other than Constant-like side reads), or nil.
    func onlyConsumer(of value: String) -> ONNXNode? {
        guard let list = consumers[value], list.count == 1 else { return nil }
        return graph.nodes[list[0]]
    }

    // MARK: mel network

    func melNetwork() throws(ConversionError) -> OpenWakeWordMel {
        let allowed: Set = ["Constant", "Unsqueeze", "Conv", "Transpose", "Pow", "Mul", "Add", "MatMul", "Clip", "Log", "Div", "Sub", "ReduceMax", "Cast"]
        for node in graph.nodes where !allowed.contains(node.opType) {
            throw .unsupportedOperator(node: node.name, op: node.opType)
        }
        let convs = graph.nodes.filter { $0.opType == "Conv" }
        guard convs.count == 2 else { throw .graphNotAChain(reason: "a mel-spectrogram network has two Conv nodes (real and imaginary DFT), found \(convs.count)") }
        var bases = [[Float]]()
        var frame = 0, hop = 0, bins = 0
        for conv in convs {
            let shape = dims(conv, 1)
            guard shape.count == 3, shape[1] == 1, conv.input(2) == nil else {
                throw .unsupportedInput(node: conv.name, input: conv.input(1) ?? "weights", reason: "expected [bins, 1, frame] weights and no bias, found \(shape)")
            }
            let strides = ints(conv, "strides")
            guard strides.count == 1, ints(conv, "pads").allSatisfy({ $0 == 0 }), ints(conv, "dilations").allSatisfy({ $0 == 1 }) else {
                throw .unsupportedAttribute(node: conv.name, attribute: "strides/pads/dilations", value: "\(strides), \(ints(conv, "pads"))")
            }
            if bases.isEmpty { (bins, frame, hop) = (shape[0], shape[2], strides[0]) }
            guard (bins, frame, hop) == (shape[0], shape[2], strides[0]) else {
                throw .shapeMismatch(node: conv.name, expected: "\(bins) bins of \(frame) hop \(hop)", found: "\(shape), hop \(strides[0])")
            }
            bases.append(try floats(conv, 1, "DFT basis"))
        }
        guard let matmul = graph.nodes.first(where: { $0.opType == "MatMul" }) else { throw .graphNotAChain(reason: "no MatMul (mel filters)") }
        let filterShape = dims(matmul, 1)
        guard filterShape.count == 2, filterShape[0] == bins else {
            throw .shapeMismatch(node: matmul.name, expected: "[\(bins), mels] filters", found: "\(filterShape)")
        }
        let mels = filterShape[1]
        let filters = try floats(matmul, 1, "mel filters")
        var transposed = [Float](repeating: 0, count: mels * bins)
        for b in 0..<bins { for m in 0..<mels { transposed[m * bins + b] = filters[b * mels + m] } }

        // After the MatMul: Clip(floor, ceiling), Log, then Mul/Div/Sub by constants, then the top-dB floor.
        guard let clip = onlyConsumer(of: matmul.outputs.first ?? ""), clip.opType == "Clip" else {
            throw .graphNotAChain(reason: "the mel filters' MatMul must feed one Clip")
        }
        let floor = try bound(clip, 1, "Clip min")
        let ceiling = clip.input(2) != nil ? try bound(clip, 2, "Clip max") : Float.infinity
        guard let log = onlyConsumer(of: clip.outputs.first ?? ""), log.opType == "Log" else { throw .graphNotAChain(reason: "the power Clip must feed a Log") }
        var value = log.outputs.first ?? ""
        var multiplier: Float = 1, divisor: Float = 1, divides = true, offset: Float = 0
        var steps = 0
        while let next = onlyConsumer(of: value) {
            switch next.opType {
            case "Mul" where steps == 0: multiplier = try scalar(next, 1, "dB multiplier")
            case "Div" where steps == 1: divisor = try scalar(next, 1, "dB divisor")
            case "Sub" where steps == 2: offset = try scalar(next, 1, "dB offset")
            default: throw .unsupportedPlacement(node: next.name, op: next.opType, reason: "the mel network's dB scaling is Log, Mul, Div, Sub")
            }
            steps += 1
            value = next.outputs.first ?? ""
        }
        let readers = (consumers[value] ?? []).map { graph.nodes[$0] }
        guard steps == 3, readers.count == 2, let reduce = readers.first(where: { $0.opType == "ReduceMax" }),
              let final = readers.first(where: { $0.opType == "Clip" }), final.input(0) == value,
              graph.outputs.first?.name == final.outputs.first,
              let sub = onlyConsumer(of: reduce.outputs.first ?? ""), sub.opType == "Sub" else {
            throw .graphNotAChain(reason: "the dB values must feed ReduceMax -> Sub(top dB) -> Clip min of the output Clip")
        }
        let topDB = try scalar(sub, 1, "top dB")
        let dbCeiling = final.input(2) != nil ? try bound(final, 2, "Clip max") : Float.infinity
        return OpenWakeWordMel(
            frameLength: frame, hop: hop, bins: bins, mels: mels, dftReal: bases[0], dftImaginary: bases[1],
            biasReal: [Float](repeating: 0, count: bins), biasImaginary: [Float](repeating: 0, count: bins), filters: transposed,
            powerFloor: floor, powerCeiling: ceiling, logMultiplier: multiplier, logDivisor: divisor, divides: divides,
            dbOffset: offset, dbCeiling: dbCeiling, topDB: topDB)
    }
}
