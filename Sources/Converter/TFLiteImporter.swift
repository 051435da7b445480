import Model

/// Imports int8 streaming TFLite models (the microWakeWord family) into a `QuantizedGraph`.
///
/// The graph keeps TFLite's tensors and order of operations; everything TFLite derives from float
/// scales when it prepares a kernel (fixed-point multipliers and shifts, activation ranges, the
/// LOGISTIC table) is computed here, the way TFLite computes it, so the runtime is integer-only.
public enum TFLiteImporter {
    /// Which TFLite kernels to reproduce: the ones the TFLite library runs by default (its optimized
    /// kernels, as in pymicro-wakeword's `libtensorflowlite_c`), or the reference kernels (as TFLite
    /// Micro on a microcontroller).
    public enum Kernels: String, Sendable, CaseIterable {
        case optimized, reference
    }

    /// Converts a `.tflite` file's bytes. `manifest` is the microWakeWord JSON beside it, if any.
    public static func importModel(bytes: [UInt8], manifest: MicroManifest?, kernels: Kernels = .optimized) throws(TFLiteError) -> QuantizedGraph {
        let model = try TFLiteModel(bytes: bytes)
        var builder = TFLiteGraphBuilder(model: model, kernels: kernels)
        try builder.readInitialValues()
        try builder.build()
        let graph = try builder.finish(manifest: manifest)
        do {
            try graph.validate()
        } catch {
            throw .unsupportedAttribute(op: "graph", tensor: "-", reason: "the imported graph is inconsistent: \(error)")
        }
        return graph
    }
}

/// Walks the main subgraph, mapping tensors and variables and lowering each operator.
struct TFLiteGraphBuilder {
    let model: TFLiteModel
    let kernels: TFLiteImporter.Kernels
    var graph: TFLiteSubgraph { model.subgraphs[0] }
    /// TFLite tensor index -> Earshot tensor index.
    var tensorMap: [Int: Int] = [:]
    var tensorSizes: [Int] = []
    /// Variable shared_name -> index; initial values from the CALL_ONCE subgraph.
    var variableIndex: [String: Int] = [:]
    var variableSizes: [Int] = []
    var initialValues: [String: [Int8]] = [:]
    /// Resource (handle) tensor -> variable index.
    var handles: [Int: Int] = [:]
    var operations: [QuantizedOperation] = []

    init(model: TFLiteModel, kernels: TFLiteImporter.Kernels) {
        self.model = model
        self.kernels = kernels
    }

    // MARK: variables

    /// VAR_HANDLE's shared_name (the key tying a variable across subgraphs).
    func sharedName(_ op: TFLiteOperator, in sub: TFLiteSubgraph) throws(TFLiteError) -> String {
        guard let options = op.options, let output = op.outputs.first else {
            throw .unsupportedAttribute(op: "VAR_HANDLE", tensor: "-", reason: "no options or output")
        }
        let container = try model.reader.string(options, 0, "VAR_HANDLE container") ?? ""
        let name = try model.reader.string(options, 1, "VAR_HANDLE shared_name") ?? sub.tensors[output].name
        return container + "/" + name
    }

