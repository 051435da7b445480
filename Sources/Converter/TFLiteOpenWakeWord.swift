import Model

/// Reads openWakeWord's float TFLite networks (the wheel's mel-spectrogram, embedding and heads).
struct TFLiteOpenWakeWord {
    let model: TFLiteModel
    /// The subgraph read: 0, or an IF branch (`branch(_:arguments:)`).
    var graphIndex = 0
    /// An IF branch's input tensors -> the main graph's tensors the IF passes in (constants live there).
    var arguments: [Int: Int] = [:]
    var graph: TFLiteSubgraph { model.subgraphs[graphIndex] }
    /// Tensor -> the operators that read it.
    var consumers: [Int: [Int]] = [:]

    /// Builtin codes of the operators these networks use.
    enum Op: Int32 {
        case add = 0, conv2D = 3, fullyConnected = 9, logistic = 14, maxPool2D = 17, mul = 18, relu = 19, reshape = 22
        case pad = 34, transpose = 39, mean = 40, sub = 41, squeeze = 43, maximum = 55, minimum = 57, greaterEqual = 62
        case expandDims = 70, log = 73, rsqrt = 76, reduceMax = 82, leakyRelu = 98, `if` = 118, batchMatMul = 126
    }

    init(bytes: [UInt8]) throws(TFLiteError) {
        model = try TFLiteModel(bytes: bytes)
        guard !model.subgraphs.isEmpty else { throw .notAModel(reason: "no subgraph") }
        for (index, op) in graph.operators.enumerated() {
            for input in op.inputs where input >= 0 { consumers[input, default: []].append(index) }
        }
    }

    static func name(_ code: Int32) -> String {
        if let op = Op(rawValue: code) { return String(describing: op).uppercased() }
        let known: [Int32: String] = [62: "GREATER_EQUAL", 118: "IF", 32: "CUSTOM", 114: "QUANTIZE", 6: "DEQUANTIZE", 0: "ADD"]
        return known[code] ?? "builtin operator \(code)"
    }

    func outputName(_ op: TFLiteOperator) -> String { op.outputs.first.map { graph.tensors[$0].name } ?? "-" }

    func unsupported(_ index: Int) -> TFLiteError {
        let op = graph.operators[index]
        return .unsupportedAttribute(
            op: "\(Self.name(op.code)) (operator \(index))", tensor: outputName(op),
            reason: "not an operator of openWakeWord's networks as Earshot reads them (CONV_2D, PAD, LEAKY_RELU, MAXIMUM, MAX_POOL_2D, "
                + "FULLY_CONNECTED (+ ADD of its bias), RELU, LOGISTIC, RESHAPE, the layer-norm and mel-spectrogram patterns, "
                + "a verifier's GREATER_EQUAL + IF at a head's end)")
    }

    /// A tensor an operator reads as a constant: in an IF branch, an argument is the main graph's tensor.
    func constant(_ index: Int) -> TFLiteTensor {
        if let outer = arguments[index] { return model.subgraphs[0].tensors[outer] }
        return graph.tensors[index]
    }

    /// The element count of a shape, nil when it overflows (a hostile file's dimensions).
    static func elements(_ shape: [Int]) -> Int? {
        var count = 1
        for dimension in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
            guard !overflow, product <= Int(Int32.max) else { return nil }
            count = product
        }
        return count
    }

    /// A constant float32 tensor's values.
    func floats(_ op: TFLiteOperator, _ position: Int, _ role: String) throws(TFLiteError) -> [Float] {
        guard position < op.inputs.count, op.inputs[position] >= 0 else {
            throw .unsupportedAttribute(op: Self.name(op.code), tensor: outputName(op), reason: "no \(role) input")
        }
        let tensor = constant(op.inputs[position])
        let data = model.data(tensor)
        let count = Self.elements(tensor.shape) ?? -1
        guard tensor.type == 0, !data.isEmpty, data.count == 4 * count else {
            throw .unsupportedAttribute(op: Self.name(op.code), tensor: outputName(op),
                                        reason: "\(role) '\(tensor.name)' must be a constant float32 tensor of \(tensor.shape) (type \(tensor.type), \(data.count) bytes)")
        }
        let base = data.startIndex
        var values = [Float]()
        values.reserveCapacity(count)
        for i in 0..<count {
            let b = base + 4 * i
            let bits = UInt32(data[b]) | UInt32(data[b + 1]) << 8 | UInt32(data[b + 2]) << 16 | UInt32(data[b + 3]) << 24
            let value = Float(bitPattern: bits)
            guard !value.isNaN else { throw .unsupportedAttribute(op: Self.name(op.code), tensor: outputName(op), reason: "\(role) holds NaN") }
            values.append(value)
        }
        return values
    }

    func scalar(_ op: TFLiteOperator, _ position: Int, _ role: String) throws(TFLiteError) -> Float {
        let values = try floats(op, position, role)
        guard values.count == 1 else {
            throw .unsupportedAttribute(op: Self.name(op.code), tensor: outputName(op), reason: "\(role) must be one value, found \(values.count)")
        }
        return values[0]
    }

    func shape(_ op: TFLiteOperator, _ position: Int) -> [Int] {
        position < op.inputs.count && op.inputs[position] >= 0 ? graph.tensors[op.inputs[position]].shape : []
    }

    /// An option field as Int32 (0 when absent).
    func option(_ op: TFLiteOperator, _ field: Int) throws(TFLiteError) -> Int32 {
        guard let options = op.options else { return 0 }
        return try model.reader.scalarI32(options, field, default: 0, "\(Self.name(op.code)) option \(field)")
    }

    func optionByte(_ op: TFLiteOperator, _ field: Int) throws(TFLiteError) -> Int {
        guard let options = op.options else { return 0 }
        return Int(try model.reader.scalarU8(options, field, default: 0, "\(Self.name(op.code)) option \(field)"))
    }

    /// The fused activation (NONE or RELU; anything else is refused).
    func activation(_ op: TFLiteOperator, field: Int) throws(TFLiteError) -> FloatActivation {
        switch try optionByte(op, field) {
        case 0: return .none
        case 1: return .relu
        case let other:
            throw .unsupportedAttribute(op: Self.name(op.code), tensor: outputName(op), reason: "fused activation \(other) (Earshot fuses NONE and RELU)")
        }
    }
}
