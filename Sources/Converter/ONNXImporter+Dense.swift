import Model

// Per-step operators: MatMul/Gemm become dense layers; Add and Relu/Tanh/Sigmoid fuse into the
// dense layer right before them; Softmax over the features becomes a softmax layer.

extension ChainWalk {
    /// MatMul(x, B) with a constant B [in, out] → dense layer with W = Bᵀ [out, in], zero bias.
    mutating func convertMatMul(_ node: ONNXNode) throws(ConversionError) {
        try requireStreamInput(node, at: 0)
        let weights = try constant(node, input: 1, role: "B")
        let dims = try weights.checkedDims()
        let inputs = shape.featureSize
        guard dims.count == 2, dims[0] == inputs, shape.hasFeatureLast else {
            throw .shapeMismatch(
                node: nodeName, expected: "input [..., \(inputs)] (features last) times a constant [\(inputs), out]",
                found: "\(shape) × \(dims)")
        }
        let outputs = dims[1]
        let values = try weights.floatValues()
        var transposed = [Float](repeating: 0, count: values.count)
        for row in 0..<inputs {
            for column in 0..<outputs { transposed[column * inputs + row] = values[row * outputs + column] }
        }
        try appendDense(node, inputs: inputs, outputs: outputs, weights: transposed,
                        bias: [Float](repeating: 0, count: outputs))
    }

    /// Gemm: Y = alpha · A · op(B) + beta · C with A the stream [rows, in] (transA = 0),
    /// B constant ([in, out], or [out, in] when transB = 1), C an optional constant [out] or scalar.
    mutating func convertGemm(_ node: ONNXNode) throws(ConversionError) {
        try requireStreamInput(node, at: 0)
        let transA = intAttribute(node, "transA", default: 0)
        guard transA == 0 else { throw .unsupportedAttribute(node: nodeName, attribute: "transA", value: "\(transA)") }
        let transB = intAttribute(node, "transB", default: 0)
        guard transB == 0 || transB == 1 else {
            throw .unsupportedAttribute(node: nodeName, attribute: "transB", value: "\(transB)")
        }
        let alpha = floatAttribute(node, "alpha", default: 1)
        let beta = floatAttribute(node, "beta", default: 1)
        let weights = try constant(node, input: 1, role: "B")
        let dims = try weights.checkedDims()
        let inputs = shape.featureSize
        let expectedB = transB == 1 ? "[out, \(inputs)]" : "[\(inputs), out]"
        guard shape.rank == 2, shape.hasFeatureLast, dims.count == 2, dims[transB == 1 ? 1 : 0] == inputs else {
            throw .shapeMismatch(
                node: nodeName, expected: "A [rows, \(inputs)] and a constant B \(expectedB)", found: "\(shape) and \(dims)")
        }
        let outputs = dims[transB == 1 ? 0 : 1]
        let values = try weights.floatValues()
        var matrix = [Float](repeating: 0, count: values.count)
        for row in 0..<outputs {
            for column in 0..<inputs {
                let value = transB == 1 ? values[row * inputs + column] : values[column * outputs + row]
                matrix[row * inputs + column] = alpha * value
            }
        }
        var bias = [Float](repeating: 0, count: outputs)
        if let c = try optionalConstant(node, input: 2, role: "C") {
            let cValues = try c.floatValues()
            let cDims = try c.checkedDims()
            let broadcastsOverFeatures = cDims.last == outputs && cValues.count == outputs
            guard cValues.count == 1 || broadcastsOverFeatures else {
                throw .shapeMismatch(node: nodeName, expected: "C of shape [\(outputs)], [1, \(outputs)] or [1]",
                                     found: "\(cDims)")
            }
            for index in 0..<outputs { bias[index] = beta * cValues[cValues.count == 1 ? 0 : index] }
        }
        try appendDense(node, inputs: inputs, outputs: outputs, weights: matrix, bias: bias)
    }

