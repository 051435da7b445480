import Model
import Runtime
import TestSupport

/// A model built in memory with seeded random weights, plus the same weights in Double for the
/// reference implementation.
struct TestModel {
    /// The keyword-spotting shape the allocation and system-call checks step: LSTM 40→128,
    /// dense 12, softmax; the LSTM and dense matrices stored as `weightType`.
    static func lstm40(seed: UInt64, weightType: TensorType) throws -> TestModel {
        try TestModel(
            inputSize: 40,
            layers: [
                LayerDescription(kind: .lstm, inputSize: 40, hiddenSize: 128),
                LayerDescription(kind: .dense, inputSize: 128, hiddenSize: 12),
                LayerDescription(kind: .softmax, inputSize: 12, hiddenSize: 12),
            ], seed: seed, weightTypes: [weightType, weightType, .float32])
    }

    var description: ModelDescription
    /// weights[layer][role] as Doubles (exactly the Float values written to the file).
    var weights: [[TensorRole: [Double]]]
    var file: ModelFile

    /// Random weights for every tensor `layers` require. Matrices are uniform in
    /// ±gain/√columns (so gates are neither all saturated nor all linear), vectors in ±0.5.
    /// `weightTypes[i]` stores layer i's matrices as fp16 or int8 (default fp32); `weights` then
    /// holds the values the file really encodes (the widened halves, or scale · q), computed
    /// here independently of the converter (Swift's Float16; round(w / (max|w|/127))).
    init(
        inputSize: Int, layers: [LayerDescription], seed: UInt64, gain: Float = 1.5,
        weightTypes: [TensorType]? = nil, execution: ExecutionMode = .streaming
    ) throws {
        var generator = SeededGenerator(seed: seed)
        var tensors: [TensorData] = []
        var weights: [[TensorRole: [Double]]] = []
        for (index, layer) in layers.enumerated() {
            var layerWeights: [TensorRole: [Double]] = [:]
            let type = weightTypes?[index] ?? .float32
            for (role, shape) in layer.requiredTensors {
                let count = shape.reduce(1, *)
                let scale: Float = shape.count == 2 ? gain / Float(shape[1]).squareRoot() : 0.5
                let values = (0..<count).map { _ in generator.uniformFromTopBits(scale) }
                let name = role.tensorName(layer: index)
                switch (role.isMatrix, type) {
                case (true, .float16):
                    let halves = values.map { Float16($0) }
                    let bytes = halves.flatMap { [UInt8($0.bitPattern & 0xFF), UInt8($0.bitPattern >> 8)] }
                    tensors.append(TensorData(name: name, type: .float16, shape: shape, bytes: bytes))
                    layerWeights[role] = halves.map { Double(Float($0)) }
                case (true, .int8):
                    let rows = shape[0], columns = shape[1]
                    var q = [Int8](repeating: 0, count: count)
                    var scales = [Float](repeating: 0, count: rows)
                    var dequantized = [Double](repeating: 0, count: count)
                    for r in 0..<rows {
                        let row = values[r * columns..<(r + 1) * columns]
                        scales[r] = row.map(abs).max()! / 127
                        for c in 0..<columns where scales[r] > 0 {
                            q[r * columns + c] = Int8((values[r * columns + c] / scales[r]).rounded())
                            dequantized[r * columns + c] = Double(scales[r]) * Double(q[r * columns + c])
                        }
                    }
                    tensors.append(TensorData(name: name, type: .int8, shape: shape, bytes: q.map { UInt8(bitPattern: $0) }))
                    tensors.append(TensorData(name: name + ".scale", shape: [rows], floats: scales))
                    layerWeights[role] = dequantized
                default:
                    tensors.append(TensorData(name: name, shape: shape, floats: values))
                    layerWeights[role] = values.map(Double.init)
                }
            }
            weights.append(layerWeights)
        }
        description = ModelDescription(inputSize: inputSize, layers: layers, execution: execution)
        self.weights = weights
        file = try ModelFile(bytes: ModelWriter.serialize(description, tensors: tensors))
    }
}

/// Seeded random input frames, uniform in ±scale.
func randomFrames(count: Int, size: Int, seed: UInt64, scale: Float = 1.5) -> [[Float]] {
    var generator = SeededGenerator(seed: seed)
    return (0..<count).map { _ in (0..<size).map { _ in generator.uniformFromTopBits(scale) } }
}

extension Network {
    /// Steps through `frames` and returns every output (test convenience; allocates).
    func run(_ frames: [[Float]]) -> [[Float]] {
        frames.map { frame in frame.withUnsafeBufferPointer { Array(step($0)) } }
    }
}
