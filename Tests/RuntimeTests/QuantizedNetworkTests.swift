import Kernels
import Model
import Runtime
import Testing

/// Streams seeded frames through a network with `weightType` matrices and through the Double
/// reference on the values the file encodes; returns the worst and mean absolute error.
private func errors(
    _ testCase: NetworkCase, weightTypes: [TensorType], seed: UInt64, steps: Int = 50,
    kernels: KernelSet = .best
) throws -> (worst: Double, mean: Double) {
    let model = try TestModel(inputSize: testCase.inputSize, layers: testCase.layers, seed: seed, weightTypes: weightTypes)
    let network = try Network(model: model.file, kernels: kernels)
    var reference = ReferenceNetwork(model)
    var worst = 0.0, total = 0.0, count = 0
    for frame in randomFrames(count: steps, size: testCase.inputSize, seed: seed &+ 1) {
        let expected = reference.step(frame)
        let actual = frame.withUnsafeBufferPointer { Array(network.step($0)) }
        for (a, e) in zip(actual, expected) {
            let error = abs(Double(a) - e)
            worst = max(worst, error.isNaN ? .infinity : error)
            total += error
            count += 1
        }
    }
    return (worst, total / Double(max(count, 1)))
}

@Suite("Network with fp16 and int8 weights")
struct QuantizedNetworkTests {
    @Test("fp16 weights: every case matches the Double reference on the widened weights within 1e-5",
          arguments: parityCases)
    func float16(_ testCase: NetworkCase) throws {
        let types = [TensorType](repeating: .float16, count: testCase.layers.count)
        let (worst, _) = try errors(testCase, weightTypes: types, seed: 4321)
        #expect(worst <= 1e-5, "\(testCase.name): worst abs error \(worst)")
    }

    @Test("int8 weights: every case stays within 0.03 (mean 0.005) of the Double reference on q·scale",
          arguments: parityCases)
    func int8(_ testCase: NetworkCase) throws {
        let types = [TensorType](repeating: .int8, count: testCase.layers.count)
        let (worst, mean) = try errors(testCase, weightTypes: types, seed: 4321)
        // The remaining error is the per-step quantization of the activations (about max|x|/254
        // per element), which the reference does not do.
        #expect(worst <= 0.03 && mean <= 0.005, "\(testCase.name): worst \(worst), mean \(mean)")
    }

    @Test("mixed weight types per layer: int8 LSTM, fp16 GRU, fp32 dense")
    func mixed() throws {
        let testCase = NetworkCase(
            name: "mixed", inputSize: 10,
            layers: [
                LayerDescription(kind: .lstm, inputSize: 10, hiddenSize: 20, projectionSize: 9, hasPeepholes: true),
                LayerDescription(kind: .gru, inputSize: 9, hiddenSize: 15, resetAfter: false),
                LayerDescription(kind: .dense, inputSize: 15, hiddenSize: 6),
                LayerDescription(kind: .softmax, inputSize: 6, hiddenSize: 6),
            ])
        let (worst, mean) = try errors(testCase, weightTypes: [.int8, .float16, .float32, .float32], seed: 9)
        #expect(worst <= 0.03 && mean <= 0.005, "worst \(worst), mean \(mean)")
    }

    @Test("every kernel path on this machine gives the same outputs within 1e-5, for every weight type")
    func pathsAgree() throws {
        let layers = [
            LayerDescription(kind: .lstm, inputSize: 40, hiddenSize: 128),
            LayerDescription(kind: .gru, inputSize: 128, hiddenSize: 33, resetAfter: true),
            LayerDescription(kind: .dense, inputSize: 33, hiddenSize: 12, activation: .tanh),
            LayerDescription(kind: .softmax, inputSize: 12, hiddenSize: 12),
        ]
        let frames = randomFrames(count: 30, size: 40, seed: 6)
        for type in [TensorType.float32, .float16, .int8] {
            let model = try TestModel(inputSize: 40, layers: layers, seed: 5, weightTypes: [type, type, type, .float32])
            let outputs = try KernelSet.available.map { try Network(model: model.file, kernels: $0).run(frames) }
            for (path, output) in zip(KernelSet.available, outputs).dropFirst() {
                let difference = zip(output, outputs[0]).map { zip($0, $1).map { abs($0 - $1) }.max()! }.max()!
                // int8: a last-bit difference in an activation can move one quantized value by 1.
                let tolerance: Float = type == .int8 ? 1e-3 : 1e-5
                #expect(difference <= tolerance, "\(type) on \(path.name): differs from generic by \(difference)")
            }
        }
    }

    @Test("the arena grows by the int8 quantization buffer only when a matrix is int8")
    func arenaGrows() throws {
        let layers = [
            LayerDescription(kind: .lstm, inputSize: 40, hiddenSize: 128),
            LayerDescription(kind: .dense, inputSize: 128, hiddenSize: 12),
        ]
        let fp32 = try Network(model: TestModel(inputSize: 40, layers: layers, seed: 1).file)
        let fp16 = try Network(model: TestModel(inputSize: 40, layers: layers, seed: 1, weightTypes: [.float16, .float16]).file)
        let int8 = try Network(model: TestModel(inputSize: 40, layers: layers, seed: 1, weightTypes: [.int8, .float32]).file)
        #expect(fp16.arenaByteCount == fp32.arenaByteCount)
        // the widest int8 matrix has 128 columns: 128 bytes, already a multiple of 64
        #expect(int8.arenaByteCount == fp32.arenaByteCount + 128)
        #expect(int8.stateByteCount == fp32.stateByteCount)
    }
}