    /// Runs the CALL_ONCE init subgraphs symbolically: they assign constants to variables.
    mutating func readInitialValues() throws(TFLiteError) {
        for op in graph.operators where op.code == TFLiteBuiltin.callOnce.rawValue {
            guard let options = op.options else { throw .unsupportedAttribute(op: "CALL_ONCE", tensor: "-", reason: "no options") }
            let index = Int(try model.reader.scalarI32(options, 0, default: -1, "CALL_ONCE init_subgraph_index"))
            guard index >= 1, index < model.subgraphs.count else {
                throw .badIndex(what: "CALL_ONCE init subgraph", index: index, count: model.subgraphs.count)
            }
            let sub = model.subgraphs[index]
            var names: [Int: String] = [:]
            for (i, initOp) in sub.operators.enumerated() {
                switch TFLiteBuiltin(rawValue: initOp.code) {
                case .varHandle:
                    // sharedName checks that the operator has an output (a fuzzed file may have none).
                    let name = try sharedName(initOp, in: sub)
                    names[initOp.outputs[0]] = name
                case .assignVariable:
                    guard initOp.inputs.count == 2, initOp.inputs[0] >= 0, initOp.inputs[1] >= 0,
                          let name = names[initOp.inputs[0]] else {
                        throw .unsupportedAttribute(op: "ASSIGN_VARIABLE", tensor: "-", reason: "init subgraph \(index) assigns to an unknown handle")
                    }
                    let value = sub.tensors[initOp.inputs[1]]
                    guard value.type == TFLiteTensorType.int8.rawValue else {
                        throw .unsupportedTensorType(tensor: value.name, type: Int(value.type))
                    }
                    let data = model.data(value)
                    let count = value.shape.reduce(1, *)
                    guard data.count == count else {
                        throw .unsupportedAttribute(op: "ASSIGN_VARIABLE", tensor: value.name,
                                                    reason: "init value has \(data.count) bytes for \(count) elements")
                    }
                    initialValues[name] = data.map { Int8(bitPattern: $0) }
                default:
                    let out = initOp.outputs.first.map { sub.tensors[$0].name } ?? "-"
                    throw .unsupportedOperator(index: i, op: "\(Self.opName(initOp.code)) in init subgraph \(index)", tensor: out)
                }
            }
        }
    }

    mutating func variable(handle: Int, size: Int, op: String) throws(TFLiteError) -> Int {
        guard let index = handles[handle] else {
            throw .unsupportedAttribute(op: op, tensor: graph.tensors[handle].name, reason: "resource not made by VAR_HANDLE")
        }
        if variableSizes[index] == 0 { variableSizes[index] = size }
        guard variableSizes[index] == size else {
            throw .unsupportedAttribute(op: op, tensor: graph.tensors[handle].name,
                                        reason: "variable used with \(size) bytes and \(variableSizes[index]) bytes")
        }
        return index
    }

    // MARK: tensors

    static func opName(_ code: Int32) -> String {
        TFLiteBuiltin(rawValue: code)?.name ?? "builtin operator \(code)"
    }

    func tensor(_ index: Int, _ op: String) throws(TFLiteError) -> TFLiteTensor {
        guard index >= 0, index < graph.tensors.count else {
            throw .badIndex(what: "\(op) tensor", index: index, count: graph.tensors.count)
        }
        return graph.tensors[index]
    }

    func elementCount(_ t: TFLiteTensor) -> Int { t.shape.reduce(1, *) }

    /// The Earshot tensor for an int8/uint8 activation, created on first use.
    mutating func activation(_ index: Int, _ op: String) throws(TFLiteError) -> Int {
        if let mapped = tensorMap[index] { return mapped }
        let t = try tensor(index, op)
        guard t.type == TFLiteTensorType.int8.rawValue || t.type == TFLiteTensorType.uint8.rawValue else {
            throw .unsupportedTensorType(tensor: t.name, type: Int(t.type))
        }
        let count = elementCount(t)
        guard count >= 1 else { throw .unsupportedAttribute(op: op, tensor: t.name, reason: "empty shape \(t.shape)") }
        guard model.data(t).isEmpty else {
            throw .unsupportedAttribute(op: op, tensor: t.name, reason: "a constant where an activation is expected")
        }
        tensorMap[index] = tensorSizes.count
        tensorSizes.append(count)
        return tensorSizes.count - 1
    }

    /// Scale and zero point of a per-tensor quantized tensor.
    func quantization(_ t: TFLiteTensor, _ op: String) throws(TFLiteError) -> (scale: Float, zeroPoint: Int32) {
        let q = t.quantization
        guard q.scales.count == 1, let scale = q.scales.first, scale.isFinite, scale > 0 else {
            throw .unsupportedAttribute(op: op, tensor: t.name, reason: "needs one positive scale, has \(q.scales)")
        }
        let zero = q.zeroPoints.first ?? 0
        let range: ClosedRange<Int64> = t.type == TFLiteTensorType.uint8.rawValue ? 0...255 : -128...127
        guard range.contains(zero) else { throw .unsupportedAttribute(op: op, tensor: t.name, reason: "zero point \(zero)") }
        return (scale, Int32(zero))
    }

