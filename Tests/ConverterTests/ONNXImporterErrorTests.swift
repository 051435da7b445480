import Model
import Testing

@testable import Converter

/// The error `importModel` throws, or nil when it succeeds.
func importError(_ bytes: [UInt8]) -> ConversionError? {
    do {
        _ = try ONNXImporter.importModel(bytes: bytes)
        return nil
    } catch {
        return error
    }
}

@Suite struct ONNXImporterErrorTests {
    @Test func unsupportedOperatorIsNamedWithItsNode() throws {
        var fixture = PyTorchLSTMFixture()
        let squeeze = fixture.node("Squeeze_1")
        fixture.graph.nodes[squeeze] = TestNode("MaxPool", "MaxPool_3", inputs: ["Y"], outputs: ["squeezed"])
        let error = try #require(importError(fixture.bytes))
        #expect(error == .unsupportedOperator(node: "MaxPool_3", op: "MaxPool"))
        #expect(error.description.contains("node 'MaxPool_3' uses operator 'MaxPool', which Earshot cannot import yet"))
        #expect(error.description.contains("LSTM"))
    }

    @Test func convAnywhereButOnAWindowInputIsRefused() throws {
        var fixture = PyTorchLSTMFixture()
        let squeeze = fixture.node("Squeeze_1")
        fixture.graph.nodes[squeeze] = TestNode("Conv", "Conv_3", inputs: ["Y"], outputs: ["squeezed"])
        let error = try #require(importError(fixture.bytes))
        guard case .unsupportedPlacement(let node, let op, let reason) = error else {
            Issue.record("\(error)")
            return
        }
        #expect(node == "Conv_3" && op == "Conv" && reason.contains("[1, 1, T, F]"))
    }

    @Test func logSoftmaxIsUnsupported() throws {
        var fixture = PyTorchLSTMFixture()
        fixture.graph.nodes[fixture.node("Softmax_4")].op = "LogSoftmax"
        #expect(importError(fixture.bytes) == .unsupportedOperator(node: "Softmax_4", op: "LogSoftmax"))
    }

    @Test func operatorFromAnotherDomainIsUnsupported() throws {
        var fixture = PyTorchLSTMFixture()
        fixture.graph.nodes[fixture.node("MatMul_2")].domain = "com.microsoft"
        #expect(importError(fixture.bytes) == .unsupportedOperator(node: "MatMul_2", op: "com.microsoft.MatMul"))
    }

    @Test(arguments: ["reverse"])
    func nonForwardDirectionNamesTheAttribute(direction: String) throws {
        var fixture = PyTorchLSTMFixture()
        fixture.setLSTMAttributes([.int("hidden_size", 2), .string("direction", direction)])
        let error = try #require(importError(fixture.bytes))
        #expect(error == .unsupportedAttribute(node: "LSTM_0", attribute: "direction", value: "\"\(direction)\""))
        #expect(error.description.contains("'LSTM_0'") && error.description.contains("'direction'"))
    }

    /// Bidirectional layers are imported (BidirectionalImportTests); one-direction weights under
    /// direction="bidirectional" are a shape error naming the node.
    @Test func bidirectionalNeedsTwoDirectionsOfWeights() throws {
        var fixture = PyTorchLSTMFixture()
        fixture.setLSTMAttributes([.int("hidden_size", 2), .string("direction", "bidirectional")])
        let error = try #require(importError(fixture.bytes))
        #expect(error.description.contains("'LSTM_0'") && error.description.contains("W [2, "), "\(error)")
    }

    @Test func nonDefaultLSTMActivationsAreRejected() throws {
        var fixture = PyTorchLSTMFixture()
        fixture.setLSTMAttributes([.strings("activations", ["Sigmoid", "Tanh", "Relu"])])
        let error = try #require(importError(fixture.bytes))
        guard case let .unsupportedAttribute(node, attribute, _) = error else {
            Issue.record("unexpected \(error)")
            return
        }
        #expect(node == "LSTM_0" && attribute == "activations")
    }

    @Test func nonDefaultGRUActivationsAreRejected() throws {
        let graph = recurrentGraph(
            op: "GRU", gates: 3, features: 2, hidden: 1, attributes: [.strings("activations", ["HardSigmoid", "Tanh"])],
            w: [Float](repeating: 0.1, count: 6), r: [0.1, 0.2, 0.3], b: nil)
        let error = try #require(importError(graph.bytes))
        #expect(error == .unsupportedAttribute(node: "GRU_0", attribute: "activations", value: "[\"HardSigmoid\", \"Tanh\"]"))
    }

