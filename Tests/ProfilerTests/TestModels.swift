import Model
import Runtime
import TestSupport

/// A small LSTM 8->16 + dense 4 + softmax with seeded random weights, built in memory.
func testNetwork(inputSize: Int = 8, hidden: Int = 16, classes: Int = 4, seed: UInt64 = 1,
                 execution: ExecutionMode = .streaming) throws -> Network {
    try Network(model: testModelFile(inputSize: inputSize, hidden: hidden, classes: classes, seed: seed, execution: execution))
}

/// The same model as a file, with `frontend` stored in it (for a `Pipeline`).
func testModelFile(inputSize: Int = 8, hidden: Int = 16, classes: Int = 4, seed: UInt64 = 1,
                   execution: ExecutionMode = .streaming, frontend: FrontendConfig? = nil) throws -> ModelFile {
    let layers = [
        LayerDescription(kind: .lstm, name: "lstm", inputSize: inputSize, hiddenSize: hidden),
        LayerDescription(kind: .dense, name: "dense", inputSize: hidden, hiddenSize: classes),
        LayerDescription(kind: .softmax, inputSize: classes, hiddenSize: classes),
    ]
    var generator = SeededGenerator(seed: seed)
    var tensors: [TensorData] = []
    for (index, layer) in layers.enumerated() {
        for (role, shape) in layer.requiredTensors {
            let count = shape.reduce(1, *)
            tensors.append(TensorData(name: role.tensorName(layer: index), shape: shape,
                                      floats: (0..<count).map { _ in generator.uniformFromTopBits(0.4) }))
        }
    }
    let windowed = execution != .streaming
    let description = ModelDescription(inputSize: inputSize, layers: layers, labels: ["a", "b", "c", "d"].prefix(classes).map { $0 },
                                       outputMode: windowed ? .lastStep : .everyStep, frontend: frontend, execution: execution)
    return try ModelFile(bytes: ModelWriter.serialize(description, tensors: tensors))
}