    /// A constant int32 vector (slice bounds, split sizes, axes).
    func constantInts(_ index: Int, _ op: String) throws(TFLiteError) -> [Int] {
        let t = try tensor(index, op)
        guard t.type == TFLiteTensorType.int32.rawValue else { throw .unsupportedTensorType(tensor: t.name, type: Int(t.type)) }
        let data = model.data(t)
        guard data.count == 4 * elementCount(t), !data.isEmpty else {
            throw .unsupportedAttribute(op: op, tensor: t.name, reason: "must be a constant int32 tensor")
        }
        let base = data.startIndex
        return (0..<(data.count / 4)).map { i in
            Int(Int32(bitPattern: UInt32(data[base + 4 * i]) | UInt32(data[base + 4 * i + 1]) << 8
                | UInt32(data[base + 4 * i + 2]) << 16 | UInt32(data[base + 4 * i + 3]) << 24))
        }
    }

    // MARK: build

    mutating func build() throws(TFLiteError) {
        for (index, op) in graph.operators.enumerated() {
            let name = Self.opName(op.code)
            let outName = op.outputs.first.flatMap { $0 >= 0 && $0 < graph.tensors.count ? graph.tensors[$0].name : nil } ?? "-"
            guard let builtin = TFLiteBuiltin(rawValue: op.code) else {
                throw .unsupportedOperator(index: index, op: name, tensor: outName)
            }
            for input in op.inputs where input < 0 && builtin != .conv2D && builtin != .depthwiseConv2D && builtin != .fullyConnected {
                throw .unsupportedAttribute(op: name, tensor: outName, reason: "optional input omitted")
            }
            switch builtin {
            case .callOnce:
                continue
            case .varHandle:
                let key = try sharedName(op, in: graph)
                let variable: Int
                if let known = variableIndex[key] {
                    variable = known
                } else {
                    variable = variableSizes.count
                    variableIndex[key] = variable
                    variableSizes.append(0)
                }
                handles[op.outputs[0]] = variable
            case .readVariable:
                try arity(op, 1, 1, name, outName)
                let output = try activation(op.outputs[0], name)
                let v = try variable(handle: op.inputs[0], size: tensorSizes[output], op: name)
                operations.append(.readVariable(variable: v, output: output))
            case .assignVariable:
                try arity(op, 2, 0, name, outName)
                let input = try activation(op.inputs[1], name)
                let v = try variable(handle: op.inputs[0], size: tensorSizes[input], op: name)
                operations.append(.assignVariable(variable: v, input: input))
            case .reshape:
                guard op.inputs.count >= 1, op.outputs.count == 1 else { throw .unsupportedAttribute(op: name, tensor: outName, reason: "arity") }
                let input = try activation(op.inputs[0], name)
                let output = try activation(op.outputs[0], name)
                try sameQuantization([op.inputs[0]], op.outputs[0], name)
                guard tensorSizes[input] == tensorSizes[output] else {
                    throw .unsupportedAttribute(op: name, tensor: outName, reason: "\(tensorSizes[input]) elements reshaped to \(tensorSizes[output])")
                }
                operations.append(.copy(input: input, output: output, count: tensorSizes[input]))
            case .concatenation:
                try lowerConcatenation(op, name, outName)
            case .stridedSlice:
                try lowerStridedSlice(op, name, outName)
            case .splitV:
                try lowerSplit(op, name, outName)
            case .conv2D, .depthwiseConv2D, .fullyConnected:
                try lowerConvolution(op, builtin, name, outName)
            case .logistic:
                try lowerLogistic(op, name, outName)
            case .quantize:
                try lowerQuantize(op, name, outName)
            case .add, .mul:
                try lowerElementwise(op, builtin, name, outName)
            }
        }
    }

