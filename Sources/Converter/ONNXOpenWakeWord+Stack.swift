import Model

extension ONNXOpenWakeWord {
    /// Walks the graph from its one input to its one output as a chain of layers, each node
    /// reading the previous one's output (layer norm's subgraph is matched as one layer).
    /// `start`: begin at this value instead of the input, after node `after` (a recurrent head's GRU).
    func stack(input: FloatShape, start: String? = nil, after: Int = -1) throws(ConversionError) -> FloatLayerStack {
        let startValue = start
        guard graph.inputs.filter({ constants[$0.name] == nil }).count == 1, let first = graph.inputs.first(where: { constants[$0.name] == nil }),
              graph.outputs.count == 1 else {
            throw .unsupportedGraphInterface(inputs: graph.inputs.map(\.name), outputs: graph.outputs.map(\.name))
        }
        var value = startValue ?? first.name
        var shape = input
        var layers = [FloatLayer]()
        var done = Set<Int>()
        for (index, node) in graph.nodes.enumerated() where index > after && !done.contains(index) && node.opType != "Constant" {
            guard node.input(0) == value else {
                throw .unsupportedPlacement(node: node.name, op: node.opType, reason: "it does not read the previous layer's output '\(value)'")
            }
            var layer: FloatLayer?
            switch node.opType {
            case "Reshape", "Flatten", "Squeeze", "Unsqueeze", "Identity":
                // NCHW (ONNX) and NHWC (Earshot) hold the same order when there is one channel or one position.
                guard shape.channels == 1 || shape.height * shape.width == 1 else {
                    throw .unsupportedPlacement(node: node.name, op: node.opType, reason: "a reshape of a \(shape) activation would reorder channels")
                }
            case "Conv": layer = .convolution(try convolution(node, shape))
            case "LeakyRelu": layer = .leakyRelu(alpha: node.attribute("alpha")?.f ?? 0.01)
            case "Max":
                guard node.inputs.count == 2 else { throw .unsupportedInput(node: node.name, input: "inputs", reason: "Max of a value and one constant") }
                layer = .maximum(try scalar(node, 1, "Max constant"))
            case "MaxPool": layer = try maxPool(node)
            case "Gemm", "MatMul": layer = try dense(node, shape, done: &done)
            case "Relu": layer = .relu
            case "Sigmoid": layer = .sigmoid
            case "Softmax": layer = try softmax(node, shape)
            case "ReduceMean", "LayerNormalization": layer = try layerNorm(node, shape, from: index, done: &done)
            default: throw .unsupportedOperator(node: node.name, op: node.opType)
            }
            if let layer {
                layers.append(layer)
                do { shape = try FloatLayerStack(input: input, layers: layers).shapes().last ?? input } catch {
                    throw .shapeMismatch(node: node.name, expected: "a layer that fits \(shape)", found: "\(error)")
                }
            }
            value = lastOutput(of: node, done: done, index: index)
        }
        guard value == graph.outputs[0].name else {
            throw .unsupportedOutput(node: "-", output: graph.outputs[0].name, reason: "the chain ends at '\(value)'")
        }
        return FloatLayerStack(input: input, layers: layers)
    }

    /// Softmax over the last axis of a flat [1, N] activation (a multi-class head's output): the
    /// axis must be the last one (-1, or 1 of the 2-D output; absent means either, by opset).
    private func softmax(_ node: ONNXNode, _ shape: FloatShape) throws(ConversionError) -> FloatLayer {
        let axis = node.attribute("axis")?.i ?? -1
        guard shape.height * shape.width == 1, axis == -1 || axis == 1 else {
            throw .unsupportedAttribute(node: node.name, attribute: "axis",
                                        value: "\(axis) over a \(shape) activation (Earshot runs Softmax over the last axis of a flat [1, N] output only)")
        }
        return .softmax
    }

    /// The output of the last node a matched pattern consumed (or this node's own output).
    private func lastOutput(of node: ONNXNode, done: Set<Int>, index: Int) -> String {
        let last = done.filter { $0 >= index }.max() ?? index
        return graph.nodes[last].outputs.first ?? ""
    }

