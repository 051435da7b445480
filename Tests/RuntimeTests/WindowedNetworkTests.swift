import AllocationCounter
import Model
import Runtime
import TestSupport
import Testing

/// Windowed execution: the ring of the last W frames, run from zero state every K frames.
@Suite struct WindowedNetworkTests {
    /// GRU 4 -> 6, dense 6 -> 3, softmax; windowed (W = 7, K = 3) with random weights.
    static func model(frames: Int = 7, hop: Int = 3) throws -> ModelFile {
        let description = ModelDescription(
            inputSize: 4,
            layers: [
                LayerDescription(kind: .gru, name: "gru", inputSize: 4, hiddenSize: 6, resetAfter: true),
                LayerDescription(kind: .dense, name: "logits", inputSize: 6, hiddenSize: 3),
                LayerDescription(kind: .softmax, inputSize: 3, hiddenSize: 3),
            ],
            labels: ["a", "b", "c"], outputMode: .lastStep,
            execution: .windowed(frames: frames, hop: hop))
        var generator = SeededGenerator(seed: 77)
        var tensors: [TensorData] = []
        for (index, layer) in description.layers.enumerated() {
            for (role, shape) in layer.requiredTensors {
                let values = (0..<shape.reduce(1, *)).map { _ in generator.uniformFromTopBits(0.8) }
                tensors.append(TensorData(name: role.tensorName(layer: index), shape: shape, floats: values))
            }
        }
        return try ModelFile(bytes: ModelWriter.serialize(description, tensors: tensors))
    }

    /// The last output of stepping `frames` from zero state on a separate network.
    static func direct(_ model: ModelFile, _ frames: ArraySlice<[Float]>) throws -> [Float] {
        let network = try Network(model: model)
        return network.run(Array(frames)).last!
    }

    @Test func runsAtTheWindowThenEveryHopOverTheLastWFrames() throws {
        let model = try Self.model()
        let windowed = try #require(try WindowedNetwork.forModel(try Network(model: model)))
        #expect(windowed.windowFrames == 7 && windowed.hopFrames == 3)
        let frames = randomFrames(count: 40, size: 4, seed: 5)
        var runs: [Int] = []
        for (t, frame) in frames.enumerated() {
            let ran = frame.withUnsafeBufferPointer { windowed.push($0.baseAddress!) }
            #expect(windowed.frameCount == min(t + 1, 7))
            guard ran else { continue }
            runs.append(t)
            let expected = try Self.direct(model, frames[(t - 6)...t])
            let got = Array(windowed.output)
            for (g, e) in zip(got, expected) { #expect(abs(g - e) <= 1e-6, "frame \(t): \(got) vs \(expected)") }
        }
        #expect(runs == Array(stride(from: 6, to: 40, by: 3)))
    }

    @Test func evaluateRunsThePartialRingAndResetStartsOver() throws {
        let model = try Self.model()
        let windowed = try WindowedNetwork(network: try Network(model: model), frames: 7, hop: 7)
        #expect(Array(windowed.evaluate()) == [0, 0, 0])  // nothing held yet
        let frames = randomFrames(count: 12, size: 4, seed: 9)
        for frame in frames.prefix(4) { frame.withUnsafeBufferPointer { _ = windowed.push($0.baseAddress!) } }
        #expect(Array(windowed.evaluate()) == (try Self.direct(model, frames[0..<4])))
        for frame in frames[4..<12] { frame.withUnsafeBufferPointer { _ = windowed.push($0.baseAddress!) } }
        #expect(Array(windowed.evaluate()) == (try Self.direct(model, frames[5..<12])))
        windowed.reset()
        #expect(windowed.frameCount == 0 && Array(windowed.output) == [0, 0, 0])
        for frame in frames.prefix(7) { frame.withUnsafeBufferPointer { _ = windowed.push($0.baseAddress!) } }
        #expect(Array(windowed.output) == (try Self.direct(model, frames[0..<7])))
    }

    @Test func streamingModelsHaveNoWindow() throws {
        var description = try Self.model().description
        description.execution = .streaming
        var generator = SeededGenerator(seed: 1)
        var tensors: [TensorData] = []
        for (index, layer) in description.layers.enumerated() {
            for (role, shape) in layer.requiredTensors {
                tensors.append(TensorData(name: role.tensorName(layer: index), shape: shape,
                                          floats: (0..<shape.reduce(1, *)).map { _ in generator.uniformFromTopBits(1) }))
            }
        }
        let network = try Network(model: ModelFile(bytes: ModelWriter.serialize(description, tensors: tensors)))
        #expect(try WindowedNetwork.forModel(network) == nil)
    }

    @Test func tooLargeARingIsAnError() throws {
        let network = try Network(model: try Self.model())
        #expect(throws: RuntimeError.arenaTooLarge(byteCount: Int.max, limit: 1 << 30)) {
            _ = try WindowedNetwork(network: network, frames: Int.max / 2, hop: 1)
        }
    }

    @Test func pushAndEvaluateAllocateNothing() throws {
        #expect(allocation_counter_is_active() == 1)
        let windowed = try #require(try WindowedNetwork.forModel(try Network(model: try Self.model(frames: 49, hop: 2))))
        let flat = randomFrames(count: 64, size: 4, seed: 3).flatMap { $0 }
        var runs = 0
        flat.withUnsafeBufferPointer { buffer in
            let base = buffer.baseAddress!
            allocation_counter_begin()  // from the first push after load: no warm-up
            var t = 0
            while t < 5000 {
                if windowed.push(base + (t & 63) &* 4) { runs &+= 1 }
                t &+= 1
            }
            windowed.evaluate()
            windowed.reset()
            let count = allocation_counter_end()
            #expect(count == 0, "\(count) allocations in 5000 pushes and \(runs) window runs")
        }
        #expect(runs == 1 + (5000 - 49) / 2)  // the first run at frame 49, then every 2nd frame
    }
}
