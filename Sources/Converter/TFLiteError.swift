/// Everything that can go wrong reading a TFLite model or its microWakeWord manifest.
///
/// Each case names the operator, tensor or field involved, so a refused model says what to change.
public enum TFLiteError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The flatbuffer structure is broken (an offset, size, count or vtable outside the file).
    case malformed(what: String, reason: String)
    /// The file is a flatbuffer but not a TFLite model Earshot reads (identifier, version, subgraphs).
    case notAModel(reason: String)
    /// An operator Earshot has no kernel for.
    case unsupportedOperator(index: Int, op: String, tensor: String)
    /// A supported operator with an option, shape or quantization Earshot cannot reproduce exactly.
    case unsupportedAttribute(op: String, tensor: String, reason: String)
    /// A tensor type other than the ones these models use.
    case unsupportedTensorType(tensor: String, type: Int)
    /// An index (tensor, buffer, subgraph, opcode, variable) that points outside its table.
    case badIndex(what: String, index: Int, count: Int)
    /// The manifest JSON is unreadable or lacks a field the model needs.
    case manifest(String)

    public var description: String {
        switch self {
        case let .malformed(what, reason): return "malformed TFLite flatbuffer: \(what): \(reason)"
        case let .notAModel(reason): return "not a TFLite model Earshot reads: \(reason)"
        case let .unsupportedOperator(index, op, tensor):
            return "unsupported TFLite operator \(op) (operator \(index), output tensor '\(tensor)'); Earshot runs CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED, ADD, MUL, CONCATENATION, STRIDED_SLICE, SPLIT_V, RESHAPE, LOGISTIC, QUANTIZE and the resource-variable ops"
        case let .unsupportedAttribute(op, tensor, reason): return "\(op) producing tensor '\(tensor)': \(reason)"
        case let .unsupportedTensorType(tensor, type): return "tensor '\(tensor)' has TFLite type \(type); Earshot reads int8, uint8, int32 and resource tensors here"
        case let .badIndex(what, index, count): return "\(what) index \(index) is outside 0..<\(count)"
        case let .manifest(reason): return "microWakeWord manifest: \(reason)"
        }
    }
}
