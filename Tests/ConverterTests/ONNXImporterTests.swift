import Model
import Testing

@testable import Converter

/// Float values of an imported tensor.
func floats(_ model: ImportedModel, _ name: String) -> [Float]? {
    guard let tensor = model.tensors.first(where: { $0.name == name }) else { return nil }
    var values = [Float]()
    for index in stride(from: 0, to: tensor.bytes.count, by: 4) {
        let bits = UInt32(tensor.bytes[index]) | UInt32(tensor.bytes[index + 1]) << 8
            | UInt32(tensor.bytes[index + 2]) << 16 | UInt32(tensor.bytes[index + 3]) << 24
        values.append(Float(bitPattern: bits))
    }
    return values
}

func shape(_ model: ImportedModel, _ name: String) -> [Int]? {
    model.tensors.first(where: { $0.name == name })?.shape
}

/// Reorders ONNX-ordered gate blocks into the order named by `to` (e.g. "iofc" → "ifco").
func gates(_ values: [Float], from: String, to: String, size: Int) -> [Float] {
    var result = [Float]()
    for name in to { result += block(values, gate: name, order: from, size: size) }
    return result
}

@Suite struct ONNXImporterTests {
    @Test(arguments: [TensorEncoding.raw, .packedFloatData, .unpackedFloatData])
    func pytorchLSTMImportsToDescriptionAndInternalGateOrder(encoding: TensorEncoding) throws {
        let fixture = PyTorchLSTMFixture(encoding: encoding)
        let model = try ONNXImporter.importModel(bytes: fixture.bytes)
        let (f, h, c) = (fixture.features, fixture.hidden, fixture.classes)
        let expected = ModelDescription(
            inputSize: f,
            layers: [
                LayerDescription(kind: .lstm, name: "LSTM_0", inputSize: f, hiddenSize: h),
                LayerDescription(kind: .dense, name: "MatMul_2", inputSize: h, hiddenSize: c),
                LayerDescription(kind: .softmax, name: "Softmax_4", inputSize: c, hiddenSize: c),
            ],
            outputMode: .everyStep,
            metadata: [
                "source": .string("onnx"), "onnx.opset": .int(13), "onnx.ir_version": .int(8),
                "onnx.producer_name": .string("pytorch"), "onnx.producer_version": .string("2.3.0"),
            ])
        #expect(model.description == expected)

        // ONNX i,o,f,c → Earshot i,f,c,o, block by block.
        #expect(floats(model, "layer.0.input_weights") == gates(fixture.w, from: "iofc", to: "ifco", size: h * f))
        #expect(floats(model, "layer.0.recurrent_weights") == gates(fixture.r, from: "iofc", to: "ifco", size: h * h))
        let wb = Array(fixture.b[0..<(4 * h)])
        let rb = Array(fixture.b[(4 * h)...])
        let summed = zip(wb, rb).map { $0 + $1 }
        #expect(floats(model, "layer.0.bias") == gates(summed, from: "iofc", to: "ifco", size: h))
        #expect(shape(model, "layer.0.input_weights") == [4 * h, f])
        #expect(shape(model, "layer.0.recurrent_weights") == [4 * h, h])
        #expect(shape(model, "layer.0.bias") == [4 * h])

        // MatMul B [h, c] → W [c, h] = Bᵀ; Add → bias.
        var transposed = [Float]()
        for column in 0..<c {
            for row in 0..<h { transposed.append(fixture.fcWeight[row * c + column]) }
        }
        #expect(floats(model, "layer.1.input_weights") == transposed)
        #expect(shape(model, "layer.1.input_weights") == [c, h])
        #expect(floats(model, "layer.1.bias") == fixture.fcBias)
        #expect(model.tensors.count == 5)
    }

    @Test func lstmGateOrderUsesTheSpecifiedBlocks() throws {
        // Independent spot check: internal forget gate (block 1) holds ONNX block 2 (f), whose
        // tagged values are 2000 + row·10 + column.
        let fixture = PyTorchLSTMFixture()
        let model = try ONNXImporter.importModel(bytes: fixture.bytes)
        let w = try #require(floats(model, "layer.0.input_weights"))
        let size = fixture.hidden * fixture.features
        #expect(w[size] == 2000)  // f, row 0, column 0
        #expect(w[2 * size + 1] == 3001)  // c, row 0, column 1
        #expect(w[3 * size + fixture.features] == 1010)  // o, row 1, column 0
    }

    @Test func opset11SqueezeAttributeAndSoftmaxDefaultAxis() throws {
        var fixture = PyTorchLSTMFixture(opset: 11)
        // Softmax without axis at opset 11 coerces at axis 1: [T | 1, C] — one step per row.
        fixture.graph.nodes[fixture.node("Softmax_4")].attributes = []
        let model = try ONNXImporter.importModel(bytes: fixture.bytes)
        #expect(model.description.layers.map(\.kind) == [.lstm, .dense, .softmax])
        #expect(model.description.metadata["onnx.opset"] == .int(11))
    }

