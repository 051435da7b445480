import Model

/// A converted model: its description and its fp32 weights in Earshot's internal layout,
/// ready for `ModelWriter.serialize(_:tensors:)`.
public struct ImportedModel: Sendable {
    public var description: ModelDescription
    /// One tensor per `LayerDescription.requiredTensors` entry of every layer, in layer order,
    /// named `TensorRole.tensorName(layer:)`, float32, row-major.
    public var tensors: [TensorData]

    public init(description: ModelDescription, tensors: [TensorData]) {
        self.description = description
        self.tensors = tensors
    }
}
