// The parts of TFLite's schema (tensorflow/lite/schema/schema.fbs) the importer reads, decoded
// from the flatbuffer into plain values. Field slots follow the schema's declaration order.

/// TFLite tensor element types (schema enum TensorType) that appear in these models.
enum TFLiteTensorType: Int8 {
    case float32 = 0, int32 = 2, uint8 = 3, int64 = 4, int8 = 9, resource = 13
}

/// Builtin operator codes (schema enum BuiltinOperator) the importer knows by name.
enum TFLiteBuiltin: Int32 {
    case add = 0, concatenation = 2, conv2D = 3, depthwiseConv2D = 4, fullyConnected = 9, logistic = 14
    case mul = 18, reshape = 22, stridedSlice = 45, splitV = 102, quantize = 114, callOnce = 129
    case varHandle = 142, readVariable = 143, assignVariable = 144

    var name: String {
        switch self {
        case .add: return "ADD"
        case .concatenation: return "CONCATENATION"
        case .conv2D: return "CONV_2D"
        case .depthwiseConv2D: return "DEPTHWISE_CONV_2D"
        case .fullyConnected: return "FULLY_CONNECTED"
        case .logistic: return "LOGISTIC"
        case .mul: return "MUL"
        case .reshape: return "RESHAPE"
        case .stridedSlice: return "STRIDED_SLICE"
        case .splitV: return "SPLIT_V"
        case .quantize: return "QUANTIZE"
        case .callOnce: return "CALL_ONCE"
        case .varHandle: return "VAR_HANDLE"
        case .readVariable: return "READ_VARIABLE"
        case .assignVariable: return "ASSIGN_VARIABLE"
        }
    }
}

struct TFLiteQuantization: Equatable {
    var scales: [Float] = []
    var zeroPoints: [Int64] = []
    var dimension: Int = 0
}

struct TFLiteTensor {
    var name: String
    var shape: [Int]
    var type: Int8
    var buffer: Int
    var quantization: TFLiteQuantization
}

struct TFLiteOperator {
    var code: Int32
    var inputs: [Int]
    var outputs: [Int]
    /// The builtin options table, when present.
    var options: FlatTable?
}

struct TFLiteSubgraph {
    var tensors: [TFLiteTensor]
    var inputs: [Int]
    var outputs: [Int]
    var operators: [TFLiteOperator]
}

/// A decoded TFLite model; `reader` keeps the bytes for options and buffer data.
struct TFLiteModel {
    let reader: FlatbufferReader
    var subgraphs: [TFLiteSubgraph]
    /// Byte ranges of each buffer's data in `reader.bytes` (empty for buffers without data).
    var buffers: [Range<Int>]

    /// Most tensors, operators, buffers or subgraphs accepted (far above any wake-word model).
    static let maximumCount = 100_000

    init(bytes: [UInt8]) throws(TFLiteError) {
        guard bytes.count >= 8 else { throw .notAModel(reason: "the file has \(bytes.count) bytes") }
        guard bytes[4] == 0x54, bytes[5] == 0x46, bytes[6] == 0x4C, bytes[7] == 0x33 else {
            throw .notAModel(reason: "the file identifier is not 'TFL3'")
        }
        reader = FlatbufferReader(bytes)
        let root = try reader.root()
        let version = try reader.scalarU32(root, 0, default: 0, "Model.version")
        guard version == 3 else { throw .notAModel(reason: "schema version \(version), expected 3") }

        var codes = [Int32]()
        if let vector = try reader.vector(root, 1, elementSize: 4, "Model.operator_codes") {
            try Self.checkCount(vector.count, "operator codes")
            for i in 0..<vector.count {
                let what = "operator code \(i)"
                let table = try reader.tableElement(vector, i, what)
                let deprecated = Int32(Int8(bitPattern: try reader.scalarU8(table, 0, default: 0, what)))
                let builtin = try reader.scalarI32(table, 3, default: 0, what)
                // Files from old converters only fill the deprecated 8-bit code.
                codes.append(max(deprecated, builtin))
            }
        }

        buffers = []
        if let vector = try reader.vector(root, 4, elementSize: 4, "Model.buffers") {
            try Self.checkCount(vector.count, "buffers")
            for i in 0..<vector.count {
                let what = "buffer \(i)"
                let table = try reader.tableElement(vector, i, what)
                if try reader.scalarU64(table, 1, default: 0, what) > 1 {
                    throw .notAModel(reason: "\(what) keeps its data outside the flatbuffer (offset/size fields); not supported")
                }
                buffers.append(try reader.byteRange(table, 0, what) ?? 0..<0)
            }
        }

        subgraphs = []
        guard let graphs = try reader.vector(root, 2, elementSize: 4, "Model.subgraphs"), graphs.count >= 1 else {
            throw .notAModel(reason: "no subgraphs")
        }
        try Self.checkCount(graphs.count, "subgraphs")
        for g in 0..<graphs.count {
            subgraphs.append(try Self.subgraph(reader, try reader.tableElement(graphs, g, "subgraph \(g)"), index: g,
                                               codes: codes, bufferCount: buffers.count))
        }
    }