    @Test func initializersListedAsGraphInputsAreNotInputs() throws {
        var fixture = PyTorchLSTMFixture()
        fixture.graph.listInitializersAsInputs = true
        let model = try ONNXImporter.importModel(bytes: fixture.bytes)
        #expect(model.description.inputSize == fixture.features)
    }

    @Test func constantNodesActAsInitializers() throws {
        var fixture = PyTorchLSTMFixture()
        let index = fixture.graph.initializers.firstIndex { $0.name == "fc.weight" }!
        let tensor = fixture.graph.initializers.remove(at: index)
        fixture.graph.nodes.insert(
            TestNode("Constant", "Constant_9", inputs: [], outputs: ["fc.weight"], attributes: [.tensor("value", tensor)]),
            at: 0)
        let model = try ONNXImporter.importModel(bytes: fixture.bytes)
        #expect(floats(model, "layer.1.input_weights")?.count == fixture.hidden * fixture.classes)
        #expect(floats(model, "layer.1.input_weights")?.first == fixture.fcWeight[0])
    }

    @Test(arguments: [0, 1])
    func gemmHonoursTransBAlphaAndBeta(transB: Int) throws {
        let (inputs, outputs) = (3, 2)
        // Logical weight W[o][i] = 10·o + i.
        var b = [Float]()
        if transB == 1 {
            for o in 0..<outputs { for i in 0..<inputs { b.append(Float(10 * o + i)) } }
        } else {
            for i in 0..<inputs { for o in 0..<outputs { b.append(Float(10 * o + i)) } }
        }
        var graph = TestGraph()
        graph.initializers = [
            TestTensor("B", dims: transB == 1 ? [2, 3] : [3, 2], floats: b),
            TestTensor("C", dims: [2], floats: [1, -1]),
        ]
        graph.inputs = [TestValueInfo("x", [.parameter("T"), .value(3)])]
        graph.outputs = [TestValueInfo("y", [.parameter("T"), .value(2)])]
        graph.nodes = [
            TestNode("Gemm", "fc", inputs: ["x", "B", "C"], outputs: ["z"],
                     attributes: [.int("transB", Int64(transB)), .float("alpha", 2), .float("beta", 0.5)]),
            TestNode("Relu", "relu", inputs: ["z"], outputs: ["y"]),
        ]
        let model = try ONNXImporter.importModel(bytes: graph.bytes)
        #expect(model.description.layers == [
            LayerDescription(kind: .dense, name: "fc", inputSize: 3, hiddenSize: 2, activation: .relu)
        ])
        #expect(floats(model, "layer.0.input_weights") == [0, 2, 4, 20, 22, 24])
        #expect(floats(model, "layer.0.bias") == [0.5, -0.5])
    }

    @Test(arguments: [0, 1])
    func gruKeepsGateOrderAndSplitsBiases(linearBeforeReset: Int) throws {
        let (f, h) = (3, 2)
        let w = gateTagged(gates: 3, rows: h, columns: f)
        let r = gateTagged(gates: 3, rows: h, columns: h, offset: 0.5)
        let b = gateTagged(gates: 6, rows: h, columns: 1, offset: 0.25)
        let graph = recurrentGraph(
            op: "GRU", gates: 3, features: f, hidden: h,
            attributes: [.int("hidden_size", 2), .int("linear_before_reset", Int64(linearBeforeReset))],
            w: w, r: r, b: b)
        let model = try ONNXImporter.importModel(bytes: graph.bytes)
        #expect(model.description.layers == [
            LayerDescription(kind: .gru, name: "GRU_0", inputSize: f, hiddenSize: h, resetAfter: linearBeforeReset == 1)
        ])
        #expect(floats(model, "layer.0.input_weights") == w)
        #expect(floats(model, "layer.0.recurrent_weights") == r)
        #expect(floats(model, "layer.0.input_bias") == Array(b[0..<(3 * h)]))
        #expect(floats(model, "layer.0.recurrent_bias") == Array(b[(3 * h)...]))
    }

    @Test func rnnReluSumsBiases() throws {
        let (f, h) = (2, 3)
        let w = gateTagged(gates: 1, rows: h, columns: f)
        let r = gateTagged(gates: 1, rows: h, columns: h, offset: 0.5)
        let b: [Float] = [1, 2, 3, 10, 20, 30]
        let graph = recurrentGraph(
            op: "RNN", gates: 1, features: f, hidden: h,
            attributes: [.strings("activations", ["Relu"]), .float("clip", 4)], w: w, r: r, b: b)
        let model = try ONNXImporter.importModel(bytes: graph.bytes)
        #expect(model.description.layers == [
            LayerDescription(kind: .rnn, name: "RNN_0", inputSize: f, hiddenSize: h, activation: .relu, gateClip: 4)
        ])
        #expect(floats(model, "layer.0.bias") == [11, 22, 33])
        #expect(floats(model, "layer.0.input_weights") == w)
    }

    @Test func rnnWithoutBiasGetsZeroBiasAndTanh() throws {
        let graph = recurrentGraph(
            op: "RNN", gates: 1, features: 2, hidden: 2, attributes: [],
            w: [1, 2, 3, 4], r: [5, 6, 7, 8], b: nil)
        let model = try ONNXImporter.importModel(bytes: graph.bytes)
        #expect(model.description.layers[0].activation == .tanh)
        #expect(floats(model, "layer.0.bias") == [0, 0])
    }

    @Test func lstmPeepholesAreReorderedAndClipKept() throws {
        let (f, h) = (2, 2)
        let p: [Float] = [1, 2, 30, 40, 500, 600]  // ONNX i, o, f
        let graph = recurrentGraph(
            op: "LSTM", gates: 4, features: f, hidden: h,
            attributes: [.float("clip", 3), .string("direction", "forward"),
                         .strings("activations", ["Sigmoid", "Tanh", "Tanh"]), .int("input_forget", 0)],
            w: gateTagged(gates: 4, rows: h, columns: f), r: gateTagged(gates: 4, rows: h, columns: h), b: nil,
            extraInputs: ["", "h0", "c0", "P"],
            extraInitializers: [
                TestTensor("P", dims: [1, 6], floats: p),
                TestTensor("h0", dims: [1, 1, 2], floats: [0, 0]),
                TestTensor("c0", dims: [1, 1, 2], floats: [0, -0.0]),
            ])
        let model = try ONNXImporter.importModel(bytes: graph.bytes)
        #expect(model.description.layers == [
            LayerDescription(kind: .lstm, name: "LSTM_0", inputSize: f, hiddenSize: h, hasPeepholes: true, gateClip: 3)
        ])
        #expect(floats(model, "layer.0.peepholes") == [1, 2, 500, 600, 30, 40])  // i, f, o
        #expect(floats(model, "layer.0.bias") == [Float](repeating: 0, count: 8))
    }

    /// tf2onnx: [batch, T, F] → Transpose → LSTM (layout 0) → Squeeze → Transpose → Slice[-1:] on time
    /// → Squeeze → MatMul → Add → Softmax.
    @Test func tf2onnxBatchFirstWithSliceOfLastStep() throws {
        var fixture = PyTorchLSTMFixture()
        var graph = fixture.graph
        graph.inputs = [TestValueInfo("input", [.parameter("unk__0"), .value(49), .value(3)])]
        graph.outputs = [TestValueInfo("probs", [.parameter("unk__0"), .value(4)])]
        let lstm = fixture.node("LSTM_0")
        graph.nodes[lstm].inputs[0] = "time_major"
        graph.nodes.insert(
            TestNode("Transpose", "transpose_in", inputs: ["input"], outputs: ["time_major"],
                     attributes: [.ints("perm", [1, 0, 2])]), at: 0)
        let squeezeIndex = graph.nodes.firstIndex { $0.name == "Squeeze_1" }!
        graph.nodes[squeezeIndex].outputs = ["y_tm"]
        graph.nodes.insert(contentsOf: [
            TestNode("Transpose", "transpose_out", inputs: ["y_tm"], outputs: ["y_bm"],
                     attributes: [.ints("perm", [1, 0, 2])]),
            TestNode("Slice", "strided_slice", inputs: [
                "y_bm", graph.intConstant("starts", [-1]), graph.intConstant("ends", [Int64(Int32.max)]),
                graph.intConstant("slice_axes", [1]),
            ], outputs: ["last"]),
            TestNode("Squeeze", "squeeze_time", inputs: ["last", graph.intConstant("time_axis", [1])], outputs: ["squeezed"]),
        ], at: squeezeIndex + 1)
        fixture.graph = graph
        let model = try ONNXImporter.importModel(bytes: fixture.bytes)
        #expect(model.description.outputMode == .lastStep)
        #expect(model.description.layers.map(\.kind) == [.lstm, .dense, .softmax])
        #expect(model.description.layers.map(\.name) == ["LSTM_0", "MatMul_2", "Softmax_4"])
    }

    @Test func batchFirstLayoutAttributeAndGatherOfLastStep() throws {
        var fixture = PyTorchLSTMFixture()
        fixture.graph.inputs = [TestValueInfo("input", [.value(1), .parameter("T"), .value(3)])]
        fixture.setLSTMAttributes([.int("hidden_size", 2), .int("layout", 1)])
        // Y [1, T, 1, H] → Gather(index -1, axis 1) → [1, 1, H] → Squeeze(1) …
        let squeeze = fixture.node("Squeeze_1")
        fixture.graph.nodes[squeeze].inputs = ["last"]
        fixture.graph.nodes[squeeze].attributes = []
        fixture.graph.nodes[squeeze].inputs.append(fixture.graph.intConstant("gather_axes", [1]))
        let index = fixture.graph.intConstant("minus_one", [-1], dims: [])
        fixture.graph.nodes.insert(
            TestNode("Gather", "Gather_9", inputs: ["Y", index], outputs: ["last"], attributes: [.int("axis", 1)]),
            at: squeeze)
        let model = try ONNXImporter.importModel(bytes: fixture.bytes)
        #expect(model.description.outputMode == .lastStep)
        #expect(model.description.layers.count == 3)
    }

    @Test func consumingYhSelectsTheLastStep() throws {
        var fixture = PyTorchLSTMFixture()
        let squeeze = fixture.node("Squeeze_1")
        fixture.graph.nodes[squeeze].inputs[0] = "Y_h"  // [1, 1, H] → Squeeze(1) → [1, H]
        let model = try ONNXImporter.importModel(bytes: fixture.bytes)
        #expect(model.description.outputMode == .lastStep)
        #expect(model.description.layers.map(\.kind) == [.lstm, .dense, .softmax])
    }

    @Test func reshapeAndFlattenThatOnlyMoveUnitAxes() throws {
        var fixture = PyTorchLSTMFixture()
        let squeeze = fixture.node("Squeeze_1")
        // Y [T, 1, 1, H] → Reshape [0, -1] → [T, H] (merges direction and batch into the features).
        fixture.graph.nodes[squeeze] = TestNode(
            "Reshape", "Reshape_1", inputs: ["Y", fixture.graph.intConstant("target", [0, -1])], outputs: ["reshaped"])
        fixture.graph.nodes.insert(
            TestNode("Flatten", "Flatten_5", inputs: ["reshaped"], outputs: ["squeezed"], attributes: [.int("axis", 1)]),
            at: squeeze + 1)
        fixture.graph.nodes.insert(
            TestNode("Identity", "Identity_6", inputs: ["probs0"], outputs: ["probs"]), at: fixture.graph.nodes.count)
        fixture.graph.nodes[fixture.node("Softmax_4")].outputs = ["probs0"]
        let model = try ONNXImporter.importModel(bytes: fixture.bytes)
        #expect(model.description.layers.map(\.kind) == [.lstm, .dense, .softmax])
        #expect(model.description.outputMode == .everyStep)
    }

    @Test func unsqueezeOfATwoDimensionalInput() throws {
        var fixture = PyTorchLSTMFixture()
        fixture.graph.inputs = [TestValueInfo("frames", [.parameter("T"), .value(3)])]
        fixture.graph.nodes.insert(
            TestNode("Unsqueeze", "Unsqueeze_0", inputs: ["frames", fixture.graph.intConstant("batch_axis", [1])],
                     outputs: ["input"]), at: 0)
        let model = try ONNXImporter.importModel(bytes: fixture.bytes)
        #expect(model.description.inputSize == 3)
        #expect(model.description.layers.count == 3)
    }

    @Test func stackedRecurrentLayersChain() throws {
        var fixture = PyTorchLSTMFixture()
        let h: Int64 = 2
        fixture.graph.initializers += [
            TestTensor("gru.W", dims: [1, 3 * h, h], floats: gateTagged(gates: 3, rows: 2, columns: 2)),
            TestTensor("gru.R", dims: [1, 3 * h, h], floats: gateTagged(gates: 3, rows: 2, columns: 2)),
        ]
        let squeeze = fixture.node("Squeeze_1")
        fixture.graph.nodes[squeeze].outputs = ["lstm_out"]
        fixture.graph.nodes.insert(contentsOf: [
            TestNode("GRU", "GRU_7", inputs: ["lstm_out", "gru.W", "gru.R"], outputs: ["Y2"],
                     attributes: [.int("linear_before_reset", 1)]),
            TestNode("Squeeze", "Squeeze_8", inputs: ["Y2", fixture.graph.intConstant("axes8", [1])], outputs: ["squeezed"]),
        ], at: squeeze + 1)
        let model = try ONNXImporter.importModel(bytes: fixture.bytes)
        #expect(model.description.layers.map(\.kind) == [.lstm, .gru, .dense, .softmax])
        #expect(model.description.layers[1].inputSize == 2)
        #expect(floats(model, "layer.1.input_bias") == [0, 0, 0, 0, 0, 0])
    }
}
