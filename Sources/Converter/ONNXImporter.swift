import Model

/// Imports an ONNX model (a sequential stack of recurrent and dense layers) into an Earshot
/// model description and fp32 weights in Earshot's internal layout.
///
/// The graph must be a single chain from its one input (`[T, 1, F]`, `[1, T, F]` or `[T, F]`, F fixed)
/// to its one output. Every value on the chain carries a symbolic shape with a role per axis
/// (time, unit, feature); layout operators only move unit axes around, so each step of the stream
/// is one feature vector. See `supportedOperators` for what can appear on the chain, and the
/// per-operator files (`ONNXImporter+Recurrent.swift`, `+Dense.swift`, `+Layout.swift`) for the
/// exact conditions.
public enum ONNXImporter {
    /// Operators that may appear in an imported graph.
    public static let supportedOperators = [
        "LSTM", "GRU", "RNN", "Conv", "MatMul", "Gemm", "Add", "Mul", "ReduceSum", "Relu", "Tanh", "Sigmoid", "Softmax",
        "Squeeze", "Unsqueeze", "Reshape", "Transpose", "Flatten", "Slice", "Gather", "Identity", "Constant",
    ]

    /// Decodes and converts an ONNX model.
    ///
    /// - Parameter bytes: the contents of a `.onnx` file (a serialized ModelProto).
    /// - Returns: the description (layers named after the ONNX nodes, `metadata["source"] = "onnx"`)
    ///   and one float32 tensor per required tensor role of each layer.
    /// - Throws: `ConversionError` for malformed protobuf, an unsupported operator, attribute or
    ///   graph structure, missing or non-finite weights, or shapes that do not chain.
    public static func importModel(bytes: [UInt8]) throws(ConversionError) -> ImportedModel {
        let model = try ONNXModel(bytes: bytes)
        guard let graph = model.graph else { throw .missingGraph }
        guard let opset = model.defaultOpset else { throw .missingOpset }
        // Silero VAD's graph (three inputs, state plumbing) has its own structural importer.
        if SileroImporter.recognizes(graph) { return try SileroImporter.importModel(graph: graph, model: model) }
        let context = try GraphContext(graph: graph, opset: opset)

        // For a rank-3 input, which of the two leading axes is time is decided by trying both
        // readings (in order of plausibility) and keeping the first that converts.
        var firstError: ConversionError?
        for inputShape in try context.inputShapeHypotheses() {
            var walk = ChainWalk(context: context, inputShape: inputShape)
            do throws(ConversionError) {
                try walk.run()
                return try walk.makeImportedModel(model: model)
            } catch {
                if firstError == nil { firstError = error }
            }
        }
        throw firstError ?? .emptyNetwork
    }
}

// MARK: - Graph context

/// The graph indexed for the walk: constants, producers and consumers of every value.
struct GraphContext {
    let graph: ONNXGraph
    let opset: Int64
    /// Non-Constant nodes, in file order.
    let nodes: [ONNXNode]
    /// Display names of `nodes` (the ONNX name, or `<op>_<index>` when empty).
    let nodeNames: [String]
    /// Initializers and Constant-node outputs by value name.
    let constants: [String: ONNXTensor]
    /// Index into `nodes` of the node producing each value.
    let producers: [String: Int]
    /// Indices into `nodes` of the nodes reading each value (each node once).
    let consumers: [String: [Int]]
    let input: ONNXValueInfo
    let outputName: String

    init(graph: ONNXGraph, opset: Int64) throws(ConversionError) {
        self.graph = graph
        self.opset = opset
        var constants = [String: ONNXTensor]()
        for tensor in graph.initializers { constants[tensor.name] = tensor }
        var nodes = [ONNXNode]()
        var nodeNames = [String]()
        for (index, node) in graph.nodes.enumerated() {
            let name = node.name.isEmpty ? "\(node.opType)_\(index)" : node.name
            if node.opType == "Constant" && (node.domain.isEmpty || node.domain == "ai.onnx") {
                guard node.outputs.count == 1, !node.outputs[0].isEmpty else {
                    throw .graphNotAChain(reason: "Constant node '\(name)' must have exactly one output")
                }
                var tensor = try Self.constantTensor(node: node, name: name)
                tensor.name = node.outputs[0]
                constants[node.outputs[0]] = tensor
            } else {
                nodes.append(node)
                nodeNames.append(name)
            }
        }
        var producers = [String: Int]()
        var consumers = [String: [Int]]()
        for (index, node) in nodes.enumerated() {
            for output in node.outputs where !output.isEmpty {
                if producers[output] != nil || constants[output] != nil {
                    throw .graphNotAChain(reason: "value '\(output)' is produced more than once")
                }
                producers[output] = index
            }
            for input in node.inputs where !input.isEmpty && constants[input] == nil {
                if consumers[input]?.last != index { consumers[input, default: []].append(index) }
            }
        }
        self.nodes = nodes
        self.nodeNames = nodeNames
        self.constants = constants
        self.producers = producers
        self.consumers = consumers

        let inputs = graph.inputs.filter { constants[$0.name] == nil }
        guard inputs.count == 1, graph.outputs.count == 1 else {
            throw .unsupportedGraphInterface(inputs: inputs.map(\.name), outputs: graph.outputs.map(\.name))
        }
        self.input = inputs[0]
        self.outputName = graph.outputs[0].name
    }

