import Kernels
import Model

/// Runs a `FloatLayerStack` in buffers allocated once at init: two activation buffers used in
/// turn and one patch buffer for the convolutions (im2col, one output position at a time).
/// `run` allocates nothing.
public final class FloatLayerRunner {
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

    public init(_ stack: FloatLayerStack) throws(ModelError) {
        self.stack = stack
        shapes = try stack.shapes()
        capacity = max(stack.input.count, shapes.map(\.count).max() ?? 1)
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
        first.deallocate(); second.deallocate(); patch.deallocate()
    }

    /// The output size (the last layer's values).
    public var outputCount: Int { shapes.last?.count ?? stack.input.count }

    /// Runs the stack on `input` (the input shape's count of values, NHWC) and returns a pointer to
    /// the output, valid until the next call. Allocates nothing.
    public func run(_ input: UnsafePointer<Float>) -> UnsafePointer<Float> {
        var source = UnsafePointer(first)
        first.update(from: input, count: stack.input.count)
        var shape = stack.input
        var target = second
        for index in 0..<shapes.count {
            let out = shapes[index]
            switch stack.layers[index] {
            case let .convolution(c):
                convolve(c, weights: weights[index].unsafelyUnwrapped, bias: biases[index].unsafelyUnwrapped,
                         source, shape, target, out)
            case let .leakyRelu(alpha):
                for i in 0..<out.count { let x = source[i]; target[i] = x >= 0 ? x : alpha * x }
            case let .maximum(value):
                for i in 0..<out.count { target[i] = Swift.max(source[i], value) }
            case let .maxPool(height, width, strideHeight, strideWidth):
                FloatLayerKernels.maxPool(source, shape, target, out, height, width, strideHeight, strideWidth)
            case let .dense(outputs, _, _, activation):
                MatrixVector.multiply(weights[index].unsafelyUnwrapped, rows: outputs, columns: shape.count, vector: source, into: target)
                let bias = biases[index].unsafelyUnwrapped
                for i in 0..<outputs { target[i] += bias[i] }
                if activation == .relu { for i in 0..<outputs { target[i] = Swift.max(target[i], 0) } }
            case let .layerNorm(epsilon, _, _, activation):
                FloatLayerKernels.layerNorm(source, target, shape.count, epsilon, weights[index].unsafelyUnwrapped,
                                            biases[index].unsafelyUnwrapped, activation)
            case .relu:
                for i in 0..<out.count { target[i] = Swift.max(source[i], 0) }
            case .sigmoid:
                for i in 0..<out.count { target[i] = ElementaryMath.sigmoid(source[i]) }
            }
            let written = target
            target = UnsafeMutablePointer(mutating: source)
            source = UnsafePointer(written)
            shape = out
        }
        return source
    }

    /// One output position at a time: gather the (zero-padded) patch, then one matrix–vector product.
    private func convolve(_ c: FloatConvolution, weights: UnsafePointer<Float>, bias: UnsafePointer<Float>,
                          _ source: UnsafePointer<Float>, _ shape: FloatShape, _ target: UnsafeMutablePointer<Float>, _ out: FloatShape) {
        let rowLength = c.kernelWidth &* c.inputChannels
        let columns = c.kernelHeight &* rowLength
        for y in 0..<out.height {
            for x in 0..<out.width {
                var offset = 0
                for ky in 0..<c.kernelHeight {
                    let sy = y &* c.strideHeight &+ ky &- c.padTop
                    for kx in 0..<c.kernelWidth {
                        let sx = x &* c.strideWidth &+ kx &- c.padLeft
                        if sy >= 0, sy < shape.height, sx >= 0, sx < shape.width {
                            (patch + offset).update(from: source + (sy &* shape.width &+ sx) &* c.inputChannels, count: c.inputChannels)
                        } else {
                            (patch + offset).update(repeating: 0, count: c.inputChannels)
                        }
                        offset &+= c.inputChannels
                    }
                }
                let output = target + (y &* out.width &+ x) &* c.outputChannels
                MatrixVector.multiply(weights, rows: c.outputChannels, columns: columns, vector: patch, into: output)
                for o in 0..<c.outputChannels { output[o] += bias[o] }
            }
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
                          _ gamma: UnsafePointer<Float>, _ beta: UnsafePointer<Float>, _ activation: FloatActivation) {
        var sum: Float = 0
        for i in 0..<count { sum += source[i] }
        let mean = sum / Float(count)
        var squares: Float = 0
        for i in 0..<count { let d = source[i] - mean; squares += d * d }
        let scale = 1 / (squares / Float(count) + epsilon).squareRoot()
        for i in 0..<count {
            let y = (source[i] - mean) * scale * gamma[i] + beta[i]
            target[i] = activation == .relu ? Swift.max(y, 0) : y
        }
    }
}