    private func convolution(_ node: ONNXNode, _ shape: FloatShape) throws(ConversionError) -> FloatConvolution {
        let w = dims(node, 1)
        guard w.count == 4 else { throw .unsupportedInput(node: node.name, input: node.input(1) ?? "W", reason: "expected a constant [out, in, kh, kw] weight") }
        let group = node.attribute("group")?.i ?? 1
        let autoPad = node.attribute("auto_pad")?.string ?? "NOTSET"
        guard group == 1, autoPad == "NOTSET" || autoPad.isEmpty, ints(node, "dilations").allSatisfy({ $0 == 1 }) else {
            throw .unsupportedAttribute(node: node.name, attribute: "group/auto_pad/dilations", value: "\(group), \(autoPad), \(ints(node, "dilations"))")
        }
        let strides = ints(node, "strides").isEmpty ? [1, 1] : ints(node, "strides")
        let pads = ints(node, "pads").isEmpty ? [0, 0, 0, 0] : ints(node, "pads")
        guard strides.count == 2, pads.count == 4 else { throw .unsupportedAttribute(node: node.name, attribute: "strides/pads", value: "\(strides) \(pads)") }
        let (outputs, inputs, kh, kw) = (w[0], w[1], w[2], w[3])
        let source = try floats(node, 1, "weights")
        var weights = [Float](repeating: 0, count: source.count)
        for o in 0..<outputs { for i in 0..<inputs { for y in 0..<kh { for x in 0..<kw {
            weights[((o * kh + y) * kw + x) * inputs + i] = source[((o * inputs + i) * kh + y) * kw + x]
        } } } }
        let bias = node.input(2) != nil ? try floats(node, 2, "bias") : [Float](repeating: 0, count: outputs)
        return FloatConvolution(kernelHeight: kh, kernelWidth: kw, inputChannels: inputs, outputChannels: outputs,
                                strideHeight: strides[0], strideWidth: strides[1],
                                padTop: pads[0], padBottom: pads[2], padLeft: pads[1], padRight: pads[3], weights: weights, bias: bias)
    }

    private func maxPool(_ node: ONNXNode) throws(ConversionError) -> FloatLayer {
        let kernel = ints(node, "kernel_shape"), strides = ints(node, "strides")
        guard kernel.count == 2, strides.count == 2, ints(node, "pads").allSatisfy({ $0 == 0 }), (node.attribute("ceil_mode")?.i ?? 0) == 0,
              ints(node, "dilations").allSatisfy({ $0 == 1 }), node.outputs.count == 1 else {
            throw .unsupportedAttribute(node: node.name, attribute: "kernel_shape/strides/pads/ceil_mode", value: "\(kernel) \(strides) \(ints(node, "pads"))")
        }
        return .maxPool(height: kernel[0], width: kernel[1], strideHeight: strides[0], strideWidth: strides[1])
    }

    /// Gemm (transB or not) or MatMul, with a following Add of a constant folded in as the bias.
    private func dense(_ node: ONNXNode, _ shape: FloatShape, done: inout Set<Int>) throws(ConversionError) -> FloatLayer {
        let w = dims(node, 1)
        let transB = node.opType == "Gemm" && (node.attribute("transB")?.i ?? 0) == 1
        guard w.count == 2, (node.attribute("transA")?.i ?? 0) == 0, (node.attribute("alpha")?.f ?? 1) == 1, (node.attribute("beta")?.f ?? 1) == 1 else {
            throw .unsupportedInput(node: node.name, input: node.input(1) ?? "B", reason: "expected a constant 2-D weight, no transA, alpha = beta = 1")
        }
        let (inputs, outputs) = transB ? (w[1], w[0]) : (w[0], w[1])
        guard inputs == shape.count else { throw .shapeMismatch(node: node.name, expected: "\(shape.count) inputs", found: "\(inputs)") }
        let source = try floats(node, 1, "weights")
        var weights = source
        if !transB { for i in 0..<inputs { for o in 0..<outputs { weights[o * inputs + i] = source[i * outputs + o] } } }
        var bias = node.opType == "Gemm" && node.input(2) != nil ? try floats(node, 2, "bias") : [Float](repeating: 0, count: outputs)
        if node.opType == "MatMul", let list = consumers[node.outputs.first ?? ""], list.count == 1, graph.nodes[list[0]].opType == "Add" {
            let add = graph.nodes[list[0]]
            let other = add.input(0) == node.outputs.first ? 1 : 0
            bias = try floats(add, other, "bias")
            done.insert(list[0])
        }
        guard bias.count == outputs else { throw .shapeMismatch(node: node.name, expected: "\(outputs) biases", found: "\(bias.count)") }
        return .dense(outputs: outputs, weights: weights, bias: bias, activation: .none)
    }
}
