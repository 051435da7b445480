import Model

extension ONNXOpenWakeWord {
    /// LayerNormalization over the last axis, or the subgraph PyTorch exports for it:
    /// ReduceMean, Sub, Pow 2 (or Mul d·d), ReduceMean, Add ε, Sqrt, Div (or Reciprocal + Mul), Mul γ, Add β.
    func layerNorm(_ node: ONNXNode, _ shape: FloatShape, from index: Int, done: inout Set<Int>) throws(ConversionError) -> FloatLayer {
        let count = shape.count
        if node.opType == "LayerNormalization" {
            let axis = node.attribute("axis")?.i ?? -1
            guard axis == -1 || axis == 1, node.outputs.count == 1 || node.outputs.dropFirst().allSatisfy(\.isEmpty) else {
                throw .unsupportedAttribute(node: node.name, attribute: "axis", value: "\(axis)")
            }
            let gamma = try floats(node, 1, "scale")
            let beta = node.input(2) != nil ? try floats(node, 2, "bias") : [Float](repeating: 0, count: count)
            return .layerNorm(epsilon: node.attribute("epsilon")?.f ?? 1e-5, gamma: gamma, beta: beta, activation: .none)
        }
        func fail(_ reason: String) -> ConversionError {
            .unsupportedPlacement(node: node.name, op: node.opType, reason: "ReduceMean is read only as the start of a layer norm: \(reason)")
        }
        func reader(of value: String, _ ops: Set<String>) throws(ConversionError) -> (Int, ONNXNode) {
            let list = (consumers[value] ?? []).filter { ops.contains(graph.nodes[$0].opType) && !done.contains($0) }
            guard list.count == 1 else { throw fail("expected one \(ops.sorted().joined(separator: "/")) reading '\(value)'") }
            done.insert(list[0])
            return (list[0], graph.nodes[list[0]])
        }
        func out(_ node: ONNXNode) -> String { node.outputs.first ?? "" }
        guard let x = node.input(0) else { throw fail("no input") }
        done.insert(index)
        let (_, sub) = try reader(of: out(node), ["Sub"])
        guard sub.input(0) == x else { throw fail("Sub must be x - mean") }
        let d = out(sub)
        let (_, square) = try reader(of: d, ["Pow", "Mul"])
        if square.opType == "Pow" {
            guard try scalar(square, 1, "exponent") == 2 else { throw fail("Pow exponent must be 2") }
        } else if square.input(0) != d || square.input(1) != d { throw fail("Mul must be d·d") }
        let (_, variance) = try reader(of: out(square), ["ReduceMean"])
        let (_, addEpsilon) = try reader(of: out(variance), ["Add"])
        let epsilon = try scalar(addEpsilon, 1, "epsilon")
        let (_, root) = try reader(of: out(addEpsilon), ["Sqrt"])
        var normalized: ONNXNode
        if let (_, divide) = try? reader(of: out(root), ["Div"]) {
            guard divide.input(0) == d else { throw fail("Div must be d / sqrt") }
            normalized = divide
        } else {
            let (_, reciprocal) = try reader(of: out(root), ["Reciprocal"])
            let (_, multiply) = try reader(of: out(reciprocal), ["Mul"])
            guard multiply.inputs.contains(d) else { throw fail("Mul must be d · 1/sqrt") }
            normalized = multiply
        }
        let (_, scale) = try reader(of: out(normalized), ["Mul"])
        let gamma = try floats(scale, scale.input(0) == out(normalized) ? 1 : 0, "gamma")
        let (_, shift) = try reader(of: out(scale), ["Add"])
        let beta = try floats(shift, shift.input(0) == out(scale) ? 1 : 0, "beta")
        for value in [x, d] where (consumers[value] ?? []).contains(where: { !done.contains($0) }) {
            throw fail("'\(value)' is also read outside the layer norm")
        }
        return .layerNorm(epsilon: epsilon, gamma: gamma, beta: beta, activation: .none)
    }
}
