import Converter
import Model
import Testing

/// A multi-class head: x [1, 2, 3] -> Flatten -> Gemm [4, 6] (transB) -> Softmax(axis) (or after a Conv-free
/// Reshape that keeps 2 rows when `flat` is false, so the softmax would run over a non-flat activation).
private func softmaxHead(axis: Int64?, flat: Bool = true) -> [UInt8] {
    var graph = TestGraph()
    graph.inputs = [TestValueInfo("x", [.value(1), .value(2), .value(3)])]
    graph.initializers = [TestTensor("w", dims: [4, 6], floats: (0..<24).map { Float($0 % 5) / 4 - 0.5 }),
                          TestTensor("b", dims: [4], floats: [0.1, -0.2, 0.3, 0])]
    let attributes: [TestAttribute] = axis.map { [.int("axis", $0)] } ?? []
    if flat {
        graph.nodes = [TestNode("Flatten", "Flatten_0", inputs: ["x"], outputs: ["f"]),
                       TestNode("Gemm", "Gemm_1", inputs: ["f", "w", "b"], outputs: ["g"], attributes: [.int("transB", 1)]),
                       TestNode("Softmax", "Softmax_2", inputs: ["g"], outputs: ["scores"], attributes: attributes)]
    } else {
        graph.nodes = [TestNode("Softmax", "Softmax_0", inputs: ["x"], outputs: ["scores"], attributes: attributes)]
    }
    graph.outputs = [TestValueInfo("scores", [.value(1), .value(4)])]
    return graph.bytes
}

@Suite("openWakeWord multi-class head import (Softmax)")
struct OpenWakeWordSoftmaxImportTests {
    private func load(_ bytes: [UInt8]) throws -> FloatLayerStack {
        try OpenWakeWordImporter.stack(.init(name: "head.onnx", bytes: bytes), input: FloatShape(height: 2, width: 3, channels: 1))
    }

    @Test("Softmax over the last axis of the flat output (axis -1, 1, or absent) becomes the softmax layer")
    func lastAxis() throws {
        for axis: Int64? in [-1, 1, nil] {
            let stack = try load(softmaxHead(axis: axis))
            #expect(stack.layers.map(\.kindName) == ["dense", "softmax"])
            #expect(try stack.shapes().last == FloatShape(height: 1, width: 1, channels: 4))
        }
    }

    @Test("another axis, or a softmax over a non-flat activation, is refused naming the node and the axis")
    func otherAxes() throws {
        for bytes in [softmaxHead(axis: 0), softmaxHead(axis: -1, flat: false)] {
            do {
                _ = try load(bytes)
                Issue.record("accepted")
            } catch {
                #expect("\(error)".contains("Softmax_") && "\(error)".contains("axis"), "\(error)")
            }
        }
    }
}
