// The subset of onnx.proto the importer reads, decoded with `ProtobufReader`.
// Field numbers are those of onnx/onnx.proto; every other field is skipped.

/// ONNX TensorProto.DataType values the converter names or reads.
enum ONNXDataType {
    static let float: Int32 = 1
    static let int32: Int32 = 6
    static let int64: Int32 = 7
    static let float16: Int32 = 10
    static let double: Int32 = 11

    static func name(_ value: Int) -> String {
        let names = [
            "UNDEFINED", "FLOAT", "UINT8", "INT8", "UINT16", "INT16", "INT32", "INT64", "STRING", "BOOL",
            "FLOAT16", "DOUBLE", "UINT32", "UINT64", "COMPLEX64", "COMPLEX128", "BFLOAT16",
        ]
        return value >= 0 && value < names.count ? names[value] : "type \(value)"
    }
}

/// TensorProto (fields: dims 1, data_type 2, float_data 4, int32_data 5, int64_data 7, name 8,
/// raw_data 9, double_data 10, external_data 13, data_location 14).
struct ONNXTensor {
    var name = ""
    var dims: [Int64] = []
    var dataType: Int32 = 0
    var floatData: [Float] = []
    var int32Data: [Int32] = []
    var int64Data: [Int64] = []
    var doubleData: [Double] = []
    var rawData: [UInt8]?
    var dataLocation: Int32 = 0
    var hasExternalData = false

    init() {}

    init(from reader: inout ProtobufReader) throws(ConversionError) {
        while let (field, wireType) = try reader.readTag() {
            switch field {
            case 1: try reader.readRepeatedInt64(wireType, field: field, into: &dims)
            case 2: dataType = try reader.readInt32(wireType, field: field)
            case 4: try reader.readRepeatedFloat(wireType, field: field, into: &floatData)
            case 5: try reader.readRepeatedInt32(wireType, field: field, into: &int32Data)
            case 7: try reader.readRepeatedInt64(wireType, field: field, into: &int64Data)
            case 8: name = try reader.readString(wireType, field: field)
            case 9: rawData = try reader.readBytes(wireType, field: field)
            case 10: try reader.readRepeatedDouble(wireType, field: field, into: &doubleData)
            case 13:
                hasExternalData = true
                try reader.skip(wireType, field: field)
            case 14: dataLocation = try reader.readInt32(wireType, field: field)
            default: try reader.skip(wireType, field: field)
            }
        }
    }
}

/// AttributeProto (fields: name 1, f 2, i 3, s 4, t 5, floats 7, ints 8, strings 9, type 20).
struct ONNXAttribute {
    var name = ""
    var type: Int32 = 0
    var f: Float = 0
    var i: Int64 = 0
    var s: [UInt8] = []
    var t: ONNXTensor?
    var floats: [Float] = []
    var ints: [Int64] = []
    var strings: [[UInt8]] = []
    /// Whether a field this decoder does not read (graph, sparse tensor, ...) carried the value.
    var hasOtherValue = false

    init() {}

    init(from reader: inout ProtobufReader) throws(ConversionError) {
        while let (field, wireType) = try reader.readTag() {
            switch field {
            case 1: name = try reader.readString(wireType, field: field)
            case 2: f = try reader.readFloat(wireType, field: field)
            case 3: i = try reader.readInt64(wireType, field: field)
            case 4: s = try reader.readBytes(wireType, field: field)
            case 5:
                var tensorReader = try reader.readMessage(wireType, field: field)
                t = try ONNXTensor(from: &tensorReader)
            case 7: try reader.readRepeatedFloat(wireType, field: field, into: &floats)
            case 8: try reader.readRepeatedInt64(wireType, field: field, into: &ints)
            case 9: strings.append(try reader.readBytes(wireType, field: field))
            case 20: type = try reader.readInt32(wireType, field: field)
            case 6, 10, 11, 14, 15, 22, 23:
                hasOtherValue = true
                try reader.skip(wireType, field: field)
            default: try reader.skip(wireType, field: field)
            }
        }
    }

    var string: String { String(decoding: s, as: UTF8.self) }
    var stringList: [String] { strings.map { String(decoding: $0, as: UTF8.self) } }

    /// The value as text for error messages.
    var displayValue: String {
        switch type {
        case 1: return "\(f)"
        case 2: return "\(i)"
        case 3: return "\"\(string)\""
        case 4: return "<tensor>"
        case 6: return "\(floats)"
        case 7: return "\(ints)"
        case 8: return "\(stringList)"
        default:
            if !strings.isEmpty { return "\(stringList)" }
            if !floats.isEmpty { return "\(floats)" }
            if !ints.isEmpty { return "\(ints)" }
            if !s.isEmpty { return "\"\(string)\"" }
            if t != nil { return "<tensor>" }
            if hasOtherValue { return "<graph or other value>" }
            return f != 0 ? "\(f)" : "\(i)"
        }
    }
}

/// NodeProto (fields: input 1, output 2, name 3, op_type 4, attribute 5, domain 7).
struct ONNXNode {
    var inputs: [String] = []
    var outputs: [String] = []
    var name = ""
    var opType = ""
    var domain = ""
    var attributes: [ONNXAttribute] = []

    init() {}

    init(from reader: inout ProtobufReader) throws(ConversionError) {
        while let (field, wireType) = try reader.readTag() {
            switch field {
            case 1: inputs.append(try reader.readString(wireType, field: field))
            case 2: outputs.append(try reader.readString(wireType, field: field))
            case 3: name = try reader.readString(wireType, field: field)
            case 4: opType = try reader.readString(wireType, field: field)
            case 5:
                var attributeReader = try reader.readMessage(wireType, field: field)
                attributes.append(try ONNXAttribute(from: &attributeReader))
            case 7: domain = try reader.readString(wireType, field: field)
            default: try reader.skip(wireType, field: field)
            }
        }
    }