    private static func checkCount(_ count: Int, _ what: String) throws(TFLiteError) {
        guard count <= maximumCount else { throw .notAModel(reason: "\(count) \(what), more than \(maximumCount)") }
    }

    private static func subgraph(_ reader: FlatbufferReader, _ table: FlatTable, index g: Int, codes: [Int32],
                                 bufferCount: Int) throws(TFLiteError) -> TFLiteSubgraph {
        var tensors = [TFLiteTensor]()
        if let vector = try reader.vector(table, 0, elementSize: 4, "subgraph \(g) tensors") {
            try checkCount(vector.count, "tensors")
            for i in 0..<vector.count {
                let what = "subgraph \(g) tensor \(i)"
                let t = try reader.tableElement(vector, i, what)
                let name = try reader.string(t, 3, what + " name") ?? "tensor \(i)"
                var shape = [Int]()
                for dimension in try reader.int32s(t, 0, "shape of '\(name)'") {
                    guard dimension >= 0, dimension <= 1 << 20 else {
                        throw .unsupportedAttribute(op: "tensor", tensor: name, reason: "dimension \(dimension) outside 0...\(1 << 20)")
                    }
                    shape.append(Int(dimension))
                }
                guard shape.count <= 6 else {
                    throw .unsupportedAttribute(op: "tensor", tensor: name, reason: "\(shape.count) dimensions")
                }
                // Element counts are multiplied out everywhere; bound them here (found by FuzzTFLite).
                var elements = 1
                for dimension in shape {
                    let (product, overflow) = elements.multipliedReportingOverflow(by: dimension)
                    guard !overflow, product <= 1 << 28 else {
                        throw .unsupportedAttribute(op: "tensor", tensor: name, reason: "shape \(shape) has more than 2^28 elements")
                    }
                    elements = product
                }
                let type = Int8(bitPattern: try reader.scalarU8(t, 1, default: 0, "type of '\(name)'"))
                let buffer = Int(try reader.scalarU32(t, 2, default: 0, "buffer of '\(name)'"))
                guard buffer < max(bufferCount, 1) else { throw .badIndex(what: "buffer of tensor '\(name)'", index: buffer, count: bufferCount) }
                var quantization = TFLiteQuantization()
                if let q = try reader.subtable(t, 4, "quantization of '\(name)'") {
                    quantization.scales = try reader.float32s(q, 2, "scales of '\(name)'")
                    quantization.zeroPoints = try reader.int64s(q, 3, "zero points of '\(name)'")
                    let dimension = try reader.scalarI32(q, 6, default: 0, "quantized dimension of '\(name)'")
                    guard dimension >= 0, Int(dimension) < max(shape.count, 1) else {
                        throw .unsupportedAttribute(op: "tensor", tensor: name, reason: "quantized dimension \(dimension) for \(shape.count) dimensions")
                    }
                    quantization.dimension = Int(dimension)
                    guard quantization.scales.count == quantization.zeroPoints.count || quantization.zeroPoints.isEmpty else {
                        throw .unsupportedAttribute(op: "tensor", tensor: name,
                                                    reason: "\(quantization.scales.count) scales but \(quantization.zeroPoints.count) zero points")
                    }
                }
                tensors.append(TFLiteTensor(name: name, shape: shape, type: type, buffer: buffer, quantization: quantization))
            }
        }
        func indices(_ values: [Int32], _ what: String, optional: Bool) throws(TFLiteError) -> [Int] {
            var result = [Int]()
            for value in values {
                if value == -1 && optional { result.append(-1); continue }
                guard value >= 0, Int(value) < tensors.count else { throw .badIndex(what: what, index: Int(value), count: tensors.count) }
                result.append(Int(value))
            }
            return result
        }
        let inputs = try indices(try reader.int32s(table, 1, "subgraph \(g) inputs"), "subgraph \(g) input tensor", optional: false)
        let outputs = try indices(try reader.int32s(table, 2, "subgraph \(g) outputs"), "subgraph \(g) output tensor", optional: false)
        var operators = [TFLiteOperator]()
        if let vector = try reader.vector(table, 3, elementSize: 4, "subgraph \(g) operators") {
            try checkCount(vector.count, "operators")
            for i in 0..<vector.count {
                let what = "subgraph \(g) operator \(i)"
                let op = try reader.tableElement(vector, i, what)
                let codeIndex = Int(try reader.scalarU32(op, 0, default: 0, what + " opcode"))
                guard codeIndex < codes.count else { throw .badIndex(what: what + " opcode", index: codeIndex, count: codes.count) }
                operators.append(TFLiteOperator(
                    code: codes[codeIndex],
                    inputs: try indices(try reader.int32s(op, 1, what + " inputs"), what + " input", optional: true),
                    outputs: try indices(try reader.int32s(op, 2, what + " outputs"), what + " output", optional: false),
                    options: try reader.subtable(op, 4, what + " options")))
            }
        }
        return TFLiteSubgraph(tensors: tensors, inputs: inputs, outputs: outputs, operators: operators)
    }

    /// The constant bytes of a tensor (empty when it has no data).
    func data(_ tensor: TFLiteTensor) -> ArraySlice<UInt8> {
        guard tensor.buffer < buffers.count else { return [] }
        return reader.bytes[buffers[tensor.buffer]]
    }
}
