import Model
import Runtime

/// A model built in memory with seeded random weights, plus the same weights in Double for the
/// reference implementation.
struct TestModel {
    var description: ModelDescription
    /// weights[layer][role] as Doubles (exactly the Float values written to the file).
    var weights: [[TensorRole: [Double]]]
    var file: ModelFile

    /// Random weights for every tensor `layers` require. Matrices are uniform in
    /// ±gain/√columns (so gates are neither all saturated nor all linear), vectors in ±0.5.
    init(inputSize: Int, layers: [LayerDescription], seed: UInt64, gain: Float = 1.5) throws {
        var generator = SeededGenerator(seed: seed)
        var tensors: [TensorData] = []
        var weights: [[TensorRole: [Double]]] = []
        for (index, layer) in layers.enumerated() {
            var layerWeights: [TensorRole: [Double]] = [:]
            for (role, shape) in layer.requiredTensors {
                let count = shape.reduce(1, *)
                let scale: Float = shape.count == 2 ? gain / Float(shape[1]).squareRoot() : 0.5
                let values = (0..<count).map { _ in generator.uniform(scale) }
                tensors.append(TensorData(name: role.tensorName(layer: index), shape: shape, floats: values))
                layerWeights[role] = values.map(Double.init)
            }
            weights.append(layerWeights)
        }
        description = ModelDescription(inputSize: inputSize, layers: layers)
        self.weights = weights
        file = try ModelFile(bytes: ModelWriter.serialize(description, tensors: tensors))
    }
}

/// Seeded random input frames, uniform in ±scale.
func randomFrames(count: Int, size: Int, seed: UInt64, scale: Float = 1.5) -> [[Float]] {
    var generator = SeededGenerator(seed: seed)
    return (0..<count).map { _ in (0..<size).map { _ in generator.uniform(scale) } }
}

extension Network {
    /// Steps through `frames` and returns every output (test convenience; allocates).
    func run(_ frames: [[Float]]) -> [[Float]] {
        frames.map { frame in frame.withUnsafeBufferPointer { Array(step($0)) } }
    }
}