    @Test(arguments: ["activation_alpha", "activation_beta"])
    func activationParametersAreRejected(name: String) throws {
        var fixture = PyTorchLSTMFixture()
        fixture.setLSTMAttributes([.floats(name, [0.5])])
        let error = try #require(importError(fixture.bytes))
        #expect(error == .unsupportedAttribute(node: "LSTM_0", attribute: name, value: "[0.5]"))
    }

    @Test func inputForgetIsRejected() throws {
        var fixture = PyTorchLSTMFixture()
        fixture.setLSTMAttributes([.int("input_forget", 1)])
        #expect(importError(fixture.bytes) == .unsupportedAttribute(node: "LSTM_0", attribute: "input_forget", value: "1"))
    }

    @Test func hiddenSizeMustMatchW() throws {
        var fixture = PyTorchLSTMFixture()
        fixture.setLSTMAttributes([.int("hidden_size", 3)])
        let error = try #require(importError(fixture.bytes))
        guard case .shapeMismatch(node: "LSTM_0", _, _) = error else {
            Issue.record("unexpected \(error)")
            return
        }
    }

    @Test func externalDataIsRejected() throws {
        var fixture = PyTorchLSTMFixture()
        fixture.graph.initializers[0].externalData = true
        fixture.graph.initializers[0].floats = []
        #expect(importError(fixture.bytes) == .externalDataUnsupported(tensor: "lstm.W"))
    }

    @Test(arguments: [Float.nan, .infinity, -.infinity])
    func nonFiniteWeightsAreRejected(value: Float) throws {
        var fixture = PyTorchLSTMFixture()
        let index = fixture.graph.initializers.firstIndex { $0.name == "lstm.R" }!
        fixture.graph.initializers[index].floats[5] = value
        #expect(importError(fixture.bytes) == .nonFiniteWeights(tensor: "lstm.R"))
    }

    @Test func weightsThatOverflowWhenScaledAreRejected() throws {
        var graph = TestGraph()
        graph.initializers = [TestTensor("B", dims: [1, 1], floats: [3e38])]
        graph.inputs = [TestValueInfo("x", [.parameter("T"), .value(1)])]
        graph.outputs = [TestValueInfo("y", [.parameter("T"), .value(1)])]
        graph.nodes = [TestNode("Gemm", "fc", inputs: ["x", "B"], outputs: ["y"], attributes: [.float("alpha", 10)])]
        #expect(importError(graph.bytes) == .nonFiniteWeights(tensor: "layer.0.input_weights (layer 'fc')"))
    }

    @Test func missingInitializerIsNamed() throws {
        var fixture = PyTorchLSTMFixture()
        fixture.graph.initializers.removeAll { $0.name == "fc.weight" }
        #expect(importError(fixture.bytes) == .missingInitializer(node: "MatMul_2", input: "fc.weight"))
    }

    @Test func nonZeroInitialStateIsRejected() throws {
        let graph = recurrentGraph(
            op: "GRU", gates: 3, features: 1, hidden: 1, attributes: [],
            w: [1, 2, 3], r: [1, 2, 3], b: nil, extraInputs: ["", "h0"],
            extraInitializers: [TestTensor("h0", dims: [1, 1, 1], floats: [0.5])])
        let error = try #require(importError(graph.bytes))
        guard case .unsupportedInput(node: "GRU_0", input: "initial_h", _) = error else {
            Issue.record("unexpected \(error)")
            return
        }
    }

    @Test func sequenceLengthsAreRejected() throws {
        let graph = recurrentGraph(
            op: "RNN", gates: 1, features: 1, hidden: 1, attributes: [],
            w: [1], r: [1], b: nil, extraInputs: ["lengths"],
            extraInitializers: [TestTensor("lengths", dims: [1], ints: [5])])
        let error = try #require(importError(graph.bytes))
        guard case .unsupportedInput(node: "RNN_0", input: "sequence_lens", _) = error else {
            Issue.record("unexpected \(error)")
            return
        }
    }

    @Test func usingYcIsRejected() throws {
        var fixture = PyTorchLSTMFixture()
        fixture.graph.nodes[fixture.node("Squeeze_1")].inputs[0] = "Y_c"
        let error = try #require(importError(fixture.bytes))
        guard case .unsupportedOutput(node: "LSTM_0", output: "Y_c", _) = error else {
            Issue.record("unexpected \(error)")
            return
        }
    }

