import TestSupport

// Test support: ONNX models built in memory with `ProtobufWriter` (field numbers from onnx.proto).

/// How a float tensor stores its values.
enum TensorEncoding {
    case raw, packedFloatData, unpackedFloatData
}

struct TestTensor {
    var name: String
    var dims: [Int64]
    var floats: [Float] = []
    var ints: [Int64]?
    var encoding = TensorEncoding.raw
    var externalData = false

    init(_ name: String, dims: [Int64], floats: [Float], encoding: TensorEncoding = .raw) {
        self.name = name
        self.dims = dims
        self.floats = floats
        self.encoding = encoding
    }

    init(_ name: String, dims: [Int64], ints: [Int64]) {
        self.name = name
        self.dims = dims
        self.ints = ints
    }

    var encoded: ProtobufWriter {
        var writer = ProtobufWriter()
        if !dims.isEmpty { writer.packedInts(1, dims) }
        if let ints {
            writer.int(2, 7)  // INT64
            writer.packedInts(7, ints)
        } else {
            writer.int(2, 1)  // FLOAT
            switch encoding {
            case .raw:
                var raw = ProtobufWriter()
                for value in floats { raw.fixed32(value.bitPattern) }
                writer.data(9, raw.bytes)
            case .packedFloatData:
                writer.packedFloats(4, floats)
            case .unpackedFloatData:
                for value in floats { writer.float(4, value) }
            }
        }
        writer.string(8, name)
        if externalData {
            var entry = ProtobufWriter()
            entry.string(1, "location")
            entry.string(2, "weights.bin")
            writer.message(13, entry)
            writer.int(14, 1)
        }
        return writer
    }
}

enum TestAttribute {
    case int(String, Int64)
    case float(String, Float)
    case string(String, String)
    case ints(String, [Int64])
    case floats(String, [Float])
    case strings(String, [String])
    case tensor(String, TestTensor)

    var encoded: ProtobufWriter {
        var writer = ProtobufWriter()
        switch self {
        case let .int(name, value):
            writer.string(1, name)
            writer.int(3, value)
            writer.int(20, 2)
        case let .float(name, value):
            writer.string(1, name)
            writer.float(2, value)
            writer.int(20, 1)
        case let .string(name, value):
            writer.string(1, name)
            writer.string(4, value)
            writer.int(20, 3)
        case let .ints(name, values):
            writer.string(1, name)
            for value in values { writer.int(8, value) }
            writer.int(20, 7)
        case let .floats(name, values):
            writer.string(1, name)
            for value in values { writer.float(7, value) }
            writer.int(20, 6)
        case let .strings(name, values):
            writer.string(1, name)
            for value in values { writer.string(9, value) }
            writer.int(20, 8)
        case let .tensor(name, tensor):
            writer.string(1, name)
            writer.message(5, tensor.encoded)
            writer.int(20, 4)
        }
        return writer
    }
}

struct TestNode {
    var op: String
    var name: String
    var inputs: [String]
    var outputs: [String]
    var attributes: [TestAttribute] = []
    var domain = ""

    init(_ op: String, _ name: String, inputs: [String], outputs: [String], attributes: [TestAttribute] = []) {
        self.op = op
        self.name = name
        self.inputs = inputs
        self.outputs = outputs
        self.attributes = attributes
    }

    var encoded: ProtobufWriter {
        var writer = ProtobufWriter()
        for input in inputs { writer.string(1, input) }
        for output in outputs { writer.string(2, output) }
        writer.string(3, name)
        writer.string(4, op)
        for attribute in attributes { writer.message(5, attribute.encoded) }
        if !domain.isEmpty { writer.string(7, domain) }
        return writer
    }
}

enum TestDimension {
    case value(Int64)
    case parameter(String)
}

struct TestValueInfo {
    var name: String
    var dims: [TestDimension]

    init(_ name: String, _ dims: [TestDimension]) {
        self.name = name
        self.dims = dims
    }

    var encoded: ProtobufWriter {
        var shape = ProtobufWriter()
        for dim in dims {
            var dimension = ProtobufWriter()
            switch dim {
            case let .value(value): dimension.int(1, value)
            case let .parameter(name): dimension.string(2, name)
            }
            shape.message(1, dimension)
        }
        var tensorType = ProtobufWriter()
        tensorType.int(1, 1)  // FLOAT
        tensorType.message(2, shape)
        var type = ProtobufWriter()
        type.message(1, tensorType)
        var writer = ProtobufWriter()
        writer.string(1, name)
        writer.message(2, type)
        return writer
    }
}

struct TestGraph {
    var nodes: [TestNode] = []
    var initializers: [TestTensor] = []
    var inputs: [TestValueInfo] = []
    var outputs: [TestValueInfo] = []
    var opset: Int64 = 13
    var producer = "pytorch"
    var producerVersion = "2.3.0"
    /// Old exporters also list initializers as graph inputs.
    var listInitializersAsInputs = false

    var bytes: [UInt8] {
        var graph = ProtobufWriter()
        for node in nodes { graph.message(1, node.encoded) }
        graph.string(2, "main_graph")
        for tensor in initializers { graph.message(5, tensor.encoded) }
        for input in inputs { graph.message(11, input.encoded) }
        if listInitializersAsInputs {
            for tensor in initializers {
                graph.message(11, TestValueInfo(tensor.name, tensor.dims.map { .value($0) }).encoded)
            }
        }
        for output in outputs { graph.message(12, output.encoded) }
        var opsetImport = ProtobufWriter()
        opsetImport.string(1, "")
        opsetImport.int(2, opset)
        var model = ProtobufWriter()
        model.int(1, 8)
        model.string(2, producer)
        model.string(3, producerVersion)
        model.message(7, graph)
        model.message(8, opsetImport)
        return model.bytes
    }

    /// Adds a constant int64 tensor (e.g. Squeeze axes) and returns its name.
    mutating func intConstant(_ name: String, _ values: [Int64], dims: [Int64]? = nil) -> String {
        initializers.append(TestTensor(name, dims: dims ?? [Int64(values.count)], ints: values))
        return name
    }
}

// MARK: - Distinctive weights

/// Values that identify gate, row and column: gate·1000 + row·10 + column (+ offset).
func gateTagged(gates: Int, rows: Int, columns: Int, offset: Float = 0) -> [Float] {
    var values = [Float]()
    for gate in 0..<gates {
        for row in 0..<rows {
            for column in 0..<columns { values.append(Float(gate * 1000 + row * 10 + column) + offset) }
        }
    }
    return values
}

/// Block `name` (rows × columns values) of a tensor stored in `order`, e.g. gate "f" of ONNX "iofc".
func block(_ values: [Float], gate name: Character, order: String, size: Int) -> ArraySlice<Float> {
    let index = order.firstIndex(of: name).map { order.distance(from: order.startIndex, to: $0) }!
    return values[(index * size)..<((index + 1) * size)]
}