    private mutating func appendDense(
        _ node: ONNXNode, inputs: Int, outputs: Int, weights: [Float], bias: [Float]
    ) throws(ConversionError) {
        guard outputs >= 1 else {
            throw .shapeMismatch(node: nodeName, expected: "at least one output unit", found: "0")
        }
        let description = LayerDescription(kind: .dense, name: nodeName, inputSize: inputs, hiddenSize: outputs)
        layers.append(LayerRecord(description: description, weights: [.inputWeights: weights, .bias: bias]))
        openDense = layers.count - 1
        var axes = shape.axes
        axes[axes.count - 1] = .feature(outputs)
        try advance(node, output: 0, shape: SymbolicShape(axes))
    }

    /// Add(stream, constant) right after a dense layer (before its activation): adds into its bias.
    /// The constant is a scalar or broadcasts over the features ([out], [1, out], [1, 1, out], ...).
    mutating func convertAdd(_ node: ONNXNode) throws(ConversionError) {
        guard node.inputs.count == 2 else {
            throw .graphNotAChain(reason: "node '\(nodeName)' (Add) needs two inputs")
        }
        let streamPosition = node.inputs[0] == current ? 0 : 1
        try requireStreamInput(node, at: streamPosition)
        guard let dense = openDense, layers[dense].description.activation == .linear else {
            throw .unsupportedPlacement(
                node: nodeName, op: "Add",
                reason: "Earshot supports Add only as the bias of a dense layer (right after MatMul or Gemm, before its activation)")
        }
        let addend = try constant(node, input: 1 - streamPosition, role: "B")
        let values = try addend.floatValues()
        let dims = try addend.checkedDims()
        let outputs = layers[dense].description.hiddenSize
        let perFeature = values.count == outputs && dims.last == outputs && shape.hasFeatureLast
        guard values.count == 1 || perFeature else {
            throw .shapeMismatch(node: nodeName, expected: "a bias of shape [\(outputs)] or a scalar", found: "\(dims)")
        }
        for index in 0..<outputs {
            layers[dense].weights[.bias]![index] += values[values.count == 1 ? 0 : index]
        }
        var axes = shape.axes
        if dims.count > axes.count {
            axes.insert(contentsOf: [AxisRole](repeating: .unit, count: dims.count - axes.count), at: 0)
        }
        try advance(node, output: 0, shape: SymbolicShape(axes))
    }

    /// Relu/Tanh/Sigmoid right after a dense layer (and its bias): becomes that layer's activation.
    mutating func convertActivation(_ node: ONNXNode, _ activation: Activation) throws(ConversionError) {
        try requireStreamInput(node, at: 0)
        guard let dense = openDense, layers[dense].description.activation == .linear else {
            throw .unsupportedPlacement(
                node: nodeName, op: node.opType,
                reason: "Earshot supports \(node.opType) only directly after a dense layer (MatMul or Gemm, with its bias Add)")
        }
        layers[dense].description.activation = activation
        openDense = nil
        try advance(node, output: 0, shape: shape)
    }

    /// Softmax over the feature axis → softmax layer. Before opset 13 the input is coerced to 2-D at
    /// `axis` (default 1), so all axes from `axis` on must hold one step's features; from opset 13
    /// `axis` (default -1) must be the feature axis.
    mutating func convertSoftmax(_ node: ONNXNode) throws(ConversionError) {
        try requireStreamInput(node, at: 0)
        let rank = shape.rank
        let axis = try normalizedAxis(intAttribute(node, "axis", default: opset >= 13 ? -1 : 1), rank: rank, attribute: "axis")
        let features = shape.featureSize
        var overFeatures: Bool
        if opset >= 13 {
            overFeatures = shape.featureAxis == axis || (shape.featureAxis == nil && shape.axes[axis] == .unit)
        } else {
            overFeatures = true
            for index in 0..<rank {
                switch shape.axes[index] {
                case .time: if index >= axis { overFeatures = false }
                case .feature: if index < axis { overFeatures = false }
                case .unit: break
                }
            }
        }
        guard overFeatures else {
            throw .unsupportedAttribute(
                node: nodeName, attribute: "axis", value: "\(intAttribute(node, "axis", default: opset >= 13 ? -1 : 1)) "
                    + "on \(shape) at opset \(opset) (Earshot supports softmax over the features only)")
        }
        let description = LayerDescription(kind: .softmax, name: nodeName, inputSize: features, hiddenSize: features)
        layers.append(LayerRecord(description: description, weights: [:]))
        openDense = nil
        try advance(node, output: 0, shape: shape)
    }
}