    /// The tensor a Constant node defines (attribute value, value_float(s) or value_int(s)).
    private static func constantTensor(node: ONNXNode, name: String) throws(ConversionError) -> ONNXTensor {
        guard let attribute = node.attributes.first else {
            throw .unsupportedAttribute(node: name, attribute: "value", value: "missing")
        }
        var tensor = ONNXTensor()
        switch attribute.name {
        case "value":
            guard let value = attribute.t else {
                throw .unsupportedAttribute(node: name, attribute: "value", value: attribute.displayValue)
            }
            tensor = value
        case "value_float":
            tensor.dataType = ONNXDataType.float
            tensor.floatData = [attribute.f]
        case "value_floats":
            tensor.dataType = ONNXDataType.float
            tensor.dims = [Int64(attribute.floats.count)]
            tensor.floatData = attribute.floats
        case "value_int":
            tensor.dataType = ONNXDataType.int64
            tensor.int64Data = [attribute.i]
        case "value_ints":
            tensor.dataType = ONNXDataType.int64
            tensor.dims = [Int64(attribute.ints.count)]
            tensor.int64Data = attribute.ints
        default:
            throw .unsupportedAttribute(node: name, attribute: attribute.name, value: attribute.displayValue)
        }
        return tensor
    }

    /// Candidate symbolic shapes of the graph input, most plausible first.
    func inputShapeHypotheses() throws(ConversionError) -> [SymbolicShape] {
        guard input.elementType == 0 || input.elementType == ONNXDataType.float else {
            throw .unsupportedGraphInput(
                name: input.name,
                reason: "element type \(ONNXDataType.name(Int(input.elementType))); Earshot streams float32 features")
        }
        guard let dims = input.shape else {
            throw .unsupportedGraphInput(name: input.name, reason: "has no shape; Earshot needs [T, 1, F], [1, T, F] or [T, F]")
        }
        if dims.count == 4, let frames = convolutionWindow(), case let .value(features) = dims[3] {
            // [1, 1, T, F]: the window image of a convolutional model.
            _ = frames
            return [SymbolicShape([.unit, .unit, .time, .feature(Int(features))])]
        }
        guard dims.count == 2 || dims.count == 3 else {
            throw .unsupportedGraphInput(
                name: input.name, reason: "has rank \(dims.count); Earshot needs [T, 1, F], [1, T, F] or [T, F]")
        }
        guard case let .value(features) = dims[dims.count - 1], features >= 1, features <= Int64(Int32.max) else {
            throw .unsupportedGraphInput(name: input.name, reason: "the feature (last) dimension must be a fixed number")
        }
        let feature = AxisRole.feature(Int(features))
        if dims.count == 2 { return [SymbolicShape([.time, feature])] }
        let timeFirst = SymbolicShape([.time, .unit, feature])
        let batchFirst = SymbolicShape([.unit, .time, feature])
        func couldBeBatch(_ dim: ONNXDimension) -> Bool {
            if case let .value(size) = dim { return size == 1 }
            return true
        }
        if !couldBeBatch(dims[1]) && couldBeBatch(dims[0]) { return [batchFirst, timeFirst] }
        return [timeFirst, batchFirst]
    }

    /// Whether `name` is used by a node or is the graph output.
    func isUsed(_ name: String) -> Bool {
        !name.isEmpty && (name == outputName || !(consumers[name] ?? []).isEmpty)
    }
}

// MARK: - Chain walk

/// A layer being built; dense layers stay open for bias and activation fusion.
struct LayerRecord {
    var description: LayerDescription
    var weights: [TensorRole: [Float]]
}

