import Kernels
import Model

/// Runs a `FloatLayerStack` in buffers allocated once at init: two activation buffers used in
/// turn and one patch buffer for the convolutions (im2col, one output position at a time).
/// `run` allocates nothing. Convolutions over more than one input channel may run with fp16 or int8
/// weights (quantized at load, per
/// output channel; int8 activations quantized per output position), through the matrix–vector kernels.
public final class FloatLayerRunner {
    /// The weight type of the convolutions.
    public enum Precision: String, Sendable, CaseIterable {
        case fp32, fp16, int8
    }

    public let precision: Precision
    public let stack: FloatLayerStack
    let shapes: [FloatShape]
    let capacity: Int
    let first: UnsafeMutablePointer<Float>
    let second: UnsafeMutablePointer<Float>
    let patch: UnsafeMutablePointer<Float>
    /// The weights as flat buffers, one per layer (empty for weightless layers), so the hot path
    /// touches no arrays.
    let weights: [UnsafeMutablePointer<Float>?]
    let biases: [UnsafeMutablePointer<Float>?]
    /// fp16/int8 convolution weights (nil for fp32 and other layers), their storage and int8 scratch.
    let operands: [MatrixOperand?]
    let storage: [UnsafeMutableRawPointer]
    let quantized: UnsafeMutablePointer<Int8>
    let steps: UnsafeMutablePointer<Step>
    let stepCount: Int

    public init(_ stack: FloatLayerStack, precision: Precision = .fp32) throws(ModelError) {
        self.stack = stack
        self.precision = precision
        shapes = try stack.shapes()
        capacity = max(stack.input.count, shapes.map { $0.count }.max() ?? 1)
        var patchSize = 1
        var weights = [UnsafeMutablePointer<Float>?](), biases = [UnsafeMutablePointer<Float>?]()
        func copy(_ values: [Float]) -> UnsafeMutablePointer<Float> {
            let pointer = UnsafeMutablePointer<Float>.allocate(capacity: values.count)
            pointer.initialize(from: values, count: values.count)
            return pointer
        }
        for layer in stack.layers {
            switch layer {
            case let .convolution(c):
                patchSize = max(patchSize, c.kernelHeight * c.kernelWidth * c.inputChannels)
                weights.append(copy(c.weights)); biases.append(copy(c.bias))
            case let .dense(_, w, b, _): weights.append(copy(w)); biases.append(copy(b))
            case let .layerNorm(_, gamma, beta, _): weights.append(copy(gamma)); biases.append(copy(beta))
            default: weights.append(nil); biases.append(nil)
            }
        }
        self.weights = weights
        self.biases = biases
        quantized = .allocate(capacity: MatrixOperand.quantizedByteCount(columns: patchSize))
        quantized.initialize(repeating: 0, count: MatrixOperand.quantizedByteCount(columns: patchSize))
        var operands = [MatrixOperand?](), storage = [UnsafeMutableRawPointer]()
        for layer in stack.layers {
            // A convolution over one input channel (the first, on the mel frames) is cheap and most sensitive: it stays fp32.
            guard case let .convolution(c) = layer, precision != .fp32, c.inputChannels > 1 else { operands.append(nil); continue }
            let rows = c.outputChannels, columns = c.weights.count / rows
            if precision == .fp16 {
                let halves = UnsafeMutablePointer<UInt16>.allocate(capacity: c.weights.count)
                for i in 0..<c.weights.count { halves[i] = HalfPrecision.bits(from: c.weights[i]) }
                storage.append(UnsafeMutableRawPointer(halves))
                operands.append(MatrixOperand(elementType: .float16, rows: rows, columns: columns, data: halves))
            } else {
                let values = UnsafeMutablePointer<Int8>.allocate(capacity: c.weights.count)
                let scales = UnsafeMutablePointer<Float>.allocate(capacity: rows)
                for r in 0..<rows {
                    let row = c.weights[(r * columns)..<((r + 1) * columns)]
                    let peak = row.reduce(Float(0)) { Swift.max($0, abs($1)) }
                    let scale = peak > 0 ? peak / 127 : 1
                    scales[r] = scale
                    for (i, w) in row.enumerated() { values[r * columns + i] = Int8((w / scale).rounded()) }
                }
                storage.append(UnsafeMutableRawPointer(values)); storage.append(UnsafeMutableRawPointer(scales))
                operands.append(MatrixOperand(elementType: .int8, rows: rows, columns: columns, data: values,
                                              scales: scales, quantizedVector: quantized))
            }
        }
        self.operands = operands
        self.storage = storage
        stepCount = stack.layers.count
        steps = .allocate(capacity: max(stepCount, 1))
        var shape = stack.input
        for index in 0..<stepCount {
            (steps + index).initialize(to: Step(stack.layers[index], input: shape, output: shapes[index], weights: weights[index],
                                                bias: biases[index], operand: operands[index]))
            shape = shapes[index]
        }
        first = .allocate(capacity: capacity)
        second = .allocate(capacity: capacity)
        patch = .allocate(capacity: patchSize)
        first.initialize(repeating: 0, count: capacity)
        second.initialize(repeating: 0, count: capacity)
        patch.initialize(repeating: 0, count: patchSize)
    }

