import AllocationCounter
import Model
import Runtime
import Testing

/// Every buffer a network runs on lies in its one planned arena, sized as `ArenaLayout`
/// documents it; a windowed network keeps its own buffers in one block.
@Suite struct ArenaLayoutTests {
    @Test("conv2d rows are planned in the arena, after the scratch")
    func convolutionRowsInTheArena() throws {
        // CRNN-style: 10×4 kernel, stride 2×2 over 10 features, 6 filters → rows of 4·6 = 24 floats;
        // a 21-frame window gives (21 − 10) / 2 + 1 = 6 rows.
        let geometry = ConvolutionGeometry(kernelTime: 10, kernelFeatures: 4, strideTime: 2, strideFeatures: 2)
        let conv = LayerDescription(kind: .conv2d, name: "conv", inputSize: 10, hiddenSize: 6, activation: .relu,
                                    convolution: geometry)
        let model = try TestModel(
            inputSize: 10,
            layers: [
                conv,
                LayerDescription(kind: .gru, inputSize: 24, hiddenSize: 7, resetAfter: true),
                LayerDescription(kind: .dense, inputSize: 7, hiddenSize: 5),
                LayerDescription(kind: .softmax, inputSize: 5, hiddenSize: 5),
            ],
            seed: 5, execution: .windowed(frames: 21, hop: 21))
        let network = try Network(model: model.file)
        // state: GRU h 7 → 64 B. work: max(conv 10·4 + 6, GRU 4·7) = 46 floats → 192 B.
        // A/B: max(24, 5, 5) floats → 128 B each. conv rows: 6 · 24 floats = 576 B.
        #expect(network.stateByteCount == 64)
        #expect(network.arenaByteCount == 64 + 192 + 2 * 128 + 576)

        let frames = randomFrames(count: 21, size: 10, seed: 6).flatMap { $0 }
        let rows = frames.withUnsafeBufferPointer { network.convolve($0.baseAddress!, count: 21) }
        #expect(rows.count == 6 * 24)
        #expect(network.arenaContains(rows.baseAddress!, byteCount: rows.count * 4))
        #expect(network.arenaContains(network.output.baseAddress!, byteCount: network.outputSize * 4))
    }

    @Test("a sequence model's window buffers are planned in the arena")
    func windowBuffersInTheArena() throws {
        var gru = LayerDescription(kind: .gru, inputSize: 4, hiddenSize: 3, resetAfter: true)
        gru.direction = .bidirectional
        let model = try TestModel(
            inputSize: 4,
            layers: [
                gru,
                LayerDescription(kind: .attention, inputSize: 6, hiddenSize: 5, activation: .tanh),
                LayerDescription(kind: .dense, inputSize: 6, hiddenSize: 2),
            ],
            seed: 7, execution: .windowed(frames: 8, hop: 8))
        let network = try Network(model: model.file)
        // state: h 3 and reverse h 3 → 64 B each. work: max(GRU 4·3, attention 5) = 12 floats → 64 B.
        // A/B: max(attention 6, dense 2) floats → 64 B each.
        // window: two [8, 6] buffers + 8 scores + 2 outputs = 106 floats = 424 B → 448 B.
        #expect(network.sequenceByteCount == 424)
        #expect(network.arenaByteCount == 128 + 64 + 2 * 64 + 448)

        let frames = randomFrames(count: 8, size: 4, seed: 8).flatMap { $0 }
        let output = frames.withUnsafeBufferPointer { network.runWindow($0.baseAddress!, count: 8) }
        #expect(output.allSatisfy { $0.isFinite })
        #expect(network.arenaContains(output.baseAddress!, byteCount: output.count * 4))
    }

    /// How many allocations `WindowedNetwork.init` makes for `network` (after one warm-up init).
    private func initAllocations(_ network: Network, frames: Int, hop: Int) throws -> (count: Int, bytes: Int) {
        _ = try WindowedNetwork(network: network, frames: frames, hop: hop)
        allocation_counter_begin()
        let windowed = try WindowedNetwork(network: network, frames: frames, hop: hop)
        let count = allocation_counter_end()
        return (count, windowed.bufferByteCount)
    }

    @Test("a windowed network keeps its ring, window, carried rings and prediction in one block")
    func windowedNetworkIsOneBlock() throws {
        #expect(allocation_counter_is_active() == 1)
        var gru = LayerDescription(kind: .gru, inputSize: 4, hiddenSize: 3, resetAfter: true)
        gru.direction = .bidirectional
        let carried = try TestModel(
            inputSize: 4,
            layers: [gru, LayerDescription(kind: .attention, inputSize: 6, hiddenSize: 5, activation: .tanh)],
            seed: 9, execution: .windowed(frames: 8, hop: 2))
        let carriedNetwork = try Network(model: carried.file)
        #expect(carriedNetwork.carriedWidth == 3)
        // Five buffers: ring 8·4 = 32, window 32, carried rings 8·3 = 24 → 32 floats each, prediction 6 → 16.
        let five = try initAllocations(carriedNetwork, frames: 8, hop: 2)
        #expect(five.bytes == (32 + 32 + 32 + 32 + 16) * 4)

        // Two buffers: a streaming GRU run over windows has only the ring and the prediction.
        let streaming = try TestModel(
            inputSize: 4, layers: [LayerDescription(kind: .gru, inputSize: 4, hiddenSize: 3, resetAfter: true)],
            seed: 10, execution: .windowed(frames: 8, hop: 2))
        let two = try initAllocations(try Network(model: streaming.file), frames: 8, hop: 2)
        #expect(two.bytes == (32 + 16) * 4)
        // One block either way: the count does not grow with the buffers.
        #expect(five.count == two.count, "\(five.count) allocations for five buffers, \(two.count) for two")
    }
}
