/// A float network as a chain of layers over one NHWC activation (height × width × channels),
/// the shape openWakeWord's embedding CNN and heads have. Dense layers read the activation
/// flattened in NHWC order (TFLite's and openWakeWord's RESHAPE/Flatten order).
public struct FloatLayerStack: Sendable, Equatable {
    /// The input activation's shape.
    public var input: FloatShape
    public var layers: [FloatLayer]

    public init(input: FloatShape, layers: [FloatLayer]) {
        self.input = input
        self.layers = layers
    }

    /// Largest activation, weight or count a stack may have (a loader never trusts the file).
    public static let maximumElements = 1 << 26

    /// The shape after each layer (`shapes[i]` is layer i's output), checking every layer's sizes.
    public func shapes() throws(ModelError) -> [FloatShape] {
        var shape = input
        try shape.check(what: "the input")
        var result = [FloatShape]()
        for (index, layer) in layers.enumerated() {
            shape = try layer.outputShape(input: shape, index: index)
            try shape.check(what: "layer \(index)'s output")
            result.append(shape)
        }
        return result
    }
}

/// A height × width × channels activation shape.
public struct FloatShape: Sendable, Equatable, CustomStringConvertible {
    public var height: Int
    public var width: Int
    public var channels: Int

    public init(height: Int, width: Int, channels: Int) {
        (self.height, self.width, self.channels) = (height, width, channels)
    }

    public var count: Int { height * width * channels }
    public var description: String { "\(height)x\(width)x\(channels)" }

    func check(what: String) throws(ModelError) {
        guard (1...FloatLayerStack.maximumElements).contains(height), (1...FloatLayerStack.maximumElements).contains(width),
              (1...FloatLayerStack.maximumElements).contains(channels),
              height.multipliedReportingOverflow(by: width).partialValue <= FloatLayerStack.maximumElements / channels else {
            throw .invalidValue(key: what, value: description, expected: "positive sizes, at most \(FloatLayerStack.maximumElements) values")
        }
    }
}

/// What a layer applies to its result.
public enum FloatActivation: Int, Sendable, Equatable {
    case none = 0, relu = 1
}

/// A 2-D convolution over NHWC with weights [out][kernelHeight][kernelWidth][in] and zero padding.
public struct FloatConvolution: Sendable, Equatable {
    public var kernelHeight: Int, kernelWidth: Int, inputChannels: Int, outputChannels: Int
    public var strideHeight: Int, strideWidth: Int
    public var padTop: Int, padBottom: Int, padLeft: Int, padRight: Int
    public var weights: [Float]
    public var bias: [Float]

    public init(kernelHeight: Int, kernelWidth: Int, inputChannels: Int, outputChannels: Int,
                strideHeight: Int = 1, strideWidth: Int = 1,
                padTop: Int = 0, padBottom: Int = 0, padLeft: Int = 0, padRight: Int = 0,
                weights: [Float], bias: [Float]) {
        (self.kernelHeight, self.kernelWidth, self.inputChannels, self.outputChannels) = (kernelHeight, kernelWidth, inputChannels, outputChannels)
        (self.strideHeight, self.strideWidth) = (strideHeight, strideWidth)
        (self.padTop, self.padBottom, self.padLeft, self.padRight) = (padTop, padBottom, padLeft, padRight)
        self.weights = weights
        self.bias = bias
    }

    /// The geometry as stored in the model file.
    public var geometry: [Int] {
        [kernelHeight, kernelWidth, inputChannels, outputChannels, strideHeight, strideWidth, padTop, padBottom, padLeft, padRight]
    }
}

/// One layer of a `FloatLayerStack`.
public enum FloatLayer: Sendable, Equatable {
    case convolution(FloatConvolution)
    /// x ≥ 0 ? x : alpha·x.
    case leakyRelu(alpha: Float)
    /// max(x, value), elementwise with a constant.
    case maximum(Float)
    /// Max over windows, no padding.
    case maxPool(height: Int, width: Int, strideHeight: Int, strideWidth: Int)
    /// y = W x + b over the flattened activation; weights [outputs][inputs].
    case dense(outputs: Int, weights: [Float], bias: [Float], activation: FloatActivation)
    /// Layer normalization over the flattened activation, as TFLite's lowered graph computes it:
    /// d = x − mean, y = d · rsqrt(mean(d²) + epsilon) · gamma + beta.
    case layerNorm(epsilon: Float, gamma: [Float], beta: [Float], activation: FloatActivation)
    case relu
    case sigmoid
    /// exp(x − max) / Σ exp(x − max) over all values of the activation (a multi-class head's
    /// class probabilities; ONNX Softmax over the last axis of a flat [1, N] output).
    case softmax