    deinit {
        for pointer in weights { pointer?.deallocate() }
        for pointer in biases { pointer?.deallocate() }
        first.deallocate(); second.deallocate(); patch.deallocate(); quantized.deallocate()
        steps.deinitialize(count: stepCount); steps.deallocate()
        for pointer in storage { pointer.deallocate() }
    }

    /// The output size (the last layer's values).
    public var outputCount: Int { shapes.last?.count ?? stack.input.count }

    /// Runs the stack on `input` (the input shape's count of values, NHWC) and returns a pointer to
    /// the output, valid until the next call. Allocates nothing (the layers are read from a table of
    /// plain values built at init).
    public func run(_ input: UnsafePointer<Float>) -> UnsafePointer<Float> {
        var source = UnsafePointer(first)
        first.update(from: input, count: stack.input.count)
        var target = second
        for index in 0..<stepCount {
            let step = steps[index]
            let count = step.output.count
            switch step.kind {
            case .convolution:
                convolve(step, source, target)
            case .leakyRelu:
                let alpha = step.scalar
                for i in 0..<count { let x = source[i]; target[i] = x >= 0 ? x : alpha * x }
            case .maximum:
                for i in 0..<count { target[i] = Swift.max(source[i], step.scalar) }
            case .maxPool:
                FloatLayerKernels.maxPool(source, step.input, target, step.output, step.kernelHeight, step.kernelWidth,
                                          step.strideHeight, step.strideWidth)
            case .dense:
                MatrixVector.multiply(step.weights.unsafelyUnwrapped, rows: count, columns: step.input.count, vector: source, into: target)
                let bias = step.bias.unsafelyUnwrapped
                for i in 0..<count { target[i] += bias[i] }
                if step.relu { for i in 0..<count { target[i] = Swift.max(target[i], 0) } }
            case .layerNorm:
                FloatLayerKernels.layerNorm(source, target, count, step.scalar, step.weights.unsafelyUnwrapped,
                                            step.bias.unsafelyUnwrapped, step.relu)
            case .relu:
                for i in 0..<count { target[i] = Swift.max(source[i], 0) }
            case .sigmoid:
                for i in 0..<count { target[i] = ElementaryMath.sigmoid(source[i]) }
            }
            let written = target
            target = UnsafeMutablePointer(mutating: source)
            source = UnsafePointer(written)
        }
        return source
    }

    /// One output position at a time: gather the (zero-padded) patch, then one matrix–vector product.
    private func convolve(_ c: Step, _ source: UnsafePointer<Float>, _ target: UnsafeMutablePointer<Float>) {
        let shape = c.input, out = c.output
        let columns = c.kernelHeight &* c.kernelWidth &* shape.channels
        for y in 0..<out.height {
            for x in 0..<out.width {
                var offset = 0
                for ky in 0..<c.kernelHeight {
                    let sy = y &* c.strideHeight &+ ky &- c.padTop
                    for kx in 0..<c.kernelWidth {
                        let sx = x &* c.strideWidth &+ kx &- c.padLeft
                        if sy >= 0, sy < shape.height, sx >= 0, sx < shape.width {
                            (patch + offset).update(from: source + (sy &* shape.width &+ sx) &* shape.channels, count: shape.channels)
                        } else {
                            (patch + offset).update(repeating: 0, count: shape.channels)
                        }
                        offset &+= shape.channels
                    }
                }
                let output = target + (y &* out.width &+ x) &* out.channels
                if let operand = c.operand {
                    operand.multiply(vector: patch, into: output, accumulate: false)
                } else {
                    MatrixVector.multiply(c.weights.unsafelyUnwrapped, rows: out.channels, columns: columns, vector: patch, into: output)
                }
                let bias = c.bias.unsafelyUnwrapped
                for o in 0..<out.channels { output[o] += bias[o] }
            }
        }
    }
}