/// Walks the chain from the graph input to the graph output, building layers.
struct ChainWalk {
    let context: GraphContext
    /// The value on the chain and its shape.
    var current: String
    var shape: SymbolicShape
    let inputSize: Int
    var layers: [LayerRecord] = []
    /// Index of the last layer when it is a dense layer that a following Add/activation may extend.
    var openDense: Int?
    /// After a Conv, until a Reshape flattens its rows: the axis holding its channels.
    var convolutionChannelAxis: Int?
    /// The window T of a model that starts with a Conv.
    var convolutionWindow: Int?
    /// The Conv's output rows T' (the fixed length of the time axis after it).
    var convolutionRows: Int?
    /// After a 1-D Conv, until a node other than a layout operator: a Relu fuses into it.
    var convolution1DOpen = false
    /// After a bidirectional recurrent node, until a Reshape merges the directions into each
    /// step's vector: the axis holding the two directions.
    var directionAxis: Int?
    /// Set once a Slice/Gather/Y_h selected the last time step.
    var lastStepSelected = false
    /// Node currently being converted, for error messages.
    var nodeName = ""
    var opset: Int64 { context.opset }

    /// The graph input's time length when it is a fixed number (the window of a windowed model).
    let inputTimeFrames: Int?

    init(context: GraphContext, inputShape: SymbolicShape) {
        self.context = context
        self.current = context.input.name
        self.shape = inputShape
        self.inputSize = inputShape.featureSize
        var frames: Int? = nil
        if let time = inputShape.timeAxis, let dims = context.input.shape, time < dims.count,
           case let .value(value) = dims[time], value >= 1, value <= Int64(ExecutionMode.maxWindowFrames) {
            frames = Int(value)
        }
        self.inputTimeFrames = frames
    }

    mutating func run() throws(ConversionError) {
        var visited = [Bool](repeating: false, count: context.nodes.count)
        while current != context.outputName {
            let consumers = context.consumers[current] ?? []
            guard !consumers.isEmpty else {
                throw .graphNotAChain(
                    reason: "value '\(current)' feeds no node and is not the graph output '\(context.outputName)'")
            }
            for index in consumers where !Self.isSupported(context.nodes[index]) {
                let node = context.nodes[index]
                let op = node.domain.isEmpty || node.domain == "ai.onnx" ? node.opType : "\(node.domain).\(node.opType)"
                throw .unsupportedOperator(node: context.nodeNames[index], op: op)
            }
            if consumers.count == 2, let used = try convertAttention(consumers) {
                for index in used {
                    guard !visited[index] else {
                        throw .graphNotAChain(reason: "node '\(context.nodeNames[index])' is reached twice")
                    }
                    visited[index] = true
                }
                continue
            }
            guard consumers.count == 1 else {
                let names = consumers.map { "'\(context.nodeNames[$0])'" }.joined(separator: ", ")
                throw .graphNotAChain(reason: "value '\(current)' feeds \(consumers.count) nodes (\(names))")
            }
            let index = consumers[0]
            guard !visited[index] else {
                throw .graphNotAChain(reason: "node '\(context.nodeNames[index])' is reached twice")
            }
            visited[index] = true
            nodeName = context.nodeNames[index]
            try convert(context.nodes[index])
        }
        if let readers = context.consumers[current], !readers.isEmpty {
            throw .graphNotAChain(
                reason: "the graph output '\(current)' also feeds node '\(context.nodeNames[readers[0]])'")
        }
        for (index, seen) in visited.enumerated() where !seen {
            let node = context.nodes[index]
            if !Self.isSupported(node) { throw .unsupportedOperator(node: context.nodeNames[index], op: node.opType) }
            throw .graphNotAChain(
                reason: "node '\(context.nodeNames[index])' (\(node.opType)) is not on the path from the input to the output")
        }
        guard !layers.isEmpty else { throw .emptyNetwork }
        if let time = shape.timeAxis, let feature = shape.featureAxis, feature < time {
            throw .shapeMismatch(node: current, expected: "the time axis before the feature axis", found: "\(shape)")
        }
    }

    static func isSupported(_ node: ONNXNode) -> Bool {
        (node.domain.isEmpty || node.domain == "ai.onnx") && ONNXImporter.supportedOperators.contains(node.opType)
    }

