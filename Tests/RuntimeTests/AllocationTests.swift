import AllocationCounter
import Glibc
import Kernels
import Model
import Runtime
import Testing

/// Written by the control test so the array it creates escapes and cannot live on the stack.
nonisolated(unsafe) private var sink: [Int] = []
nonisolated(unsafe) private var mallocSink: UnsafeMutableRawPointer?

/// Runs `steps` calls of `network.step` between allocation_counter_begin/end, counting from the
/// first step after load (no warm-up), and returns the count.
private func allocations(stepping network: Network, steps: Int) -> Int {
    let frames = randomFrames(count: 16, size: network.inputSize, seed: 31)
    let flat = frames.flatMap { $0 }
    return flat.withUnsafeBufferPointer { buffer in
        let base = buffer.baseAddress!
        var checksum: Float = 0
        allocation_counter_begin()
        var t = 0
        while t < steps {
            checksum += network.step(base + (t & 15) &* network.inputSize)[0]
            t &+= 1
        }
        let count = allocation_counter_end()
        #expect(!checksum.isNaN)
        return count
    }
}

@Suite("Allocation-free step")
struct AllocationTests {
    @Test("control: the counter is interposed and sees a direct malloc")
    func controlMalloc() {
        #expect(allocation_counter_is_active() == 1)
        allocation_counter_begin()
        // Kept in a global until after the count: a malloc freed unused is deleted by the
        // optimizer in release builds, and the control would then prove nothing.
        mallocSink = malloc(64)
        let count = allocation_counter_end()
        free(mallocSink)
        mallocSink = nil
        #expect(count >= 1)
    }

    @Test("control: the counter sees libswiftCore allocating a Swift Array")
    func controlSwiftArray() {
        let n = Int.random(in: 100...200)
        allocation_counter_begin()
        sink = [Int](repeating: 7, count: n)
        let count = allocation_counter_end()
        #expect(count >= 1)
        #expect(sink.count == n)
    }

    @Test("control: counting stops at end")
    func controlStops() {
        allocation_counter_begin()
        let count = allocation_counter_end()
        sink = [Int](repeating: 1, count: Int.random(in: 10...20))
        #expect(count == 0)
    }

    @Test("10,000 steps of LSTM 40→128 + dense 12 + softmax allocate nothing, for every weight type",
          arguments: [TensorType.float32, .float16, .int8])
    func lstmModel(weightType: TensorType) throws {
        let model = try TestModel.lstm40(seed: 40, weightType: weightType)
        let network = try Network(model: model.file)
        #expect(allocations(stepping: network, steps: 10_000) == 0)
    }

    @Test("10,000 steps of stacked GRU/RNN/LSTM(projection, peepholes, clips) allocate nothing, for every weight type",
          arguments: [TensorType.float32, .float16, .int8])
    func stackedModel(weightType: TensorType) throws {
        let model = try TestModel(
            inputSize: 13,
            layers: [
                LayerDescription(kind: .gru, inputSize: 13, hiddenSize: 37, gateClip: 3, resetAfter: false),
                LayerDescription(kind: .gru, inputSize: 37, hiddenSize: 20, resetAfter: true),
                LayerDescription(kind: .rnn, inputSize: 20, hiddenSize: 16, activation: .tanh),
                LayerDescription(
                    kind: .lstm, inputSize: 16, hiddenSize: 24, projectionSize: 8, hasPeepholes: true,
                    forgetBias: 1, cellClip: 3, gateClip: 5, projectionClip: 2),
                LayerDescription(kind: .rnn, inputSize: 8, hiddenSize: 9, activation: .relu),
                LayerDescription(kind: .dense, inputSize: 9, hiddenSize: 7, activation: .sigmoid),
                LayerDescription(kind: .dense, inputSize: 7, hiddenSize: 5, activation: .tanh),
                LayerDescription(kind: .softmax, inputSize: 5, hiddenSize: 5),
            ], seed: 41, weightTypes: [TensorType](repeating: weightType, count: 8))
        let network = try Network(model: model.file)
        #expect(allocations(stepping: network, steps: 10_000) == 0)
    }

    @Test("10,000 steps of an LSTM allocate nothing on every kernel path of this machine")
    func everyPath() throws {
        let model = try TestModel(
            inputSize: 13,
            layers: [
                LayerDescription(kind: .lstm, inputSize: 13, hiddenSize: 37, projectionSize: 9, hasPeepholes: true),
                LayerDescription(kind: .gru, inputSize: 9, hiddenSize: 20, resetAfter: true),
                LayerDescription(kind: .dense, inputSize: 20, hiddenSize: 5, activation: .sigmoid),
            ], seed: 43, weightTypes: [.int8, .float16, .float32])
        for kernels in KernelSet.available {
            let network = try Network(model: model.file, kernels: kernels)
            #expect(allocations(stepping: network, steps: 10_000) == 0, "\(kernels.name)")
        }
    }

    @Test("reset and stepLayer allocate nothing")
    func resetAndStepLayer() throws {
        let model = try TestModel(
            inputSize: 8,
            layers: [LayerDescription(kind: .lstm, inputSize: 8, hiddenSize: 16), LayerDescription(kind: .dense, inputSize: 16, hiddenSize: 4)],
            seed: 42, weightTypes: [.int8, .float16])
        let network = try Network(model: model.file)
        let frame = [Float](repeating: 0.25, count: 8)
        let count = frame.withUnsafeBufferPointer { buffer in
            network.stepLayer(0, frame: buffer.baseAddress!)
            network.reset()
            allocation_counter_begin()
            for _ in 0..<100 {
                network.reset()
                for index in 0..<network.layerCount { network.stepLayer(index, frame: buffer.baseAddress!) }
            }
            return allocation_counter_end()
        }
        #expect(count == 0)
    }
}
