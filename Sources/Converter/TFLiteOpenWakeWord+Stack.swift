import Model

extension TFLiteOpenWakeWord {
    /// The main subgraph as a chain of layers from its one input to its one output.
    func stack(input: FloatShape) throws(TFLiteError) -> FloatLayerStack {
        try checkOneInputOneOutput()
        return try chain(input: input, from: graph.inputs[0], operators: 0..<graph.operators.count, to: graph.outputs[0])
    }

    func checkOneInputOneOutput() throws(TFLiteError) {
        guard graph.inputs.count == 1, graph.outputs.count == 1 else {
            throw .notAModel(reason: "an openWakeWord network has one input and one output, found \(graph.inputs.count) and \(graph.outputs.count)")
        }
    }

    /// `operators` as a chain of layers, each reading the previous one's output, from tensor `from` to tensor `to`.
    func chain(input: FloatShape, from start: Int, operators: Range<Int>, to end: Int) throws(TFLiteError) -> FloatLayerStack {
        var current = start
        var shape = input
        var layers = [FloatLayer]()
        var pads = [0, 0, 0, 0]  // top, bottom, left, right from a PAD before a CONV_2D
        var index = operators.lowerBound
        while index < operators.upperBound {
            let op = graph.operators[index]
            guard op.inputs.first == current, op.outputs.count == 1 else {
                throw .unsupportedAttribute(op: Self.name(op.code), tensor: outputName(op), reason: "it does not read the previous layer's output")
            }
            var layer: FloatLayer?
            var consumed = 1
            switch Op(rawValue: op.code) {
            case .reshape, .squeeze, .expandDims:
                break  // NHWC order is kept; a reshape of a chain's activation only renames dimensions
            case .pad:
                pads = try padding(op)
            case .conv2D:
                layer = .convolution(try convolution(op, shape, pads: pads))
                pads = [0, 0, 0, 0]
            case .leakyRelu:
                let alpha: Float
                if let options = op.options {
                    alpha = Float(bitPattern: try model.reader.scalarU32(options, 0, default: 0, "LEAKY_RELU alpha"))
                } else { alpha = 0 }
                layer = .leakyRelu(alpha: alpha)
            case .maximum: layer = .maximum(try scalar(op, 1, "MAXIMUM constant"))
            case .maxPool2D: layer = try maxPool(op, shape)
            case .fullyConnected:
                let w = self.shape(op, 1)
                guard w.count == 2, w[1] == shape.count else {
                    throw .unsupportedAttribute(op: "FULLY_CONNECTED", tensor: outputName(op), reason: "weights \(w) for \(shape.count) inputs")
                }
                let bias = op.inputs.count > 2 && op.inputs[2] >= 0 ? try floats(op, 2, "bias") : [Float](repeating: 0, count: w[0])
                layer = .dense(outputs: w[0], weights: try floats(op, 1, "weights"), bias: bias, activation: try activation(op, field: 0))
            case .add:
                // FULLY_CONNECTED without a bias, then ADD of a constant: the dense layer's bias.
                guard case let .dense(outputs, weights, bias, .none)? = layers.last, self.shape(op, 1).reduce(1, *) == outputs else {
                    throw .unsupportedAttribute(op: "ADD", tensor: outputName(op), reason: "ADD is read only as the bias of the FULLY_CONNECTED before it")
                }
                let added = try floats(op, 1, "bias")
                layers.removeLast()
                layer = .dense(outputs: outputs, weights: weights, bias: zip(bias, added).map { $0 + $1 }, activation: try activation(op, field: 0))
            case .mean:
                (layer, consumed) = try layerNorm(at: index)
            case .relu: layer = .relu
            case .logistic: layer = .sigmoid
            default: throw unsupported(index)
            }
            if let layer {
                layers.append(layer)
                do { shape = try FloatLayerStack(input: input, layers: layers).shapes().last ?? input } catch {
                    throw .unsupportedAttribute(op: Self.name(op.code), tensor: outputName(op), reason: "\(error)")
                }
            }
            current = graph.operators[index + consumed - 1].outputs[0]
            index += consumed
        }
        guard current == end else {
            throw .notAModel(reason: "the chain of operators ends at '\(graph.tensors[current].name)', not at '\(graph.tensors[end].name)'")
        }
        return FloatLayerStack(input: input, layers: layers)
    }

    private func ints(_ op: TFLiteOperator, _ position: Int) throws(TFLiteError) -> [Int] {
        guard position < op.inputs.count, op.inputs[position] >= 0 else { return [] }
        let tensor = constant(op.inputs[position])
        let data = model.data(tensor)
        guard tensor.type == 2, data.count == 4 * (Self.elements(tensor.shape) ?? -1) else {
            throw .unsupportedAttribute(op: Self.name(op.code), tensor: outputName(op), reason: "'\(tensor.name)' must be a constant int32 tensor")
        }
        let base = data.startIndex
        return (0..<data.count / 4).map { i in
            Int(Int32(bitPattern: UInt32(data[base + 4 * i]) | UInt32(data[base + 4 * i + 1]) << 8
                | UInt32(data[base + 4 * i + 2]) << 16 | UInt32(data[base + 4 * i + 3]) << 24))
        }
    }

    /// PAD's [4, 2] paddings as top, bottom, left, right (batch and channel padding refused).
    private func padding(_ op: TFLiteOperator) throws(TFLiteError) -> [Int] {
        let p = try ints(op, 1)
        guard p.count == 8, p[0] == 0, p[1] == 0, p[6] == 0, p[7] == 0, p[2...5].allSatisfy({ (0...4096).contains($0) }) else {
            throw .unsupportedAttribute(op: "PAD", tensor: outputName(op), reason: "only height and width padding, found \(p)")
        }
        return [p[2], p[3], p[4], p[5]]
    }