    private mutating func convert(_ node: ONNXNode) throws(ConversionError) {
        if convolution1DOpen {
            if node.opType == "Relu" {
                try fuseConvolutionRelu(node)
                return
            }
            if !["Transpose", "Reshape", "Identity", "Squeeze", "Unsqueeze"].contains(node.opType) { convolution1DOpen = false }
        }
        if let axis = directionAxis {
            guard ["Transpose", "Reshape", "Identity"].contains(node.opType) else {
                throw .unsupportedPlacement(
                    node: nodeName, op: node.opType,
                    reason: "after a bidirectional layer, Earshot expects Transpose and a Reshape that merge its "
                        + "[2, H] directions into one row of 2H per time step ([forward, reverse])")
            }
            if node.opType == "Reshape" {
                let hidden = shape.axes.indices.last { if case .feature = shape.axes[$0] { return true } else { return false } }
                guard let hidden, hidden > axis else {
                    throw .unsupportedPlacement(
                        node: nodeName, op: "Reshape",
                        reason: "must merge the directions axis before the hidden axis (rows [forward, reverse]); found \(shape)")
                }
                directionAxis = nil
            }
        }
        if convolutionChannelAxis != nil {
            guard Self.betweenConvolutionAndRows.contains(node.opType) else {
                throw .unsupportedPlacement(
                    node: nodeName, op: node.opType,
                    reason: "after a Conv, Earshot expects Relu, Transpose and a Reshape that makes one row per time step")
            }
            if node.opType == "Relu" {
                try fuseConvolutionRelu(node)
                return
            }
            if node.opType == "Reshape" { noteConvolutionRows() }
        }
        switch node.opType {
        case "Conv": try convertConv(node)
        case "Mul", "ReduceSum":
            throw .unsupportedPlacement(
                node: nodeName, op: node.opType,
                reason: "Earshot reads \(node.opType) only inside attention pooling (MatMul, Add, Tanh, MatMul, Softmax over time, Mul, ReduceSum over time)")
        case "Identity":
            try requireStreamInput(node, at: 0)
            try advance(node, output: 0, shape: shape)
        case "Transpose": try convertTranspose(node)
        case "Squeeze": try convertSqueeze(node)
        case "Unsqueeze": try convertUnsqueeze(node)
        case "Reshape": try convertReshape(node)
        case "Flatten": try convertFlatten(node)
        case "Slice": try convertSlice(node)
        case "Gather": try convertGather(node)
        case "MatMul": try convertMatMul(node)
        case "Gemm": try convertGemm(node)
        case "Add": try convertAdd(node)
        case "Relu": try convertActivation(node, .relu)
        case "Tanh": try convertActivation(node, .tanh)
        case "Sigmoid": try convertActivation(node, .sigmoid)
        case "Softmax": try convertSoftmax(node)
        case "LSTM": try convertRecurrent(node, kind: .lstm)
        case "GRU": try convertRecurrent(node, kind: .gru)
        case "RNN": try convertRecurrent(node, kind: .rnn)
        default: throw .unsupportedOperator(node: nodeName, op: node.opType)
        }
    }

    // MARK: - Helpers shared by the operator files

    /// Checks that the streamed value enters `node` at input `position` and nowhere else.
    func requireStreamInput(_ node: ONNXNode, at position: Int) throws(ConversionError) {
        for (index, input) in node.inputs.enumerated() where input == current && index != position {
            throw .unsupportedInput(
                node: nodeName, input: input,
                reason: "is the streamed value, which Earshot can only feed into input #\(position) of \(node.opType)")
        }
        guard position < node.inputs.count, node.inputs[position] == current else {
            throw .unsupportedInput(node: nodeName, input: current, reason: "must be input #\(position) of \(node.opType)")
        }
    }

    /// Moves the chain to the node's output `index` with `newShape`. Other outputs must be unused.
    mutating func advance(_ node: ONNXNode, output index: Int, shape newShape: SymbolicShape) throws(ConversionError) {
        guard index < node.outputs.count, !node.outputs[index].isEmpty else {
            throw .graphNotAChain(reason: "node '\(nodeName)' has no output #\(index)")
        }
        for (other, name) in node.outputs.enumerated() where other != index && context.isUsed(name) {
            throw .unsupportedOutput(node: nodeName, output: name, reason: "is used, but Earshot only follows output #\(index)")
        }
        current = node.outputs[index]
        shape = newShape
    }