    /// The file's name of the layer kind.
    public var kindName: String {
        switch self {
        case .convolution: return "conv2d"
        case .leakyRelu: return "leaky_relu"
        case .maximum: return "maximum"
        case .maxPool: return "max_pool"
        case .dense: return "dense"
        case .layerNorm: return "layer_norm"
        case .relu: return "relu"
        case .sigmoid: return "sigmoid"
        case .softmax: return "softmax"
        }
    }

    func outputShape(input: FloatShape, index: Int) throws(ModelError) -> FloatShape {
        func bad(_ value: String, _ expected: String) -> ModelError {
            .invalidLayerAttribute(layer: index, attribute: kindName, value: value, expected: expected)
        }
        let limit = FloatLayerStack.maximumElements
        switch self {
        case let .convolution(c):
            let sizes = c.geometry
            guard sizes[0...5].allSatisfy({ (1...4096).contains($0) }), sizes[6...9].allSatisfy({ (0...4096).contains($0) }) else {
                throw bad("\(sizes)", "kernel, channels and strides in 1...4096, pads in 0...4096")
            }
            guard c.inputChannels == input.channels else { throw bad("\(c.inputChannels) input channels", "\(input.channels)") }
            let paddedHeight = input.height + c.padTop + c.padBottom, paddedWidth = input.width + c.padLeft + c.padRight
            guard paddedHeight >= c.kernelHeight, paddedWidth >= c.kernelWidth else {
                throw bad("kernel \(c.kernelHeight)x\(c.kernelWidth) over \(paddedHeight)x\(paddedWidth)", "a kernel no larger than the padded input")
            }
            let patch = c.kernelHeight * c.kernelWidth * c.inputChannels
            guard patch <= limit / c.outputChannels, c.weights.count == patch * c.outputChannels, c.bias.count == c.outputChannels else {
                throw bad("\(c.weights.count) weights, \(c.bias.count) biases", "\(patch) x \(c.outputChannels) weights and \(c.outputChannels) biases")
            }
            return FloatShape(height: (paddedHeight - c.kernelHeight) / c.strideHeight + 1,
                              width: (paddedWidth - c.kernelWidth) / c.strideWidth + 1, channels: c.outputChannels)
        case let .leakyRelu(alpha):
            guard alpha.isFinite else { throw bad("\(alpha)", "a finite alpha") }
            return input
        case let .maximum(value):
            guard !value.isNaN else { throw bad("nan", "a number") }
            return input
        case let .maxPool(height, width, strideHeight, strideWidth):
            guard [height, width, strideHeight, strideWidth].allSatisfy({ (1...4096).contains($0) }),
                  height <= input.height, width <= input.width else {
                throw bad("\(height)x\(width) stride \(strideHeight)x\(strideWidth) over \(input)", "a window inside the input")
            }
            return FloatShape(height: (input.height - height) / strideHeight + 1, width: (input.width - width) / strideWidth + 1,
                              channels: input.channels)
        case let .dense(outputs, weights, bias, _):
            guard (1...limit).contains(outputs), input.count <= limit / outputs,
                  weights.count == outputs * input.count, bias.count == outputs else {
                throw bad("\(weights.count) weights, \(bias.count) biases for \(outputs) outputs",
                          "\(outputs) x \(input.count) weights and \(outputs) biases")
            }
            return FloatShape(height: 1, width: 1, channels: outputs)
        case let .layerNorm(epsilon, gamma, beta, _):
            guard epsilon.isFinite, epsilon >= 0, gamma.count == input.count, beta.count == input.count else {
                throw bad("epsilon \(epsilon), \(gamma.count) gains, \(beta.count) offsets", "epsilon >= 0 and \(input.count) gains and offsets")
            }
            return FloatShape(height: 1, width: 1, channels: input.count)
        case .relu, .sigmoid, .softmax:
            return input
        }
    }
}
