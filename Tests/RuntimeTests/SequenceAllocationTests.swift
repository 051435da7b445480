import AllocationCounter
import Model
import Runtime
import Testing

/// Bidirectional and attention models run window by window: zero allocations per window, counted
/// over thousands of windows (the counter's control tests are in AllocationTests).
@Suite("Allocation-free windows (bidirectional, attention)")
struct SequenceAllocationTests {
    private func bidirectional(_ layer: LayerDescription) -> LayerDescription {
        var copy = layer
        copy.direction = .bidirectional
        return copy
    }

    /// Pushes `frames` frames (a 16-frame pattern) through `windowed` between
    /// allocation_counter_begin/end, from the first frame after load (no warm-up); returns
    /// (allocations, runs).
    private func allocations(_ windowed: WindowedNetwork, frames: Int) -> (count: Int, runs: Int) {
        let input = randomFrames(count: 16, size: windowed.inputSize, seed: 77).flatMap { $0 }
        return input.withUnsafeBufferPointer { buffer in
            let base = buffer.baseAddress!
            var checksum: Float = 0
            var runs = 0
            allocation_counter_begin()
            var t = 0
            while t < frames {
                if windowed.push(base + (t & 15) &* windowed.inputSize) {
                    runs &+= 1
                    checksum += windowed.output[0]
                }
                t &+= 1
            }
            let count = allocation_counter_end()
            #expect(checksum.isFinite)
            return (count, runs)
        }
    }

    @Test("BiGRU + BiLSTM + attention + dense + softmax, carried first layer, fp32/fp16/int8",
          arguments: [TensorType.float32, .float16, .int8])
    func carriedModel(type: TensorType) throws {
        let layers = [
            bidirectional(LayerDescription(kind: .gru, inputSize: 10, hiddenSize: 13, resetAfter: true)),
            bidirectional(LayerDescription(kind: .lstm, inputSize: 26, hiddenSize: 11)),
            LayerDescription(kind: .attention, inputSize: 22, hiddenSize: 7, activation: .tanh),
            LayerDescription(kind: .dense, inputSize: 22, hiddenSize: 5, activation: .relu),
            LayerDescription(kind: .softmax, inputSize: 5, hiddenSize: 5),
        ]
        let model = try TestModel(inputSize: 10, layers: layers, seed: 8, weightTypes: [TensorType](repeating: type, count: 5),
                                  execution: .windowed(frames: 16, hop: 2))
        let network = try Network(model: model.file)
        #expect(network.isSequenceModel && network.carriedWidth == 13)
        let windowed = try #require(try WindowedNetwork.forModel(network))
        let (count, runs) = allocations(windowed, frames: 4_000)
        #expect(runs == 1 + (4_000 - 16) / 2)  // the first run at frame 16, then every 2nd frame
        #expect(count == 0, "\(count) allocations over \(runs) windows")
    }

    @Test("Conv1D + BiRNN + attention (every layer re-run per window)")
    func convolutionModel() throws {
        let geometry = ConvolutionGeometry(kernelTime: 5, kernelFeatures: 10, padTimeBegin: 2, padTimeEnd: 2, channelsLast: false)
        let layers = [
            LayerDescription(kind: .conv2d, inputSize: 10, hiddenSize: 8, activation: .relu, convolution: geometry),
            bidirectional(LayerDescription(kind: .rnn, inputSize: 8, hiddenSize: 9, activation: .tanh)),
            LayerDescription(kind: .attention, inputSize: 18, hiddenSize: 4, activation: .tanh),
            LayerDescription(kind: .dense, inputSize: 18, hiddenSize: 3),
        ]
        let model = try TestModel(inputSize: 10, layers: layers, seed: 9, weightTypes: [.int8, .int8, .int8, .int8],
                                  execution: .windowed(frames: 16, hop: 2))
        let network = try Network(model: model.file)
        #expect(network.isSequenceModel && network.hasConvolution && network.carriedWidth == 0)
        let windowed = try #require(try WindowedNetwork.forModel(network))
        let (count, runs) = allocations(windowed, frames: 4_000)
        #expect(runs == 1 + (4_000 - 16) / 2)  // the first run at frame 16, then every 2nd frame
        #expect(count == 0, "\(count) allocations over \(runs) windows")
    }

    /// A window whose buffers would pass the arena limit (1 GiB) is refused before anything is
    /// allocated, not attempted.
    @Test func oversizedWindowBuffersAreRefused() throws {
        let layers = [LayerDescription(kind: .attention, inputSize: 4_100, hiddenSize: 1, activation: .tanh)]
        let model = try TestModel(inputSize: 4_100, layers: layers, seed: 11,
                                  execution: .windowed(frames: ExecutionMode.maxWindowFrames, hop: 1))
        #expect {
            _ = try Network(model: model.file)
        } throws: { error in
            guard case RuntimeError.arenaTooLarge = error else { return false }
            return true
        }
    }

    /// A window run twice gives the same prediction (no stale state between windows), and the
    /// carried path equals `runWindow` from zero state on the stream's first window.
    @Test func firstWindowMatchesRunWindow() throws {
        let layers = [
            bidirectional(LayerDescription(kind: .lstm, inputSize: 6, hiddenSize: 5)),
            LayerDescription(kind: .dense, inputSize: 10, hiddenSize: 3),
        ]
        let model = try TestModel(inputSize: 6, layers: layers, seed: 10, execution: .windowed(frames: 9, hop: 3))
        let network = try Network(model: model.file)
        let windowed = try #require(try WindowedNetwork.forModel(network))
        let frames = randomFrames(count: 9, size: 6, seed: 5).flatMap { $0 }
        let carried: [Float] = frames.withUnsafeBufferPointer { buffer in
            for t in 0..<9 { windowed.push(buffer.baseAddress! + t * 6) }
            return Array(windowed.output)
        }
        let again = Array(windowed.evaluate())
        let reference = try Network(model: model.file)
        let direct = frames.withUnsafeBufferPointer { Array(reference.runWindow($0.baseAddress!, count: 9)) }
        #expect(carried == direct)
        #expect(again == direct)
    }
}
