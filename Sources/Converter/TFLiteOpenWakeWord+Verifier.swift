import Model

extension TFLiteOpenWakeWord {
    /// A head, and its verifier when the graph ends as openWakeWord's hey_jarvis does:
    /// score = head(x); GREATER_EQUAL(score, c) -> RESHAPE -> IF(then: a second network over x, else: score).
    func head(input: FloatShape) throws(TFLiteError) -> (FloatLayerStack, OpenWakeWordVerifier?) {
        try checkOneInputOneOutput()
        let ops = graph.operators
        guard let split = ops.firstIndex(where: { $0.code == Op.greaterEqual.rawValue }) else { return (try stack(input: input), nil) }
        let compare = ops[split]
        guard split + 3 == ops.count, ops[split + 1].code == Op.reshape.rawValue, ops[split + 2].code == Op.if.rawValue else {
            throw .unsupportedAttribute(op: "GREATER_EQUAL (operator \(split))", tensor: outputName(compare),
                                        reason: "read only as a verifier at a head's end: GREATER_EQUAL(score, constant), RESHAPE, IF, nothing after")
        }
        let reshape = ops[split + 1], branch = ops[split + 2]
        guard compare.inputs.count == 2, compare.inputs[0] >= 0, reshape.inputs.first == compare.outputs.first,
              branch.inputs.first == reshape.outputs.first, branch.outputs == graph.outputs, branch.inputs.allSatisfy({ $0 >= 0 }) else {
            throw .unsupportedAttribute(op: "IF (operator \(split + 2))", tensor: outputName(branch),
                                        reason: "not wired as IF(GREATER_EQUAL(score, c), ...) giving the graph output")
        }
        let score = compare.inputs[0]
        let threshold = try scalar(compare, 1, "threshold")
        let main = try chain(input: input, from: graph.inputs[0], operators: 0..<split, to: score)
        let thenBranch = try self.branch(Int(try option(branch, 0)), of: branch, index: split + 2)
        let elseBranch = try self.branch(Int(try option(branch, 1)), of: branch, index: split + 2)

        // The else branch hands back the head's score untouched.
        guard elseBranch.graph.operators.isEmpty, elseBranch.graph.outputs.count == 1,
              elseBranch.arguments[elseBranch.graph.outputs[0]] == score else {
            throw .unsupportedAttribute(op: "IF (operator \(split + 2))", tensor: outputName(branch),
                                        reason: "its else branch must return the head's score unchanged")
        }
        // The then branch is a second network over the head's input.
        let then = thenBranch.graph
        guard then.outputs.count == 1, let start = then.inputs.first(where: { thenBranch.arguments[$0] == graph.inputs[0] }) else {
            throw .unsupportedAttribute(op: "IF (operator \(split + 2))", tensor: outputName(branch),
                                        reason: "its then branch must read the head's input and give one output")
        }
        let verifier = try thenBranch.chain(input: input, from: start, operators: 0..<then.operators.count, to: then.outputs[0])
        return (main, OpenWakeWordVerifier(threshold: threshold, stack: verifier))
    }

    /// A view of IF branch subgraph `index` whose inputs are bound to the IF's inputs after the condition.
    private func branch(_ index: Int, of op: TFLiteOperator, index opIndex: Int) throws(TFLiteError) -> TFLiteOpenWakeWord {
        guard index > 0, index < model.subgraphs.count else {
            throw .unsupportedAttribute(op: "IF (operator \(opIndex))", tensor: outputName(op),
                                        reason: "branch subgraph \(index) is not one of subgraphs 1..<\(model.subgraphs.count)")
        }
        let inputs = model.subgraphs[index].inputs
        guard inputs.count == op.inputs.count - 1 else {
            throw .unsupportedAttribute(op: "IF (operator \(opIndex))", tensor: outputName(op),
                                        reason: "branch subgraph \(index) takes \(inputs.count) inputs, the IF passes \(op.inputs.count - 1)")
        }
        var view = self
        view.graphIndex = index
        view.arguments = [:]
        for (inner, outer) in zip(inputs, op.inputs.dropFirst()) { view.arguments[inner] = outer }
        return view
    }
}