    @Test func recurrentLayerAfterLastStepIsRejected() throws {
        var fixture = PyTorchLSTMFixture()
        let h: Int64 = 2
        fixture.graph.initializers += [
            TestTensor("rnn.W", dims: [1, h, h], floats: [1, 2, 3, 4]),
            TestTensor("rnn.R", dims: [1, h, h], floats: [1, 2, 3, 4]),
        ]
        // LSTM → Y_h [1, 1, H] → RNN: the stream was already reduced to its last step.
        let squeeze = fixture.node("Squeeze_1")
        fixture.graph.nodes[squeeze] = TestNode("RNN", "RNN_5", inputs: ["Y_h", "rnn.W", "rnn.R"], outputs: ["squeezed"])
        let error = try #require(importError(fixture.bytes))
        guard case .unsupportedPlacement(node: "RNN_5", op: "RNN", _) = error else {
            Issue.record("unexpected \(error)")
            return
        }
    }

    @Test func activationAfterRecurrentLayerIsRejected() throws {
        var fixture = PyTorchLSTMFixture()
        let squeeze = fixture.node("Squeeze_1")
        fixture.graph.nodes[squeeze].outputs = ["squeezed0"]
        fixture.graph.nodes.insert(TestNode("Tanh", "Tanh_9", inputs: ["squeezed0"], outputs: ["squeezed"]), at: squeeze + 1)
        let error = try #require(importError(fixture.bytes))
        guard case .unsupportedPlacement(node: "Tanh_9", op: "Tanh", _) = error else {
            Issue.record("unexpected \(error)")
            return
        }
    }

    @Test func activationFusionNeedsASingleConsumer() throws {
        var fixture = PyTorchLSTMFixture()
        // logits feeds both Softmax and a second node: not a chain.
        fixture.graph.nodes.append(TestNode("Relu", "Relu_9", inputs: ["logits"], outputs: ["other"]))
        let error = try #require(importError(fixture.bytes))
        guard case .graphNotAChain = error else {
            Issue.record("unexpected \(error)")
            return
        }
    }

    @Test func softmaxOverTheTimeAxisIsRejected() throws {
        var fixture = PyTorchLSTMFixture()
        fixture.graph.nodes[fixture.node("Softmax_4")].attributes = [.int("axis", 0)]
        let error = try #require(importError(fixture.bytes))
        guard case .unsupportedAttribute(node: "Softmax_4", attribute: "axis", _) = error else {
            Issue.record("unexpected \(error)")
            return
        }
    }

    @Test func sliceThatIsNotTheLastStepIsRejected() throws {
        var fixture = PyTorchLSTMFixture()
        let squeeze = fixture.node("Squeeze_1")
        fixture.graph.nodes[squeeze].outputs = ["squeezed0"]
        fixture.graph.nodes.insert(TestNode("Slice", "Slice_9", inputs: [
            "squeezed0", fixture.graph.intConstant("s", [0]), fixture.graph.intConstant("e", [5]),
            fixture.graph.intConstant("a", [0]),
        ], outputs: ["squeezed"]), at: squeeze + 1)
        let error = try #require(importError(fixture.bytes))
        guard case .unsupportedPlacement(node: "Slice_9", op: "Slice", _) = error else {
            Issue.record("unexpected \(error)")
            return
        }
    }

