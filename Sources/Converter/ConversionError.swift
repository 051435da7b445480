/// Everything that can go wrong turning a trained model into an Earshot model.
///
/// Every case carries the offending names and values, and `description` reads as a sentence
/// that says what was found and, where it helps, what Earshot accepts instead.
public enum ConversionError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The bytes are not a valid protocol-buffer encoding. `offset` is the byte position in the file.
    case malformedProtobuf(offset: Int, reason: String)
    /// The ModelProto has no graph.
    case missingGraph
    /// The model imports no version of the default ONNX operator set.
    case missingOpset
    /// A node needs a constant (initializer or Constant node) that nothing provides.
    case missingInitializer(node: String, input: String)
    /// A node input must be a constant but is computed by the graph (or is a graph input).
    case unsupportedInput(node: String, input: String, reason: String)
    /// An operator Earshot has no conversion for.
    case unsupportedOperator(node: String, op: String)
    /// A supported operator with an attribute value Earshot cannot honour.
    case unsupportedAttribute(node: String, attribute: String, value: String)
    /// A supported operator in a place where it cannot be mapped onto a layer.
    case unsupportedPlacement(node: String, op: String, reason: String)
    /// A node output that is used but cannot be represented (e.g. LSTM's Y_c).
    case unsupportedOutput(node: String, output: String, reason: String)
    /// A tensor or value has a shape other than the one the conversion needs.
    case shapeMismatch(node: String, expected: String, found: String)
    /// A weight tensor holds NaN or ±infinity.
    case nonFiniteWeights(tensor: String)
    /// A tensor's element type is not one the converter reads.
    case unsupportedTensorType(tensor: String, dataType: Int)
    /// A tensor's data does not match its dims.
    case tensorDataMismatch(tensor: String, expectedElements: Int, found: String)
    /// A tensor keeps its data in an external file.
    case externalDataUnsupported(tensor: String)
    /// The graph input or output cannot be used as a stream of feature frames.
    case unsupportedGraphInput(name: String, reason: String)
    /// The graph has a number of inputs or outputs other than one.
    case unsupportedGraphInterface(inputs: [String], outputs: [String])
    /// The graph is not a single chain of nodes from the input to the output.
    case graphNotAChain(reason: String)
    /// The graph contains no layer (e.g. input wired straight to output).
    case emptyNetwork

    public var description: String {
        switch self {
        case let .malformedProtobuf(offset, reason):
            return "the file is not a valid ONNX protobuf: \(reason) at byte offset \(offset)"
        case .missingGraph:
            return "the ONNX model has no graph"
        case .missingOpset:
            return "the ONNX model does not import the default operator set (opset_import with domain \"\")"
        case let .missingInitializer(node, input):
            return "node '\(node)' needs the constant '\(input)', but no initializer or Constant node provides it"
        case let .unsupportedInput(node, input, reason):
            return "node '\(node)': input '\(input)' \(reason)"
        case let .unsupportedOperator(node, op):
            return "node '\(node)' uses operator '\(op)', which Earshot cannot import yet "
                + "(supported: \(ONNXImporter.supportedOperators.joined(separator: ", ")))"
        case let .unsupportedAttribute(node, attribute, value):
            return "node '\(node)': attribute '\(attribute)' = \(value) is not supported"
        case let .unsupportedPlacement(node, op, reason):
            return "node '\(node)' (\(op)): \(reason)"
        case let .unsupportedOutput(node, output, reason):
            return "node '\(node)': output '\(output)' \(reason)"
        case let .shapeMismatch(node, expected, found):
            return "node '\(node)': expected shape \(expected), found \(found)"
        case let .nonFiniteWeights(tensor):
            return "tensor '\(tensor)' contains NaN or infinite values"
        case let .unsupportedTensorType(tensor, dataType):
            return "tensor '\(tensor)' has ONNX data type \(dataType) (\(ONNXDataType.name(dataType))); "
                + "Earshot reads float, double, float16, int32 and int64 tensors"
        case let .tensorDataMismatch(tensor, expectedElements, found):
            return "tensor '\(tensor)': its dims give \(expectedElements) elements, but its data holds \(found)"
        case let .externalDataUnsupported(tensor):
            return "tensor '\(tensor)' stores its data in an external file, which Earshot does not support; "
                + "save the model with all tensors inside the .onnx file"
        case let .unsupportedGraphInput(name, reason):
            return "graph input '\(name)': \(reason)"
        case let .unsupportedGraphInterface(inputs, outputs):
            return "the graph must have exactly one input and one output (initializers aside); found inputs "
                + "[\(inputs.map { "'\($0)'" }.joined(separator: ", "))] and outputs "
                + "[\(outputs.map { "'\($0)'" }.joined(separator: ", "))]"
        case let .graphNotAChain(reason):
            return "the graph is not a single chain from input to output: \(reason)"
        case .emptyNetwork:
            return "the graph contains no layer"
        }
    }
}
