import TestSupport
import AllocationCounter
import Model
import Runtime
import Testing

/// A small streaming graph in the shape of microWakeWord's (ring buffer state, convolution over
/// the history, depthwise, ADD with a constant, int8 requantize, broadcast MUL, fully connected,
/// table, requantize), with seeded weights.
private func streamingGraph() -> QuantizedGraph {
    var generator = SeededGenerator(seed: 77)
    func weights(_ n: Int) -> [Int8] { (0..<n).map { _ in Int8.random(in: -127...127, using: &generator) } }
    // Tensors: 0 input [3,8], 1 state read [2,8], 2 concat [5,8], 3 new state [2,8], 4 conv [1,6],
    // 5 depthwise [1,6], 6 fc [1], 7 logistic [1], 8 output uint8 [1], 9 add [1,6], 10 requantized [1,6],
    // 11 mul [1,6].
    let sizes = [24, 16, 40, 16, 6, 6, 1, 1, 1, 6, 6, 6]
    var conv = QuantizedConvolution(kind: .convolution, input: 2, output: 4)
    (conv.inputHeight, conv.inputWidth, conv.inputChannels) = (5, 1, 8)
    (conv.outputHeight, conv.outputWidth, conv.outputChannels) = (1, 1, 6)
    (conv.kernelHeight, conv.strideHeight) = (5, 3)
    conv.inputOffset = 128; conv.outputZeroPoint = -128; conv.activationMin = -128
    conv.weights = weights(6 * 5 * 8); conv.bias = [Int32](repeating: 100, count: 6)
    conv.multipliers = [Int32](repeating: 1_500_000_000, count: 6); conv.shifts = [Int32](repeating: -9, count: 6)
    var depthwise = QuantizedConvolution(kind: .depthwise, input: 4, output: 5)
    (depthwise.inputChannels, depthwise.outputChannels) = (6, 6)
    depthwise.weights = weights(6); depthwise.bias = [Int32](repeating: -5, count: 6)
    depthwise.multipliers = [Int32](repeating: 1_200_000_000, count: 6); depthwise.shifts = [Int32](repeating: -6, count: 6)
    depthwise.inputOffset = 128; depthwise.rounding = .upward
    let add = QuantizedElementwise(
        kind: .add, first: QuantizedOperand(tensor: 5, constant: [], shape: [1, 1, 1, 6], offset: 128, multiplier: 1 << 30, shift: 0),
        second: QuantizedOperand(tensor: -1, constant: weights(6), shape: [1, 1, 1, 6], offset: 3, multiplier: 1_300_000_000, shift: -1),
        output: 9, shape: [1, 1, 1, 6], outputOffset: -5, multiplier: 1_700_000_000, shift: -19, activationMin: -128, activationMax: 127)
    let mul = QuantizedElementwise(
        kind: .multiply, first: QuantizedOperand(tensor: -1, constant: [-7], shape: [1, 1, 1, 1], offset: 5, multiplier: 0, shift: 0),
        second: QuantizedOperand(tensor: 10, constant: [], shape: [1, 1, 1, 6], offset: -2, multiplier: 0, shift: 0),
        output: 11, shape: [1, 1, 1, 6], outputOffset: 0, multiplier: 1_900_000_000, shift: -6, activationMin: -100, activationMax: 127)
    var dense = QuantizedConvolution(kind: .fullyConnected, input: 11, output: 6)
    (dense.inputChannels, dense.outputChannels) = (6, 1)
    dense.weights = weights(6); dense.bias = [7]; dense.multipliers = [1_100_000_000]; dense.shifts = [-7]
    dense.inputOffset = 3; dense.rounding = .upward
    let table = (0..<256).map { Int8(truncatingIfNeeded: $0 / 2 - 64) }
    let operations: [QuantizedOperation] = [
        .readVariable(variable: 0, output: 1),
        .concatenation(inputs: [1, 0], inner: [16, 24], outer: 1, output: 2),
        .slice(QuantizedSlice(input: 2, output: 3, inputShape: [1, 5, 1, 8], begin: [0, 3, 0, 0], stride: [1, 1, 1, 1],
                              outputShape: [1, 2, 1, 8])),
        .assignVariable(variable: 0, input: 3),
        .convolution(conv), .convolution(depthwise), .elementwise(add),
        .requantize(input: 9, output: 10, count: 6, inputZeroPoint: 5, multiplier: 1_234_567_890, shift: -1,
                    outputZeroPoint: 2, minimum: -128, maximum: 127, rounding: .upward),
        .elementwise(mul), .convolution(dense),
        .lookup(input: 6, output: 7, count: 1, table: table),
        .requantize(input: 7, output: 8, count: 1, inputZeroPoint: -128, multiplier: 1 << 30, shift: 1,
                    outputZeroPoint: 0, minimum: 0, maximum: 255, rounding: .awayFromZero),
    ]
    return QuantizedGraph(
        tensorSizes: sizes, variableInitialValues: [[Int8](repeating: -128, count: 16)], operations: operations,
        input: QuantizedPort(tensor: 0, frames: 3, width: 8, scale: 0.1, zeroPoint: -128, unsigned: false),
        output: QuantizedPort(tensor: 8, frames: 1, width: 1, scale: 1.0 / 256, zeroPoint: 0, unsigned: true),
        wakeWord: QuantizedWakeWord(name: "test", probabilityCutoff: 0.5, slidingWindow: 3, featureStepMilliseconds: 10,
                                    tensorArenaBytes: 0, frontendPreset: "micro"))
}

@Suite("Quantized graph (imported TFLite) runner")
struct QuantizedGraphAllocationTests {
    @Test("step allocates nothing after load")
    func allocationFree() throws {
        let network = try QuantizedNetwork(graph: streamingGraph())
        let features = (0..<24).map { Float($0 % 7) * 0.37 }
        var checksum: Float = 0
        features.withUnsafeBufferPointer { buffer in
            for _ in 0..<8 {
                network.setInput(features: buffer.baseAddress!)
                checksum += network.step()[0]
            }
            allocation_counter_begin()
            for _ in 0..<500 {
                network.setInput(features: buffer.baseAddress!)
                checksum += network.step()[0]
            }
            let count = allocation_counter_end()
            #expect(count == 0)
        }
        #expect(!checksum.isNaN)
    }

    @Test("reset restores the streaming state: the same input gives the same outputs again")
    func resetRestoresState() throws {
        let network = try QuantizedNetwork(graph: streamingGraph())
        var inputs: [[Float]] = []
        var generator = SeededGenerator(seed: 5)
        for _ in 0..<6 { inputs.append((0..<24).map { _ in Float.random(in: 0...26, using: &generator) }) }
        func run() -> [Int] {
            inputs.map { frame in
                frame.withUnsafeBufferPointer { network.setInput(features: $0.baseAddress!) }
                network.step()
                return network.rawOutput(0)
            }
        }
        let first = run()
        network.reset()
        #expect(run() == first)
    }

    @Test("the graph file round-trips and truncations are refused")
    func fileRoundTrip() throws {
        let graph = streamingGraph()
        let bytes = try QuantizedGraphFile.serialize(graph)
        #expect(try QuantizedGraphFile.parse(bytes) == graph)
        // Cuts inside the last tensor's trailing padding (at most 31 bytes) leave a complete file.
        for length in stride(from: 0, to: bytes.count - 31, by: 7) {
            #expect(throws: ModelError.self) { _ = try QuantizedGraphFile.parse(Array(bytes[..<length])) }
        }
    }
}