    private func convolution(_ op: TFLiteOperator, _ shape: FloatShape, pads: [Int]) throws(TFLiteError) -> FloatConvolution {
        let w = self.shape(op, 1)
        guard w.count == 4, w[3] == shape.channels else {
            throw .unsupportedAttribute(op: "CONV_2D", tensor: outputName(op), reason: "weights \(w) for \(shape.channels) input channels")
        }
        let same = try optionByte(op, 0) == 0
        let strideW = Int(try option(op, 1)), strideH = Int(try option(op, 2))
        guard let options = op.options else { throw .unsupportedAttribute(op: "CONV_2D", tensor: outputName(op), reason: "no options") }
        let dilations = [try model.reader.scalarI32(options, 4, default: 1, "dilation"), try model.reader.scalarI32(options, 5, default: 1, "dilation")]
        guard try activation(op, field: 3) == .none, dilations == [1, 1], strideW >= 1, strideH >= 1 else {
            throw .unsupportedAttribute(op: "CONV_2D", tensor: outputName(op), reason: "fused activation, dilation \(dilations) or strides \(strideH)x\(strideW)")
        }
        var p = pads
        if same {
            // TFLite SAME: total = max((out − 1)·stride + kernel − in, 0), the smaller half before.
            let height = shape.height + p[0] + p[1], width = shape.width + p[2] + p[3]
            let totalH = max(((height + strideH - 1) / strideH - 1) * strideH + w[1] - height, 0)
            let totalW = max(((width + strideW - 1) / strideW - 1) * strideW + w[2] - width, 0)
            p = [p[0] + totalH / 2, p[1] + totalH - totalH / 2, p[2] + totalW / 2, p[3] + totalW - totalW / 2]
        }
        let bias = op.inputs.count > 2 && op.inputs[2] >= 0 ? try floats(op, 2, "bias") : [Float](repeating: 0, count: w[0])
        return FloatConvolution(kernelHeight: w[1], kernelWidth: w[2], inputChannels: w[3], outputChannels: w[0],
                                strideHeight: strideH, strideWidth: strideW, padTop: p[0], padBottom: p[1], padLeft: p[2], padRight: p[3],
                                weights: try floats(op, 1, "weights"), bias: bias)
    }

    private func maxPool(_ op: TFLiteOperator, _ shape: FloatShape) throws(TFLiteError) -> FloatLayer {
        let valid = try optionByte(op, 0) == 1
        let strideW = Int(try option(op, 1)), strideH = Int(try option(op, 2))
        let width = Int(try option(op, 3)), height = Int(try option(op, 4))
        let exact = shape.height % max(strideH, 1) == 0 && shape.width % max(strideW, 1) == 0 && height == strideH && width == strideW
        guard valid || exact, try activation(op, field: 5) == .none else {
            throw .unsupportedAttribute(op: "MAX_POOL_2D", tensor: outputName(op), reason: "SAME padding that pads, or a fused activation")
        }
        return .maxPool(height: height, width: width, strideHeight: strideH, strideWidth: strideW)
    }

    /// MEAN, SUB, MUL, MEAN, ADD ε, RSQRT, MUL, MUL γ, ADD β (fused RELU allowed): one layer norm.
    private func layerNorm(at start: Int) throws(TFLiteError) -> (FloatLayer, Int) {
        let ops = graph.operators
        let expected: [Op] = [.mean, .sub, .mul, .mean, .add, .rsqrt, .mul, .mul, .add]
        guard start + expected.count <= ops.count, zip(ops[start...], expected).allSatisfy({ $0.0.code == $0.1.rawValue }) else {
            throw .unsupportedAttribute(op: "MEAN", tensor: outputName(ops[start]), reason: "MEAN is read only as the start of a layer norm (MEAN SUB MUL MEAN ADD RSQRT MUL MUL ADD)")
        }
        let o = Array(ops[start..<start + expected.count])
        let x = o[0].inputs[0], mean = o[0].outputs[0], d = o[1].outputs[0]
        guard o[1].inputs == [x, mean], o[2].inputs == [d, d], o[3].inputs.first == o[2].outputs[0],
              o[4].inputs.first == o[3].outputs[0], o[5].inputs.first == o[4].outputs[0], o[6].inputs == [d, o[5].outputs[0]],
              o[7].inputs.first == o[6].outputs[0], o[8].inputs.first == o[7].outputs[0],
              Self.elements(graph.tensors[mean].shape) == 1 else {
            throw .unsupportedAttribute(op: "MEAN", tensor: outputName(o[0]), reason: "the layer-norm operators are not wired as d = x − mean(x), d·rsqrt(mean(d²) + ε)·γ + β over all values")
        }
        for op in o where op.code == Op.mul.rawValue || op.code == Op.sub.rawValue {
            guard try activation(op, field: 0) == .none else { throw .unsupportedAttribute(op: Self.name(op.code), tensor: outputName(op), reason: "a fused activation inside a layer norm") }
        }
        guard try activation(o[4], field: 0) == .none else { throw .unsupportedAttribute(op: "ADD", tensor: outputName(o[4]), reason: "a fused activation on ε") }
        let epsilon = try scalar(o[4], 1, "epsilon")
        let layer = FloatLayer.layerNorm(epsilon: epsilon, gamma: try floats(o[7], 1, "gamma"), beta: try floats(o[8], 1, "beta"),
                                         activation: try activation(o[8], field: 0))
        return (layer, expected.count)
    }
}
