import Model

extension ONNXOpenWakeWord {
    /// The first computing node, when it is a GRU: the head is recurrent (`earshot train --head gru`).
    var recurrentNode: (index: Int, node: ONNXNode)? {
        guard let index = graph.nodes.firstIndex(where: { $0.opType != "Constant" }), graph.nodes[index].opType == "GRU" else { return nil }
        return (index, graph.nodes[index])
    }

    /// A recurrent head: one forward GRU over the embeddings (X [T, 1, embeddingSize], one step per
    /// chunk, zero initial state), then a chain over its state (Squeeze, MatMul + Add, Sigmoid, ...).
    /// Anything else about the GRU (another direction, sequence lengths, an initial state, clip,
    /// other activations, Y_h read) is refused, naming the node.
    func recurrentHead(embeddingSize: Int) throws(ConversionError) -> (OpenWakeWordRecurrentHead, FloatLayerStack) {
        guard let (index, node) = recurrentNode else { throw .graphNotAChain(reason: "a recurrent head starts with a GRU node") }
        guard let input = graph.inputs.first(where: { constants[$0.name] == nil }), node.input(0) == input.name else {
            throw .unsupportedPlacement(node: node.name, op: node.opType, reason: "the GRU must read the graph's input")
        }
        var resetAfter = false
        for attribute in node.attributes {
            switch attribute.name {
            case "hidden_size": break
            case "linear_before_reset" where attribute.i == 0 || attribute.i == 1: resetAfter = attribute.i == 1
            case "direction" where attribute.string == "forward": break
            default: throw .unsupportedAttribute(node: node.name, attribute: attribute.name, value: attribute.displayValue)
            }
        }
        let w = dims(node, 1), r = dims(node, 2)
        guard w.count == 3, w[0] == 1, w[1] > 0, w[1] % 3 == 0, w[2] == embeddingSize else {
            throw .shapeMismatch(node: node.name, expected: "W [1, 3·hidden, \(embeddingSize)]", found: "\(w)")
        }
        let hidden = w[1] / 3
        guard r == [1, 3 * hidden, hidden], (node.attribute("hidden_size")?.i).map({ Int($0) == hidden }) ?? true else {
            throw .shapeMismatch(node: node.name, expected: "R [1, \(3 * hidden), \(hidden)], hidden_size \(hidden)", found: "R \(r)")
        }
        for (slot, role) in [(4, "sequence_lens"), (5, "initial_h")] where node.input(slot) != nil {
            throw .unsupportedInput(node: node.name, input: role, reason: "a streamed head starts from zero state over one unbounded sequence")
        }
        if node.outputs.count > 1, !node.outputs[1].isEmpty, consumers[node.outputs[1]] != nil || graph.outputs.contains(where: { $0.name == node.outputs[1] }) {
            throw .unsupportedOutput(node: node.name, output: node.outputs[1], reason: "Y_h is not streamed; read Y")
        }
        var bias = [Float](repeating: 0, count: 6 * hidden)
        if node.input(3) != nil {
            bias = try floats(node, 3, "B")
            guard bias.count == 6 * hidden else { throw .shapeMismatch(node: node.name, expected: "B [1, \(6 * hidden)]", found: "\(bias.count) values") }
        }
        let gru = OpenWakeWordRecurrentHead(
            inputSize: embeddingSize, hiddenSize: hidden, resetAfter: resetAfter, inputWeights: try floats(node, 1, "W"),
            recurrentWeights: try floats(node, 2, "R"), inputBias: Array(bias[..<(3 * hidden)]), recurrentBias: Array(bias[(3 * hidden)...]))
        let head = try stack(input: gru.stateShape, start: node.outputs.first ?? "", after: index)
        return (gru, head)
    }
}