/// One layer as plain values (no arrays, no references): what `run` reads.
struct Step {
    enum Kind { case convolution, leakyRelu, maximum, maxPool, dense, layerNorm, relu, sigmoid }
    var kind: Kind
    var input: FloatShape
    var output: FloatShape
    var kernelHeight = 0, kernelWidth = 0, strideHeight = 1, strideWidth = 1, padTop = 0, padLeft = 0
    /// alpha, the constant, or epsilon.
    var scalar: Float = 0
    var relu = false
    var weights: UnsafeMutablePointer<Float>?
    var bias: UnsafeMutablePointer<Float>?
    var operand: MatrixOperand?

    init(_ layer: FloatLayer, input: FloatShape, output: FloatShape, weights: UnsafeMutablePointer<Float>?,
         bias: UnsafeMutablePointer<Float>?, operand: MatrixOperand?) {
        (self.input, self.output, self.weights, self.bias, self.operand) = (input, output, weights, bias, operand)
        switch layer {
        case let .convolution(c):
            kind = .convolution
            (kernelHeight, kernelWidth, strideHeight, strideWidth, padTop, padLeft) = (c.kernelHeight, c.kernelWidth, c.strideHeight, c.strideWidth, c.padTop, c.padLeft)
        case let .leakyRelu(alpha): kind = .leakyRelu; scalar = alpha
        case let .maximum(value): kind = .maximum; scalar = value
        case let .maxPool(height, width, strideHeight, strideWidth):
            kind = .maxPool
            (kernelHeight, kernelWidth, self.strideHeight, self.strideWidth) = (height, width, strideHeight, strideWidth)
        case let .dense(_, _, _, activation): kind = .dense; relu = activation == .relu
        case let .layerNorm(epsilon, _, _, activation): kind = .layerNorm; scalar = epsilon; relu = activation == .relu
        case .relu: kind = .relu
        case .sigmoid: kind = .sigmoid
        }
    }
}

/// The layers without weights, as free functions over raw buffers.
enum FloatLayerKernels {
    static func maxPool(_ source: UnsafePointer<Float>, _ shape: FloatShape, _ target: UnsafeMutablePointer<Float>, _ out: FloatShape,
                        _ height: Int, _ width: Int, _ strideHeight: Int, _ strideWidth: Int) {
        let channels = shape.channels
        for y in 0..<out.height {
            for x in 0..<out.width {
                let output = target + (y &* out.width &+ x) &* channels
                for ch in 0..<channels {
                    var best = -Float.infinity
                    for ky in 0..<height {
                        for kx in 0..<width {
                            let value = source[((y &* strideHeight &+ ky) &* shape.width &+ x &* strideWidth &+ kx) &* channels &+ ch]
                            if value > best || value.isNaN { best = value }
                        }
                    }
                    output[ch] = best
                }
            }
        }
    }

    /// The operations in TFLite's lowered order: MEAN, SUB, MUL, MEAN, ADD, RSQRT, MUL, MUL, ADD.
    static func layerNorm(_ source: UnsafePointer<Float>, _ target: UnsafeMutablePointer<Float>, _ count: Int, _ epsilon: Float,
                          _ gamma: UnsafePointer<Float>, _ beta: UnsafePointer<Float>, _ relu: Bool) {
        var sum: Float = 0
        for i in 0..<count { sum += source[i] }
        let mean = sum / Float(count)
        var squares: Float = 0
        for i in 0..<count { let d = source[i] - mean; squares += d * d }
        let scale = 1 / (squares / Float(count) + epsilon).squareRoot()
        for i in 0..<count {
            let y = (source[i] - mean) * scale * gamma[i] + beta[i]
            target[i] = relu ? Swift.max(y, 0) : y
        }
    }
}
