import Converter
import Model
import Testing

/// A recurrent openWakeWord head as `earshot train --head gru` exports it (oww_gru.py): X [T, 1, 4] ->
/// GRU(3) -> Squeeze -> MatMul [3, 1] + Add -> Sigmoid -> Squeeze, with the GRU's attributes, extra inputs and outputs as given.
private func gruHead(features: Int = 4, attributes: [TestAttribute] = [.int("hidden_size", 3), .int("linear_before_reset", 0)],
                     extraInputs: [String] = [], extraInitializers: [TestTensor] = [], readYh: Bool = false) -> [UInt8] {
    let h = 3
    func ramp(_ n: Int, _ scale: Float) -> [Float] { (0..<n).map { (i: Int) -> Float in Float(i % 7 - 3) * scale } }
    var graph = recurrentGraph(op: "GRU", gates: 3, features: features, hidden: h, attributes: attributes,
                               w: ramp(9 * features, 0.1), r: ramp(27, 0.05), b: ramp(18, 0.02),
                               extraInputs: extraInputs, extraInitializers: extraInitializers)
    graph.initializers += [TestTensor("out_W", dims: [3, 1], floats: [0.5, -0.25, 1]), TestTensor("out_b", dims: [1], floats: [0.1])]
    let axes = graph.intConstant("axes2", [1])
    graph.nodes += [
        TestNode("MatMul", "MatMul_2", inputs: ["y", "out_W"], outputs: ["m"]),
        TestNode("Add", "Add_3", inputs: ["m", "out_b"], outputs: ["a"]),
        TestNode("Sigmoid", "Sigmoid_4", inputs: ["a"], outputs: ["s"]),
        TestNode("Squeeze", "Squeeze_5", inputs: ["s", axes], outputs: ["score"]),
    ]
    if readYh {
        graph.nodes[0].outputs = ["Y", "Y_h"]
        graph.outputs.append(TestValueInfo("Y_h", [.value(1), .value(1), .value(3)]))
    }
    graph.outputs[0] = TestValueInfo("score", [.parameter("T"), .value(1)])
    return graph.bytes
}

@Suite("openWakeWord recurrent head import")
struct OpenWakeWordRecurrentImportTests {
    private func load(_ bytes: [UInt8], embeddingSize: Int = 4) throws -> (OpenWakeWordRecurrentHead, FloatLayerStack)? {
        try OpenWakeWordImporter.recurrentHead(.init(name: "head.onnx", bytes: bytes), embeddingSize: embeddingSize)
    }

    @Test("a GRU head imports: the GRU's weights and biases as ONNX stores them, the chain after it over its state",
          arguments: [0, 1] as [Int64])
    func imports(linearBeforeReset: Int64) throws {
        let loaded = try #require(try load(gruHead(attributes: [.int("hidden_size", 3), .int("linear_before_reset", linearBeforeReset)])))
        let (gru, head) = loaded
        #expect(gru.inputSize == 4 && gru.hiddenSize == 3 && gru.resetAfter == (linearBeforeReset == 1))
        let weights: [Float] = (0..<36).map { Float($0 % 7 - 3) * 0.1 }
        #expect(gru.inputWeights == weights)
        let bias: [Float] = (0..<18).map { Float($0 % 7 - 3) * 0.02 }
        let inputBias = Array(bias[..<9]), recurrentBias = Array(bias[9...])
        #expect(gru.inputBias == inputBias)
        #expect(gru.recurrentBias == recurrentBias)
        #expect(head.input == FloatShape(height: 1, width: 3, channels: 1))
        let layers: [FloatLayer] = [.dense(outputs: 1, weights: [0.5, -0.25, 1], bias: [0.1], activation: .none), .sigmoid]
        #expect(head.layers == layers)
        #expect(try gru.networkFile().description.layers.first?.kind == .gru)
    }

    @Test("a window head (no GRU) is not a recurrent head")
    func windowHead() throws {
        var graph = TestGraph()
        graph.initializers = [TestTensor("w", dims: [4, 1], floats: [1, 2, 3, 4])]
        graph.inputs = [TestValueInfo("x", [.value(1), .value(4)])]
        graph.outputs = [TestValueInfo("y", [.value(1), .value(1)])]
        graph.nodes = [TestNode("MatMul", "MatMul_0", inputs: ["x", "w"], outputs: ["y"])]
        #expect(try load(graph.bytes) == nil)
    }

    @Test("what a streamed head cannot be is refused, naming it")
    func refusals() throws {
        let cases: [([UInt8], String)] = [
            (gruHead(attributes: [.int("hidden_size", 3), .string("direction", "bidirectional")]), "direction"),
            (gruHead(attributes: [.int("hidden_size", 3), .float("clip", 5)]), "clip"),
            (gruHead(attributes: [.int("hidden_size", 4)]), "hidden_size"),
            (gruHead(features: 5), "W [1, 3·hidden, 4]"),
            (gruHead(extraInputs: ["", "h0"], extraInitializers: [TestTensor("h0", dims: [1, 1, 3], floats: [0, 0, 0])]), "initial_h"),
            (gruHead(extraInputs: ["lens"], extraInitializers: [TestTensor("lens", dims: [1], ints: [1])]), "sequence_lens"),
            (gruHead(readYh: true), "Y_h"),
        ]
        for (bytes, named) in cases {
            let error = #expect(throws: OpenWakeWordImportError.self) { _ = try load(bytes) }
            #expect(error.map { "\($0)".contains(named) } == true, "expected '\(named)' in \(String(describing: error))")
        }
    }
}