    /// The constant tensor at input `index`, or nil when the input is omitted.
    func optionalConstant(_ node: ONNXNode, input index: Int, role: String) throws(ConversionError) -> ONNXTensor? {
        guard let name = node.input(index) else { return nil }
        if let tensor = context.constants[name] { return tensor }
        if context.producers[name] != nil || name == context.input.name {
            throw .unsupportedInput(
                node: nodeName, input: role,
                reason: "('\(name)') must be a constant (initializer or Constant node), but it is computed by the graph")
        }
        throw .missingInitializer(node: nodeName, input: name)
    }

    /// The constant tensor at input `index`; throws when it is omitted.
    func constant(_ node: ONNXNode, input index: Int, role: String) throws(ConversionError) -> ONNXTensor {
        guard let tensor = try optionalConstant(node, input: index, role: role) else {
            throw .missingInitializer(node: nodeName, input: role)
        }
        return tensor
    }

    func intAttribute(_ node: ONNXNode, _ name: String, default value: Int64) -> Int64 {
        node.attribute(name)?.i ?? value
    }

    func floatAttribute(_ node: ONNXNode, _ name: String, default value: Float) -> Float {
        node.attribute(name)?.f ?? value
    }

    /// An axis in [-rank, rank) normalized to [0, rank).
    func normalizedAxis(_ axis: Int64, rank: Int, attribute: String) throws(ConversionError) -> Int {
        guard axis >= -Int64(rank), axis < Int64(rank) else {
            throw .unsupportedAttribute(node: nodeName, attribute: attribute, value: "\(axis) (rank \(rank))")
        }
        return axis < 0 ? Int(axis) + rank : Int(axis)
    }

    /// Integer list given as an attribute (opsets before `inputSince`) or as a constant input.
    func intList(
        _ node: ONNXNode, attribute: String, input index: Int, inputSince: Int64
    ) throws(ConversionError) -> [Int64]? {
        if opset >= inputSince, let tensor = try optionalConstant(node, input: index, role: attribute) {
            return try tensor.intValues()
        }
        if let value = node.attribute(attribute) { return value.ints }
        return nil
    }

    // MARK: - Result

    func makeImportedModel(model: ONNXModel) throws(ConversionError) -> ImportedModel {
        var descriptions = [LayerDescription]()
        var tensors = [TensorData]()
        for (index, layer) in layers.enumerated() {
            descriptions.append(layer.description)
            for (role, tensorShape) in layer.description.requiredTensors {
                let name = role.tensorName(layer: index)
                let values = layer.weights[role] ?? []
                var count = 1
                for dim in tensorShape { count *= dim }
                guard values.count == count else {
                    throw .shapeMismatch(node: layer.description.name, expected: "\(count) values for \(name)",
                                         found: "\(values.count)")
                }
                for value in values where !value.isFinite {
                    throw .nonFiniteWeights(tensor: "\(name) (layer '\(layer.description.name)')")
                }
                tensors.append(TensorData(name: name, shape: tensorShape, floats: values))
            }
        }
        var metadata: [String: MetadataValue] = ["source": .string("onnx"), "onnx.opset": .int(opset)]
        if model.irVersion != 0 { metadata["onnx.ir_version"] = .int(model.irVersion) }
        if !model.producerName.isEmpty { metadata["onnx.producer_name"] = .string(model.producerName) }
        if !model.producerVersion.isEmpty { metadata["onnx.producer_version"] = .string(model.producerVersion) }
        // A Conv makes a windowed model: one run over the T-frame window, its last step the prediction.
        // So does a bidirectional or attention layer, over the input's fixed time length when it
        // has one (else `convert --window-frames` must say; the writer refuses it otherwise).
        var windowed = descriptions.first?.kind == .conv2d ? convolutionWindow : nil
        if let layer = descriptions.first(where: { $0.needsWholeWindow }) {
            guard lastStepSelected else {
                throw .unsupportedPlacement(
                    node: layer.name, op: layer.kind == .attention ? "attention" : "bidirectional \(layer.kind.rawValue)",
                    reason: "runs over whole windows, so the graph output must be one vector per window: "
                        + "the last time step (Slice/Gather) or attention pooling")
            }
            if windowed == nil { windowed = inputTimeFrames }
        }
        let description = ModelDescription(
            inputSize: inputSize, layers: descriptions,
            outputMode: lastStepSelected || windowed != nil ? .lastStep : .everyStep, metadata: metadata,
            execution: windowed.map { .windowed(frames: $0, hop: $0) } ?? .streaming)
        return ImportedModel(description: description, tensors: tensors)
    }
}