    @Test func reshapeThatSplitsFeaturesIsRejected() throws {
        var graph = TestGraph()
        graph.inputs = [TestValueInfo("x", [.parameter("T"), .value(4)])]
        graph.outputs = [TestValueInfo("y", [.parameter("T"), .value(2), .value(2)])]
        graph.initializers = [TestTensor("B", dims: [2, 2], floats: [1, 2, 3, 4])]
        graph.nodes = [
            TestNode("Reshape", "Reshape_0", inputs: ["x", graph.intConstant("target", [0, 1, 4])], outputs: ["r"]),
            TestNode("MatMul", "MatMul_1", inputs: ["r", "B"], outputs: ["y"]),
        ]
        // [T, 4] → [T, 1, 4] only adds a unit axis; MatMul then sees 4 features and rejects B [2, 2].
        guard case .shapeMismatch(node: "MatMul_1", _, _) = try #require(importError(graph.bytes)) else {
            Issue.record("expected MatMul_1 to see 4 features")
            return
        }
        // [T, 4] → [T, 2, 2] splits the features of a step.
        graph.initializers.removeAll { $0.name == "target" }
        _ = graph.intConstant("target", [0, 2, 2])
        let error = try #require(importError(graph.bytes))
        guard case .shapeMismatch(node: "Reshape_0", _, _) = error else {
            Issue.record("unexpected \(error)")
            return
        }
        // A literal size that does not match the features.
        graph.initializers.removeAll { $0.name == "target" }
        _ = graph.intConstant("target", [0, 3])
        #expect(importError(graph.bytes).map { "\($0)" }?.contains("Reshape_0") == true)
    }

    @Test func reshapeFeatureBeforeTimeIsRejected() throws {
        var fixture = PyTorchLSTMFixture()
        // [T, 1, 1, 2] → [2, -1]: the feature axis would come first.
        fixture.graph.nodes[fixture.node("Squeeze_1")] = TestNode(
            "Reshape", "Reshape_1", inputs: ["Y", fixture.graph.intConstant("target", [2, -1])], outputs: ["squeezed"])
        let error = try #require(importError(fixture.bytes))
        guard case .shapeMismatch(node: "Reshape_1", _, _) = error else {
            Issue.record("unexpected \(error)")
            return
        }
    }

    @Test func addWithoutDenseLayerIsRejected() throws {
        var fixture = PyTorchLSTMFixture()
        let squeeze = fixture.node("Squeeze_1")
        fixture.graph.nodes[squeeze].outputs = ["squeezed0"]
        fixture.graph.initializers.append(TestTensor("shift", dims: [2], floats: [1, 1]))
        fixture.graph.nodes.insert(TestNode("Add", "Add_9", inputs: ["squeezed0", "shift"], outputs: ["squeezed"]),
                                   at: squeeze + 1)
        let error = try #require(importError(fixture.bytes))
        guard case .unsupportedPlacement(node: "Add_9", op: "Add", _) = error else {
            Issue.record("unexpected \(error)")
            return
        }
    }

    @Test func graphWithTwoInputsIsRejected() throws {
        var fixture = PyTorchLSTMFixture()
        fixture.graph.inputs.append(TestValueInfo("h0", [.value(1), .value(1), .value(2)]))
        fixture.graph.nodes[fixture.node("LSTM_0")].inputs += ["", "h0"]
        let error = try #require(importError(fixture.bytes))
        #expect(error == .unsupportedGraphInterface(inputs: ["input", "h0"], outputs: ["probs"]))
    }

    @Test func symbolicFeatureDimensionIsRejected() throws {
        var fixture = PyTorchLSTMFixture()
        fixture.graph.inputs = [TestValueInfo("input", [.parameter("T"), .value(1), .parameter("F")])]
        let error = try #require(importError(fixture.bytes))
        guard case .unsupportedGraphInput(name: "input", _) = error else {
            Issue.record("unexpected \(error)")
            return
        }
    }

    @Test func deadEndIsNotAChain() throws {
        var fixture = PyTorchLSTMFixture()
        fixture.graph.outputs = [TestValueInfo("elsewhere", [.value(1)])]
        let error = try #require(importError(fixture.bytes))
        guard case .graphNotAChain = error else {
            Issue.record("unexpected \(error)")
            return
        }
    }

    @Test func missingOpsetAndGraph() throws {
        var writer = ProtobufWriter()
        writer.int(1, 8)
        #expect(importError(writer.bytes) == .missingGraph)
        var fixture = PyTorchLSTMFixture()
        fixture.graph.opset = 13
        var bytes = fixture.bytes
        // Drop the trailing opset_import message (field 8, the last one written).
        var opset = ProtobufWriter()
        opset.string(1, "")
        opset.int(2, 13)
        var tail = ProtobufWriter()
        tail.message(8, opset)
        bytes.removeLast(tail.bytes.count)
        #expect(importError(bytes) == .missingOpset)
    }

    @Test func everyErrorReadsAsASentence() {
        let errors: [ConversionError] = [
            .malformedProtobuf(offset: 12, reason: "truncated varint"), .missingGraph, .missingOpset,
            .missingInitializer(node: "n", input: "W"), .unsupportedInput(node: "n", input: "x", reason: "r"),
            .unsupportedOperator(node: "n", op: "Conv"), .unsupportedAttribute(node: "n", attribute: "a", value: "1"),
            .unsupportedPlacement(node: "n", op: "Relu", reason: "r"), .unsupportedOutput(node: "n", output: "Y_c", reason: "r"),
            .shapeMismatch(node: "n", expected: "[1]", found: "[2]"), .nonFiniteWeights(tensor: "W"),
            .unsupportedTensorType(tensor: "W", dataType: 8), .tensorDataMismatch(tensor: "W", expectedElements: 4, found: "3"),
            .externalDataUnsupported(tensor: "W"), .unsupportedGraphInput(name: "x", reason: "r"),
            .unsupportedGraphInterface(inputs: ["a", "b"], outputs: []), .graphNotAChain(reason: "r"), .emptyNetwork,
        ]
        for error in errors {
            #expect(!error.description.isEmpty)
            #expect(!error.description.contains("ConversionError"))
        }
        #expect(ConversionError.unsupportedTensorType(tensor: "W", dataType: 8).description.contains("STRING"))
        #expect(ConversionError.malformedProtobuf(offset: 12, reason: "x").description.contains("12"))
    }
}
