import Model

// ONNX Conv → an Earshot conv2d front stage (windowed models only).
//
// Accepted: a graph input [1, 1, T, F] with a fixed T (the window), then
//   Conv (W [C, 1, kT, kF], optional B [C]; strides, pads, kernel_shape; dilations and group 1;
//   auto_pad NOTSET or VALID) → optional Relu → Transpose/Reshape that bring the time axis in
//   front and merge the channel and feature axes into one row per output time step,
// then the usual chain (recurrent layers, dense, softmax). Merging [.., C, F'] gives rows
// c·F' + f (channels first), [.., F', C] gives f·C + c (channels last). The imported model is
// windowed over the T frames, one run per window, last step only.

extension GraphContext {
    /// The fixed window length of a rank-4 [1, 1, T, F] graph input, else nil.
    func convolutionWindow() -> Int? {
        guard let dims = input.shape, dims.count == 4,
              case .value(1) = dims[0], case .value(1) = dims[1],
              case let .value(frames) = dims[2], frames >= 1, frames <= Int64(ExecutionMode.maxWindowFrames),
              case let .value(features) = dims[3], features >= 1, features <= Int64(Int32.max) else { return nil }
        return Int(frames)
    }
}

extension ChainWalk {
    /// Operators allowed between a Conv and the reshape that flattens its rows.
    static let betweenConvolutionAndRows: Set<String> = ["Relu", "Transpose", "Reshape", "Identity"]

    mutating func convertConv(_ node: ONNXNode) throws(ConversionError) {
        try requireStreamInput(node, at: 0)
        if layers.isEmpty, shape.rank == 3, shape.axes[0] == .unit, shape.axes[2] == .time,
           case .feature = shape.axes[1] {
            try convertConv1D(node)
            return
        }
        guard layers.isEmpty, let frames = context.convolutionWindow(), shape.rank == 4, shape.axes[2] == .time,
              case let .feature(features) = shape.axes[3] else {
            throw .unsupportedPlacement(
                node: nodeName, op: "Conv",
                reason: "Earshot supports Conv only as the first node, on a graph input [1, 1, T, F] with a fixed window T")
        }
        let weights = try constant(node, input: 1, role: "W")
        let dims = try weights.checkedDims()
        guard dims.count == 4, dims[1] == 1 else {
            throw .shapeMismatch(node: nodeName, expected: "W [filters, 1, kT, kF] (one input channel)", found: "\(dims)")
        }
        let (channels, kT, kF) = (dims[0], dims[2], dims[3])
        let values = try weights.floatValues()
        var bias = [Float](repeating: 0, count: channels)
        if let b = try optionalConstant(node, input: 2, role: "B") {
            let biasDims = try b.checkedDims()
            guard biasDims == [channels] else {
                throw .shapeMismatch(node: nodeName, expected: "B [\(channels)]", found: "\(biasDims)")
            }
            bias = try b.floatValues()
        }
        func list(_ name: String, count: Int, default value: Int64) throws(ConversionError) -> [Int] {
            guard let attribute = node.attribute(name) else { return [Int](repeating: Int(value), count: count) }
            guard attribute.ints.count == count, attribute.ints.allSatisfy({ $0 >= 0 && $0 <= 65_536 }) else {
                throw .unsupportedAttribute(node: nodeName, attribute: name, value: attribute.displayValue)
            }
            return attribute.ints.map { Int($0) }
        }
        if let kernel = node.attribute("kernel_shape"), kernel.ints != [Int64(kT), Int64(kF)] {
            throw .unsupportedAttribute(node: nodeName, attribute: "kernel_shape", value: "\(kernel.ints) (W is \(kT)x\(kF))")
        }
        guard try list("dilations", count: 2, default: 1) == [1, 1] else {
            throw .unsupportedAttribute(node: nodeName, attribute: "dilations", value: node.attribute("dilations")!.displayValue)
        }
        guard intAttribute(node, "group", default: 1) == 1 else {
            throw .unsupportedAttribute(node: nodeName, attribute: "group", value: String(intAttribute(node, "group", default: 1)))
        }
        if let autoPad = node.attribute("auto_pad"), !["NOTSET", "VALID"].contains(String(decoding: autoPad.s, as: UTF8.self)) {
            throw .unsupportedAttribute(node: nodeName, attribute: "auto_pad", value: autoPad.displayValue)
        }
        let strides = try list("strides", count: 2, default: 1)
        let pads = try list("pads", count: 4, default: 0)  // time begin, feature begin, time end, feature end
        guard strides.allSatisfy({ $0 >= 1 }) else {
            throw .unsupportedAttribute(node: nodeName, attribute: "strides", value: "\(strides)")
        }
        let geometry = ConvolutionGeometry(
            kernelTime: kT, kernelFeatures: kF, strideTime: strides[0], strideFeatures: strides[1],
            padTimeBegin: pads[0], padTimeEnd: pads[2], padFeaturesBegin: pads[1], padFeaturesEnd: pads[3],
            channelsLast: false)
        let description = LayerDescription(
            kind: .conv2d, name: nodeName, inputSize: features, hiddenSize: channels, convolution: geometry)
        let outputFeatures = geometry.outputFeatures(inputSize: features)
        guard outputFeatures >= 1, geometry.outputRows(frames: frames) >= 1 else {
            throw .shapeMismatch(node: nodeName, expected: "a \(kT)x\(kF) kernel that fits the [\(frames), \(features)] window",
                                 found: "\(dims)")
        }
        layers.append(LayerRecord(description: description, weights: [.inputWeights: values, .bias: bias]))
        convolutionWindow = frames
        convolutionRows = geometry.outputRows(frames: frames)
        convolutionChannelAxis = 1
        try advance(node, output: 0, shape: SymbolicShape([.unit, SymbolicShape.role(size: channels), .time,
                                                           SymbolicShape.role(size: outputFeatures)]))
    }