    func arity(_ op: TFLiteOperator, _ inputs: Int, _ outputs: Int, _ name: String, _ out: String) throws(TFLiteError) {
        guard op.inputs.count == inputs, op.outputs.count == outputs else {
            throw .unsupportedAttribute(op: name, tensor: out, reason: "\(op.inputs.count) inputs and \(op.outputs.count) outputs, expected \(inputs) and \(outputs)")
        }
    }

    /// Data-movement operators keep values as they are, so TFLite requires equal quantization.
    func sameQuantization(_ inputs: [Int], _ output: Int, _ op: String) throws(TFLiteError) {
        let o = try tensor(output, op)
        let expected = try quantization(o, op)
        for input in inputs {
            let t = try tensor(input, op)
            let q = try quantization(t, op)
            guard q == expected, t.type == o.type else {
                throw .unsupportedAttribute(op: op, tensor: o.name, reason: "input '\(t.name)' is quantized (\(q.scale), \(q.zeroPoint)), output (\(expected.scale), \(expected.zeroPoint)); requantizing data movement is not supported")
            }
        }
    }

    mutating func finish(manifest: MicroManifest?) throws(TFLiteError) -> QuantizedGraph {
        guard graph.inputs.count == 1, graph.outputs.count == 1 else {
            throw .notAModel(reason: "\(graph.inputs.count) inputs and \(graph.outputs.count) outputs; a wake-word model has one of each")
        }
        guard let inputIndex = tensorMap[graph.inputs[0]], let outputIndex = tensorMap[graph.outputs[0]] else {
            throw .notAModel(reason: "the graph input or output is not used by any operator")
        }
        let inputTensor = graph.tensors[graph.inputs[0]]
        let outputTensor = graph.tensors[graph.outputs[0]]
        guard inputTensor.type == TFLiteTensorType.int8.rawValue, inputTensor.shape.count == 3, inputTensor.shape[0] == 1 else {
            throw .unsupportedAttribute(op: "input", tensor: inputTensor.name, reason: "needs int8 [1, frames, features], has type \(inputTensor.type) shape \(inputTensor.shape)")
        }
        let inQ = try quantization(inputTensor, "input")
        let outQ = try quantization(outputTensor, "output")
        var initial = [[Int8]]()
        for (key, index) in variableIndex.sorted(by: { $0.value < $1.value }) {
            let size = variableSizes[index]
            guard size > 0 else { throw .unsupportedAttribute(op: "VAR_HANDLE", tensor: key, reason: "variable never read or assigned") }
            if let value = initialValues[key] {
                guard value.count == size else {
                    throw .unsupportedAttribute(op: "CALL_ONCE", tensor: key, reason: "initial value of \(value.count) bytes for a \(size)-byte variable")
                }
                initial.append(value)
            } else {
                initial.append([Int8](repeating: 0, count: size))
            }
        }
        let wake = manifest ?? MicroManifest(name: "", probabilityCutoff: 0.5, slidingWindow: 1, featureStepMilliseconds: 10, tensorArenaBytes: 0)
        return QuantizedGraph(
            tensorSizes: tensorSizes, variableInitialValues: initial, operations: operations,
            input: QuantizedPort(tensor: inputIndex, frames: inputTensor.shape[1], width: inputTensor.shape[2],
                                 scale: inQ.scale, zeroPoint: Int(inQ.zeroPoint), unsigned: false),
            output: QuantizedPort(tensor: outputIndex, frames: 1, width: tensorSizes[outputIndex],
                                  scale: outQ.scale, zeroPoint: Int(outQ.zeroPoint),
                                  unsigned: outputTensor.type == TFLiteTensorType.uint8.rawValue),
            wakeWord: QuantizedWakeWord(name: wake.name, probabilityCutoff: wake.probabilityCutoff, slidingWindow: wake.slidingWindow,
                                        featureStepMilliseconds: wake.featureStepMilliseconds,
                                        tensorArenaBytes: wake.tensorArenaBytes, frontendPreset: "micro"))
    }
}
