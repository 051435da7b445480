@testable import Converter
import Model
import Testing

// Graphs exported for a fixed window write the window length W where a streaming export writes 0 or
// -1: Reshape(Y, [W, 1, -1]) instead of Squeeze. Every reshape that keeps (time, features) in order
// given the declared input [W, 1, F] is accepted and imports the same model as the Squeeze.
@Suite struct FixedWindowReshapeTests {
    static let window: Int64 = 7

    /// PyTorchLSTMFixture with input [W, 1, 3] and, when `target` is given, its Squeeze replaced by
    /// Reshape(Y, target). LSTM Y is [W, 1, 1, 2].
    static func graph(reshape target: [Int64]?) -> [UInt8] {
        var fixture = PyTorchLSTMFixture()
        fixture.graph.inputs = [TestValueInfo("input", [.value(window), .value(1), .value(3)])]
        fixture.graph.outputs = [TestValueInfo("probs", [.value(window), .value(1), .value(4)])]
        if let target {
            fixture.graph.nodes[fixture.node("Squeeze_1")] = TestNode(
                "Reshape", "Reshape_1", inputs: ["Y", fixture.graph.intConstant("target", target)], outputs: ["squeezed"])
        }
        return fixture.bytes
    }

    @Test("the window length as the time axis, in the layouts exporters write",
          arguments: [[7, 1, -1], [7, -1], [7, 1, 2], [1, 7, -1], [7, 1, 1, 2], [0, 1, -1], [-1, 1, 2]] as [[Int64]])
    func acceptsLiteralWindow(target: [Int64]) throws {
        let reference = try ONNXImporter.importModel(bytes: Self.graph(reshape: nil))
        let model = try ONNXImporter.importModel(bytes: Self.graph(reshape: target))
        #expect(model.description.execution == reference.description.execution)
        #expect(model.description.layers.map(\.kind) == reference.description.layers.map(\.kind))
        #expect(model.tensors.map(\.name) == reference.tensors.map(\.name))
        #expect(model.tensors.map(\.bytes) == reference.tensors.map(\.bytes))
    }

    @Test("a reshape that moves or splits the features is still refused",
          arguments: [[2, -1], [1, -1, 7], [7, 2, 1, 1, 1, 2]] as [[Int64]])
    func refusesOtherReshapes(target: [Int64]) throws {
        #expect(throws: ConversionError.self) { try ONNXImporter.importModel(bytes: Self.graph(reshape: target)) }
    }
}
