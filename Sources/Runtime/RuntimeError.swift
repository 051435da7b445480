import Model

/// Why a model cannot be run. Thrown only by `Network.init`; `step` never fails.
public enum RuntimeError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The model has no layers.
    case noLayers
    /// A tensor's element type is not allowed for its role (vectors are fp32; matrices fp32,
    /// fp16 or int8).
    case unsupportedWeightType(layer: Int, tensor: String, type: TensorType)
    /// An int8 matrix has no row scales.
    case missingScales(layer: Int, tensor: String)
    /// An int8 matrix holds −128 (Earshot's int8 is symmetric, −127...127).
    case int8ValueOutOfRange(layer: Int, tensor: String, row: Int, column: Int)
    /// A tensor the layer needs is absent.
    case missingTensor(layer: Int, tensor: String)
    /// A tensor's shape differs from what the layer needs.
    case tensorShapeMismatch(layer: Int, tensor: String, expected: [Int], found: [Int])
    /// A tensor holds fewer bytes than its shape and type need.
    case tensorTooSmall(layer: Int, tensor: String, byteCount: Int, needed: Int)
    /// A layer's input size is not the previous layer's output size (or the model's input size).
    case layerSizeMismatch(layer: Int, inputSize: Int, expected: Int)
    /// A size is zero, negative, or inconsistent with the layer kind.
    case invalidLayerSize(layer: Int, inputSize: Int, hiddenSize: Int, projectionSize: Int)
    /// A clip or bias attribute is NaN, infinite or negative where it must not be.
    case invalidLayerAttribute(layer: Int, attribute: String, value: Float)
    /// The planned arena exceeds `limit` bytes.
    case arenaTooLarge(byteCount: Int, limit: Int)

    public var description: String {
        switch self {
        case .noLayers:
            return "the model has no layers"
        case let .unsupportedWeightType(layer, tensor, type):
            return "layer \(layer): tensor '\(tensor)' is \(type); vectors must be fp32, matrices fp32, fp16 or int8"
        case let .missingScales(layer, tensor):
            return "layer \(layer): int8 tensor '\(tensor)' has no row scales ('\(tensor).scale')"
        case let .int8ValueOutOfRange(layer, tensor, row, column):
            return "layer \(layer): int8 tensor '\(tensor)' holds -128 at [\(row), \(column)]; "
                + "quantized weights must lie in -127...127 (symmetric)"
        case let .missingTensor(layer, tensor):
            return "layer \(layer): tensor '\(tensor)' is missing"
        case let .tensorShapeMismatch(layer, tensor, expected, found):
            return "layer \(layer): tensor '\(tensor)' has shape \(found), expected \(expected)"
        case let .tensorTooSmall(layer, tensor, byteCount, needed):
            return "layer \(layer): tensor '\(tensor)' holds \(byteCount) bytes, needs \(needed)"
        case let .layerSizeMismatch(layer, inputSize, expected):
            return "layer \(layer): input size \(inputSize) does not match the previous output size \(expected)"
        case let .invalidLayerSize(layer, inputSize, hiddenSize, projectionSize):
            return "layer \(layer): invalid sizes (input \(inputSize), hidden \(hiddenSize), projection \(projectionSize))"
        case let .invalidLayerAttribute(layer, attribute, value):
            return "layer \(layer): attribute \(attribute) = \(value) is not allowed"
        case let .arenaTooLarge(byteCount, limit):
            return "the arena would need \(byteCount) bytes, more than the limit of \(limit)"
        }
    }
}
