// Test support: the graph shapes PyTorch's and tf2onnx's exporters produce around recurrent layers.

/// input [T, 1, F] → LSTM → Squeeze(1) → MatMul → Add → Softmax(-1), as torch.onnx exports
/// `nn.LSTM` + `nn.Linear` + `softmax(dim=-1)`.
struct PyTorchLSTMFixture {
    let features = 3
    let hidden = 2
    let classes = 4
    /// ONNX order i, o, f, c.
    let w: [Float]
    let r: [Float]
    let b: [Float]
    /// [hidden, classes] (MatMul's B).
    let fcWeight: [Float]
    let fcBias: [Float]
    var graph = TestGraph()

    init(encoding: TensorEncoding = .raw, opset: Int64 = 13) {
        w = gateTagged(gates: 4, rows: hidden, columns: features)
        r = gateTagged(gates: 4, rows: hidden, columns: hidden, offset: 0.5)
        b = gateTagged(gates: 8, rows: hidden, columns: 1, offset: 0.25)
        fcWeight = (0..<(hidden * classes)).map { Float($0) + 0.125 }
        fcBias = (0..<classes).map { Float($0) * -2 }
        let (h, f, c) = (Int64(hidden), Int64(features), Int64(classes))
        graph.opset = opset
        graph.initializers = [
            TestTensor("lstm.W", dims: [1, 4 * h, f], floats: w, encoding: encoding),
            TestTensor("lstm.R", dims: [1, 4 * h, h], floats: r, encoding: encoding),
            TestTensor("lstm.B", dims: [1, 8 * h], floats: b, encoding: encoding),
            TestTensor("fc.weight", dims: [h, c], floats: fcWeight, encoding: encoding),
            TestTensor("fc.bias", dims: [c], floats: fcBias, encoding: encoding),
        ]
        let squeezeAxes: [TestAttribute]
        var squeezeInputs = ["Y"]
        if opset >= 13 {
            squeezeInputs.append(graph.intConstant("axes1", [1]))
            squeezeAxes = []
        } else {
            squeezeAxes = [.ints("axes", [1])]
        }
        graph.inputs = [TestValueInfo("input", [.parameter("seq"), .value(1), .value(f)])]
        graph.outputs = [TestValueInfo("probs", [.parameter("seq"), .value(1), .value(c)])]
        graph.nodes = [
            TestNode("LSTM", "LSTM_0", inputs: ["input", "lstm.W", "lstm.R", "lstm.B"], outputs: ["Y", "Y_h", "Y_c"],
                     attributes: [.int("hidden_size", h)]),
            TestNode("Squeeze", "Squeeze_1", inputs: squeezeInputs, outputs: ["squeezed"], attributes: squeezeAxes),
            TestNode("MatMul", "MatMul_2", inputs: ["squeezed", "fc.weight"], outputs: ["logits0"]),
            TestNode("Add", "Add_3", inputs: ["fc.bias", "logits0"], outputs: ["logits"]),
            TestNode("Softmax", "Softmax_4", inputs: ["logits"], outputs: ["probs"], attributes: [.int("axis", -1)]),
        ]
    }

    var bytes: [UInt8] { graph.bytes }

    /// Index of the node called `name`.
    func node(_ name: String) -> Int { graph.nodes.firstIndex { $0.name == name }! }

    mutating func setLSTMAttributes(_ attributes: [TestAttribute]) {
        graph.nodes[node("LSTM_0")].attributes = attributes
    }
}

/// A single recurrent node (GRU/RNN/LSTM) on [T, 1, F] whose Y is squeezed to [T, 1, H] and is the output.
func recurrentGraph(
    op: String, gates: Int, features: Int, hidden: Int, attributes: [TestAttribute],
    w: [Float], r: [Float], b: [Float]?, extraInputs: [String] = [], extraInitializers: [TestTensor] = []
) -> TestGraph {
    var graph = TestGraph()
    let (g, h, f) = (Int64(gates), Int64(hidden), Int64(features))
    graph.initializers = [
        TestTensor("W", dims: [1, g * h, f], floats: w),
        TestTensor("R", dims: [1, g * h, h], floats: r),
    ]
    var inputs = ["x", "W", "R"]
    if let b {
        graph.initializers.append(TestTensor("B", dims: [1, 2 * g * h], floats: b))
        inputs.append("B")
    } else if !extraInputs.isEmpty {
        inputs.append("")
    }
    inputs += extraInputs
    graph.initializers += extraInitializers
    graph.inputs = [TestValueInfo("x", [.parameter("T"), .value(1), .value(f)])]
    graph.outputs = [TestValueInfo("y", [.parameter("T"), .value(1), .value(h)])]
    graph.nodes = [
        TestNode(op, "\(op)_0", inputs: inputs, outputs: ["Y"], attributes: attributes),
        TestNode("Squeeze", "Squeeze_1", inputs: ["Y", graph.intConstant("axes", [1])], outputs: ["y"]),
    ]
    return graph
}
