import Model

// Attention pooling over the time axis → an Earshot attention layer (windowed models only).
//
// Recognised where the streamed value h [T, …, D] feeds exactly two nodes, in this shape
// (Keras/PyTorch attention-RNN keyword models export the same operators):
//
//     s = Tanh(MatMul(h, W [D, A]) [+ b [A]])
//     e = MatMul(s, v [A, 1] or [A])                 one score per step
//     a = Softmax(e, axis = time)
//     y = ReduceSum(Mul(h, a), axes = [time])        keepdims 0 or 1
//
// W is stored transposed ([A, D], rows = attention units), b (zeros when absent) and v as is.
// Anything else around a value with two readers is refused, naming the node that differs.

extension ChainWalk {
    /// Converts the attention subgraph that starts at the two `consumers` of the streamed value.
    ///
    /// - Returns: the indices of the nodes it consumed, or nil when the two readers are not a
    ///   MatMul and a Mul (not attention: the caller reports the fork).
    mutating func convertAttention(_ consumers: [Int]) throws(ConversionError) -> [Int]? {
        let nodes = context.nodes
        guard consumers.count == 2,
              let project = consumers.first(where: { nodes[$0].opType == "MatMul" }),
              let weigh = consumers.first(where: { nodes[$0].opType == "Mul" }) else { return nil }
        let h = current
        let hShape = shape
        var used = [project, weigh]
        func fail(_ index: Int, _ reason: String) -> ConversionError {
            .unsupportedPlacement(node: context.nodeNames[index], op: nodes[index].opType,
                                  reason: "attention pooling: " + reason)
        }
        guard let time = hShape.timeAxis, hShape.hasFeatureLast else {
            throw fail(project, "the recurrent outputs must be [T, …, D] with the features last; found \(hShape)")
        }
        let size = hShape.featureSize
        // The only reader of `value`, which must be `op`.
        func next(_ value: String, from index: Int, _ op: String) throws(ConversionError) -> Int {
            let readers = context.consumers[value] ?? []
            guard readers.count == 1, value != context.outputName else {
                throw fail(index, "its output must feed exactly one \(op) node")
            }
            guard nodes[readers[0]].opType == op else { throw fail(readers[0], "expected \(op) here") }
            used.append(readers[0])
            return readers[0]
        }
        func constantInput(_ index: Int, other value: String, role: String) throws(ConversionError) -> ONNXTensor {
            let node = nodes[index]
            guard node.inputs.count == 2, let position = node.inputs.firstIndex(of: value) else {
                throw fail(index, "expected two inputs, one of them '\(value)'")
            }
            let name = node.inputs[1 - position]
            guard let tensor = context.constants[name] else {
                throw fail(index, "\(role) ('\(name)') must be a constant")
            }
            return tensor
        }

        // W [D, A].
        let projectNode = nodes[project]
        guard projectNode.inputs.count == 2, projectNode.inputs[0] == h, let wTensor = context.constants[projectNode.inputs[1]] else {
            throw fail(project, "expected MatMul(h, W) with a constant W [\(size), units]")
        }
        let wDims = try wTensor.checkedDims()
        guard wDims.count == 2, wDims[0] == size, wDims[1] >= 1 else {
            throw fail(project, "W must be [\(size), units]; found \(wDims)")
        }
        let units = wDims[1]
        let w = try wTensor.floatValues()
        var transposed = [Float](repeating: 0, count: w.count)
        for d in 0..<size { for a in 0..<units { transposed[a * size + d] = w[d * units + a] } }

        // Optional Add b [A], then Tanh.
        var value = projectNode.outputs[0]
        var index = project
        var bias = [Float](repeating: 0, count: units)
        let readers = context.consumers[value] ?? []
        if readers.count == 1, nodes[readers[0]].opType == "Add" {
            index = readers[0]
            used.append(index)
            let b = try constantInput(index, other: value, role: "the bias")
            let values = try b.floatValues()
            guard values.count == units else { throw fail(index, "the bias must hold \(units) values; found \(values.count)") }
            bias = values
            value = nodes[index].outputs[0]
        }
        index = try next(value, from: index, "Tanh")
        value = nodes[index].outputs[0]

        // e = MatMul(s, v).
        index = try next(value, from: index, "MatMul")
        let scoreNode = nodes[index]
        guard scoreNode.inputs.count == 2, scoreNode.inputs[0] == value, let vTensor = context.constants[scoreNode.inputs[1]] else {
            throw fail(index, "expected MatMul(tanh, v) with a constant v [\(units), 1]")
        }
        let vDims = try vTensor.checkedDims()
        guard vDims == [units, 1] || vDims == [units] else {
            throw fail(index, "v must be [\(units), 1] or [\(units)]; found \(vDims)")
        }
        let v = try vTensor.floatValues()
        let scoreRank = vDims.count == 2 ? hShape.rank : hShape.rank - 1
        value = scoreNode.outputs[0]

        // a = Softmax(e, axis = time).
        index = try next(value, from: index, "Softmax")
        let softmaxNode = nodes[index]
        let axis = try normalizedAxis(intAttribute(softmaxNode, "axis", default: opset >= 13 ? -1 : 1),
                                      rank: scoreRank, attribute: "axis")
        guard axis == time else {
            throw fail(index, "the softmax must run over the time axis \(time) of the scores; found axis \(axis)")
        }
        // (Before opset 13 Softmax flattens the axes from `axis` on; every score axis but time has
        // size 1, so that is the same softmax.)
        value = softmaxNode.outputs[0]

        // y = ReduceSum(Mul(h, a), axes = [time]).
        let mulNode = nodes[weigh]
        guard (context.consumers[value] ?? []) == [weigh], mulNode.inputs.count == 2,
              Set(mulNode.inputs) == Set([h, value]) else {
            throw fail(weigh, "expected Mul(h, softmax weights)")
        }
        if vDims.count == 1 {
            throw fail(weigh, "the scores need a trailing axis of 1 (v [\(units), 1]) to broadcast over the features")
        }
        index = try next(mulNode.outputs[0], from: weigh, "ReduceSum")
        let sumNode = nodes[index]
        guard let axes = try intList(sumNode, attribute: "axes", input: 1, inputSince: 13), axes.count == 1,
              try normalizedAxis(axes[0], rank: hShape.rank, attribute: "axes") == time else {
            throw fail(index, "must sum over the time axis \(time) only")
        }
        let keep = intAttribute(sumNode, "keepdims", default: 1) != 0
        var axesAfter = hShape.axes
        if keep { axesAfter[time] = .unit } else { axesAfter.remove(at: time) }

        let description = LayerDescription(
            kind: .attention, name: context.nodeNames[project], inputSize: size, hiddenSize: units, activation: .tanh)
        layers.append(LayerRecord(description: description, weights: [
            .inputWeights: transposed, .bias: bias, .attentionVector: v,
        ]))
        openDense = nil
        lastStepSelected = true
        nodeName = context.nodeNames[index]
        try advance(sumNode, output: 0, shape: SymbolicShape(axesAfter))
        return used
    }
}