    func attribute(_ name: String) -> ONNXAttribute? {
        for attribute in attributes where attribute.name == name { return attribute }
        return nil
    }

    /// The input at `index`, or nil when absent or given as the empty name (an omitted optional input).
    func input(_ index: Int) -> String? {
        index < inputs.count && !inputs[index].isEmpty ? inputs[index] : nil
    }
}

/// One dimension of a ValueInfoProto's tensor shape.
enum ONNXDimension: Equatable {
    case value(Int64)
    case parameter(String)
    case unknown
}

/// ValueInfoProto (name 1, type 2 → TypeProto.tensor_type 1 → elem_type 1, shape 2 → dim 1 →
/// dim_value 1 / dim_param 2).
struct ONNXValueInfo {
    var name = ""
    var elementType: Int32 = 0
    /// nil when the value has no (tensor) shape.
    var shape: [ONNXDimension]?

    init() {}

    init(from reader: inout ProtobufReader) throws(ConversionError) {
        while let (field, wireType) = try reader.readTag() {
            switch field {
            case 1: name = try reader.readString(wireType, field: field)
            case 2:
                var typeReader = try reader.readMessage(wireType, field: field)
                while let (typeField, typeWire) = try typeReader.readTag() {
                    guard typeField == 1 else { try typeReader.skip(typeWire, field: typeField); continue }
                    var tensorReader = try typeReader.readMessage(typeWire, field: typeField)
                    try decodeTensorType(&tensorReader)
                }
            default: try reader.skip(wireType, field: field)
            }
        }
    }

    private mutating func decodeTensorType(_ reader: inout ProtobufReader) throws(ConversionError) {
        while let (field, wireType) = try reader.readTag() {
            switch field {
            case 1: elementType = try reader.readInt32(wireType, field: field)
            case 2:
                var shapeReader = try reader.readMessage(wireType, field: field)
                var dims = [ONNXDimension]()
                while let (shapeField, shapeWire) = try shapeReader.readTag() {
                    guard shapeField == 1 else { try shapeReader.skip(shapeWire, field: shapeField); continue }
                    var dimReader = try shapeReader.readMessage(shapeWire, field: shapeField)
                    var dimension = ONNXDimension.unknown
                    while let (dimField, dimWire) = try dimReader.readTag() {
                        switch dimField {
                        case 1: dimension = .value(try dimReader.readInt64(dimWire, field: dimField))
                        case 2: dimension = .parameter(try dimReader.readString(dimWire, field: dimField))
                        default: try dimReader.skip(dimWire, field: dimField)
                        }
                    }
                    dims.append(dimension)
                }
                shape = dims
            default: try reader.skip(wireType, field: field)
            }
        }
    }
}

/// GraphProto (node 1, name 2, initializer 5, input 11, output 12, value_info 13).
struct ONNXGraph {
    var name = ""
    var nodes: [ONNXNode] = []
    var initializers: [ONNXTensor] = []
    var inputs: [ONNXValueInfo] = []
    var outputs: [ONNXValueInfo] = []
    var valueInfo: [ONNXValueInfo] = []

    init() {}

    init(from reader: inout ProtobufReader) throws(ConversionError) {
        while let (field, wireType) = try reader.readTag() {
            switch field {
            case 1:
                var nodeReader = try reader.readMessage(wireType, field: field)
                nodes.append(try ONNXNode(from: &nodeReader))
            case 2: name = try reader.readString(wireType, field: field)
            case 5:
                var tensorReader = try reader.readMessage(wireType, field: field)
                initializers.append(try ONNXTensor(from: &tensorReader))
            case 11, 12, 13:
                var infoReader = try reader.readMessage(wireType, field: field)
                let info = try ONNXValueInfo(from: &infoReader)
                if field == 11 { inputs.append(info) } else if field == 12 { outputs.append(info) } else { valueInfo.append(info) }
            default: try reader.skip(wireType, field: field)
            }
        }
    }
}

/// ModelProto (ir_version 1, producer_name 2, producer_version 3, graph 7, opset_import 8 →
/// OperatorSetIdProto domain 1, version 2).
struct ONNXModel {
    var irVersion: Int64 = 0
    var producerName = ""
    var producerVersion = ""
    var graph: ONNXGraph?
    var opsetImports: [(domain: String, version: Int64)] = []

    init(bytes: [UInt8]) throws(ConversionError) {
        var reader = ProtobufReader(bytes: bytes)
        while let (field, wireType) = try reader.readTag() {
            switch field {
            case 1: irVersion = try reader.readInt64(wireType, field: field)
            case 2: producerName = try reader.readString(wireType, field: field)
            case 3: producerVersion = try reader.readString(wireType, field: field)
            case 7:
                var graphReader = try reader.readMessage(wireType, field: field)
                graph = try ONNXGraph(from: &graphReader)
            case 8:
                var opsetReader = try reader.readMessage(wireType, field: field)
                var domain = ""
                var version: Int64 = 0
                while let (opsetField, opsetWire) = try opsetReader.readTag() {
                    switch opsetField {
                    case 1: domain = try opsetReader.readString(opsetWire, field: opsetField)
                    case 2: version = try opsetReader.readInt64(opsetWire, field: opsetField)
                    default: try opsetReader.skip(opsetWire, field: opsetField)
                    }
                }
                opsetImports.append((domain, version))
            default: try reader.skip(wireType, field: field)
            }
        }
    }

    /// Version of the default operator set (domain "" or "ai.onnx"), nil when not imported.
    var defaultOpset: Int64? {
        for entry in opsetImports where entry.domain.isEmpty || entry.domain == "ai.onnx" { return entry.version }
        return nil
    }
}