    /// A Conv with a 1-D kernel over time, the features as input channels: input [1, F, T] (e.g.
    /// the graph input [1, T, F] transposed), W [C, F, k], optional B [C]; strides [s], pads
    /// [begin, end], dilations and group 1. Becomes a conv2d layer whose kernel spans all F
    /// features (k × F, W reordered to [c][i·F + f]); its rows are the C channels of each output
    /// time step, [1, C, T'] here, which a Transpose brings to [T', 1, C] for the next layer.
    mutating func convertConv1D(_ node: ONNXNode) throws(ConversionError) {
        guard case let .feature(features) = shape.axes[1], let frames = inputTimeFrames else {
            throw .unsupportedPlacement(
                node: nodeName, op: "Conv",
                reason: "a 1-D Conv needs the graph input's time dimension to be a fixed number (the window)")
        }
        let weights = try constant(node, input: 1, role: "W")
        let dims = try weights.checkedDims()
        guard dims.count == 3, dims[1] == features else {
            throw .shapeMismatch(node: nodeName, expected: "W [filters, \(features), k] (features as input channels)",
                                 found: "\(dims)")
        }
        let (channels, kernel) = (dims[0], dims[2])
        let values = try weights.floatValues()
        var reordered = [Float](repeating: 0, count: values.count)
        for c in 0..<channels {
            for f in 0..<features {
                for i in 0..<kernel {
                    reordered[c * kernel * features + i * features + f] = values[(c * features + f) * kernel + i]
                }
            }
        }
        var bias = [Float](repeating: 0, count: channels)
        if let b = try optionalConstant(node, input: 2, role: "B") {
            let biasDims = try b.checkedDims()
            guard biasDims == [channels] else {
                throw .shapeMismatch(node: nodeName, expected: "B [\(channels)]", found: "\(biasDims)")
            }
            bias = try b.floatValues()
        }
        func list(_ name: String, count: Int, default value: Int64) throws(ConversionError) -> [Int] {
            guard let attribute = node.attribute(name) else { return [Int](repeating: Int(value), count: count) }
            guard attribute.ints.count == count, attribute.ints.allSatisfy({ $0 >= 0 && $0 <= 65_536 }) else {
                throw .unsupportedAttribute(node: nodeName, attribute: name, value: attribute.displayValue)
            }
            return attribute.ints.map { Int($0) }
        }
        if let shapeAttribute = node.attribute("kernel_shape"), shapeAttribute.ints != [Int64(kernel)] {
            throw .unsupportedAttribute(node: nodeName, attribute: "kernel_shape", value: "\(shapeAttribute.ints) (W has k = \(kernel))")
        }
        guard try list("dilations", count: 1, default: 1) == [1] else {
            throw .unsupportedAttribute(node: nodeName, attribute: "dilations", value: node.attribute("dilations")!.displayValue)
        }
        guard intAttribute(node, "group", default: 1) == 1 else {
            throw .unsupportedAttribute(node: nodeName, attribute: "group", value: String(intAttribute(node, "group", default: 1)))
        }
        if let autoPad = node.attribute("auto_pad"), !["NOTSET", "VALID"].contains(String(decoding: autoPad.s, as: UTF8.self)) {
            throw .unsupportedAttribute(node: nodeName, attribute: "auto_pad", value: autoPad.displayValue)
        }
        let strides = try list("strides", count: 1, default: 1)
        let pads = try list("pads", count: 2, default: 0)
        guard strides[0] >= 1 else { throw .unsupportedAttribute(node: nodeName, attribute: "strides", value: "\(strides)") }
        guard pads[0] < kernel, pads[1] < kernel else {
            throw .unsupportedAttribute(node: nodeName, attribute: "pads", value: "\(pads) (each must be less than the kernel \(kernel))")
        }
        let geometry = ConvolutionGeometry(
            kernelTime: kernel, kernelFeatures: features, strideTime: strides[0], strideFeatures: 1,
            padTimeBegin: pads[0], padTimeEnd: pads[1], channelsLast: false)
        guard geometry.outputRows(frames: frames) >= 1 else {
            throw .shapeMismatch(node: nodeName, expected: "a kernel of at most \(frames + pads[0] + pads[1]) frames (the padded window)",
                                 found: "\(dims)")
        }
        let description = LayerDescription(
            kind: .conv2d, name: nodeName, inputSize: features, hiddenSize: channels, convolution: geometry)
        layers.append(LayerRecord(description: description, weights: [.inputWeights: reordered, .bias: bias]))
        convolutionWindow = frames
        convolutionRows = geometry.outputRows(frames: frames)
        convolution1DOpen = true
        try advance(node, output: 0, shape: SymbolicShape([.unit, SymbolicShape.role(size: channels), .time]))
    }

    /// Relu right after the Conv: the conv2d layer's activation.
    mutating func fuseConvolutionRelu(_ node: ONNXNode) throws(ConversionError) {
        guard layers.count == 1, layers[0].description.kind == .conv2d, layers[0].description.activation == .linear else {
            throw .unsupportedPlacement(node: nodeName, op: node.opType, reason: "only one Relu may follow a Conv")
        }
        try requireStreamInput(node, at: 0)
        layers[0].description.activation = .relu
        try advance(node, output: 0, shape: shape)
    }

    /// Before a Reshape merges the Conv's channel and feature axes: records the row order.
    mutating func noteConvolutionRows() {
        guard let channelAxis = convolutionChannelAxis, layers.first?.description.kind == .conv2d else { return }
        let wide = shape.axes.indices.filter { if case .feature = shape.axes[$0] { return true } else { return false } }
        let featureAxis = wide.first { $0 != channelAxis } ?? channelAxis
        layers[0].description.convolution?.channelsLast = featureAxis < channelAxis
        convolutionChannelAxis = nil
    }
}
