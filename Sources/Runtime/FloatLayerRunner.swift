import Kernels
import Model

/// Runs a `FloatLayerStack` in buffers allocated once at init: one output buffer per layer with
/// weights or pooling (elementwise layers work in place on their input's buffer), the previous input,
/// and one patch buffer for the convolutions (im2col, one output position at a time).
/// `run` allocates nothing.
///
/// Streaming reuse (`run(_:newRows:)`): when the input is the previous input moved up by some rows
/// (openWakeWord's mel history gains 8 frames per chunk), every layer's leading output rows that read
/// only unchanged input rows are the previous call's rows moved up; they are moved, not recomputed.
///
/// Convolutions over more than one input channel may run with fp16 or int8 weights (quantized at load,
/// per output channel; int8 activations quantized per output position), through the matrix–vector
/// kernels; with int8, those before the stack's first pool (full resolution, the most sensitive) use fp16.
/// Dense layers may run with fp16 or int8 weights too (`densePrecision`; int8 per output, the input
/// vector quantized per call).
public final class FloatLayerRunner {
    /// A weight type.
    public enum Precision: String, Sendable, CaseIterable {
        case fp32, fp16, int8
    }

    /// The weight type of the convolutions.
    public let precision: Precision
    /// The weight type of the dense layers.
    public let densePrecision: Precision
    public let stack: FloatLayerStack
    let shapes: [FloatShape]
    /// The previous input (compared with the next one to prove which rows are unchanged).
    let previous: UnsafeMutablePointer<Float>
    /// Every buffer from `outputs` once (for deinit).
    let owned: [UnsafeMutablePointer<Float>]
    /// Whether `previous` and every layer's buffer hold a completed call.
    var primed = false
    /// The input rows the last `run` proved unchanged (moved up by its `newRows`); 0 when it ran every row.
    public private(set) var keptInputRows = 0
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

    public init(_ stack: FloatLayerStack, precision: Precision = .fp32, densePrecision: Precision = .fp32) throws(ModelError) {
        self.stack = stack
        self.precision = precision
        self.densePrecision = densePrecision
        shapes = try stack.shapes()
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
            case let .dense(outputs, w, b, _):
                if densePrecision != .fp32 { patchSize = max(patchSize, w.count / max(outputs, 1)) }
                weights.append(copy(w)); biases.append(copy(b))
            case let .layerNorm(_, gamma, beta, _): weights.append(copy(gamma)); biases.append(copy(beta))
            default: weights.append(nil); biases.append(nil)
            }
        }
        self.weights = weights
        self.biases = biases
        quantized = .allocate(capacity: MatrixOperand.quantizedByteCount(columns: patchSize))
        quantized.initialize(repeating: 0, count: MatrixOperand.quantizedByteCount(columns: patchSize))
        var operands = [MatrixOperand?](), storage = [UnsafeMutableRawPointer]()
        // int8: the convolutions before the first pool (full resolution, the most sensitive) use fp16.
        let firstPool = stack.layers.firstIndex { if case .maxPool = $0 { return true } else { return false } } ?? 0
        for (index, layer) in stack.layers.enumerated() {
            switch layer {
            // A convolution over one input channel (the first, on the mel frames) is cheap and most sensitive: it stays fp32.
            case let .convolution(c) where precision != .fp32 && c.inputChannels > 1:
                operands.append(Self.operand(c.weights, rows: c.outputChannels, half: precision == .fp16 || index < firstPool,
                                             quantized: quantized, storage: &storage))
            case let .dense(outputs, w, _, _) where densePrecision != .fp32:
                operands.append(Self.operand(w, rows: outputs, half: densePrecision == .fp16, quantized: quantized, storage: &storage))
            default:
                operands.append(nil)
            }
        }
        self.operands = operands
        self.storage = storage
        stepCount = stack.layers.count
        steps = .allocate(capacity: max(stepCount, 1))
        previous = .allocate(capacity: stack.input.count)
        previous.initialize(repeating: 0, count: stack.input.count)
        var owned = [UnsafeMutablePointer<Float>]()
        var shape = stack.input
        var current = previous
        for index in 0..<stepCount {
            // In place only on a layer's buffer: never on `previous`, which the next call compares with.
            let inPlace = Step.isElementwise(stack.layers[index]) && current != previous
            if !inPlace {
                current = .allocate(capacity: shapes[index].count)
                current.initialize(repeating: 0, count: shapes[index].count)
                owned.append(current)
            }
            var step = Step(stack.layers[index], input: shape, output: shapes[index], weights: weights[index],
                            bias: biases[index], operand: operands[index])
            step.target = current
            step.ownsTarget = !inPlace
            (steps + index).initialize(to: step)
            shape = shapes[index]
        }
        self.owned = owned
        patch = .allocate(capacity: patchSize)
        patch.initialize(repeating: 0, count: patchSize)
    }

    /// `weights` [rows, columns] row-major as an fp16 (`half`) or int8 operand (per-row scales: the row's
    /// largest magnitude / 127); the buffers it points to are appended to `storage`.
    private static func operand(_ weights: [Float], rows: Int, half: Bool, quantized: UnsafeMutablePointer<Int8>,
                                storage: inout [UnsafeMutableRawPointer]) -> MatrixOperand {
        let columns = weights.count / rows
        if half {
            let halves = UnsafeMutablePointer<UInt16>.allocate(capacity: weights.count)
            for i in 0..<weights.count { halves[i] = HalfPrecision.bits(from: weights[i]) }
            storage.append(UnsafeMutableRawPointer(halves))
            return MatrixOperand(elementType: .float16, rows: rows, columns: columns, data: halves)
        }
        let values = UnsafeMutablePointer<Int8>.allocate(capacity: weights.count)
        let scales = UnsafeMutablePointer<Float>.allocate(capacity: rows)
        for r in 0..<rows {
            let row = weights[(r * columns)..<((r + 1) * columns)]
            let peak = row.reduce(Float(0)) { Swift.max($0, abs($1)) }
            let scale = peak > 0 ? peak / 127 : 1
            scales[r] = scale
            for (i, w) in row.enumerated() { values[r * columns + i] = Int8((w / scale).rounded()) }
        }
        storage.append(UnsafeMutableRawPointer(values)); storage.append(UnsafeMutableRawPointer(scales))
        return MatrixOperand(elementType: .int8, rows: rows, columns: columns, data: values, scales: scales, quantizedVector: quantized)
    }

    deinit {
        for pointer in weights { pointer?.deallocate() }
        for pointer in biases { pointer?.deallocate() }
        for pointer in owned { pointer.deallocate() }
        previous.deallocate(); patch.deallocate(); quantized.deallocate()
        steps.deinitialize(count: stepCount); steps.deallocate()
        for pointer in storage { pointer.deallocate() }
    }

    /// The output size (the last layer's values).
    public var outputCount: Int { shapes.last?.count ?? stack.input.count }

    /// Runs the stack on `input` (the input shape's count of values, NHWC) and returns a pointer to
    /// the output, valid until the next call. Allocates nothing (the layers are read from a table of
    /// plain values built at init).
    ///
    /// `newRows`: the caller's hint that `input` is the previous call's input moved up by that many
    /// rows (height) with new rows below. It is checked (the kept rows must be bit-identical to the
    /// previous input's); when it holds, each layer's output rows that depend only on kept rows are
    /// moved from the previous call instead of recomputed — the result is bit-identical to a full run.
    /// 0 (or a failed check) runs every row.
    public func run(_ input: UnsafePointer<Float>, newRows: Int = 0) -> UnsafePointer<Float> {
        let inputShape = stack.input
        let rowSize = inputShape.width &* inputShape.channels
        var shift = 0, valid = 0
        if primed, newRows > 0, newRows < inputShape.height {
            let kept = (inputShape.height &- newRows) &* rowSize
            if FloatLayerKernels.identical(input, previous + newRows &* rowSize, kept) { (shift, valid) = (newRows, inputShape.height &- newRows) }
        }
        keptInputRows = valid
        previous.update(from: input, count: inputShape.count)
        var source = UnsafePointer(previous)
        for index in 0..<stepCount {
            let step = steps[index]
            (shift, valid) = step.reuse(shift: shift, valid: valid)
            let target = step.target.unsafelyUnwrapped
            let out = step.output, outRow = out.width &* out.channels
            if valid > 0, step.ownsTarget {
                // The previous call's rows shift ..< shift + valid become rows 0 ..< valid.
                target.update(from: target + shift &* outRow, count: valid &* outRow)
            }
            let start = valid &* outRow, count = out.count
            switch step.kind {
            case .convolution:
                convolve(step, source, target, firstRow: valid)
            case .elementwise:
                FloatLayerKernels.elementwise(step, source, target, start, count)
            case .maxPool:
                FloatLayerKernels.maxPool(source, step.input, target, out, step.kernelHeight, step.kernelWidth,
                                          step.strideHeight, step.strideWidth, firstRow: valid)
            case .dense:
                if let operand = step.operand {
                    operand.multiply(vector: source, into: target, accumulate: false)
                } else {
                    MatrixVector.multiply(step.weights.unsafelyUnwrapped, rows: count, columns: step.input.count, vector: source, into: target)
                }
                let bias = step.bias.unsafelyUnwrapped
                for i in 0..<count { target[i] += bias[i] }
                if step.relu { for i in 0..<count { target[i] = Swift.max(target[i], 0) } }
            case .layerNorm:
                FloatLayerKernels.layerNorm(source, target, count, step.scalar, step.weights.unsafelyUnwrapped,
                                            step.bias.unsafelyUnwrapped, step.relu)
            case .softmax:
                FloatLayerKernels.softmax(source, target, count)
            }
            source = UnsafePointer(target)
        }
        primed = true
        return source
    }

    /// One output position at a time: gather the (zero-padded) patch, then one matrix–vector product.
    private func convolve(_ c: Step, _ source: UnsafePointer<Float>, _ target: UnsafeMutablePointer<Float>, firstRow: Int) {
        let shape = c.input, out = c.output
        let columns = c.kernelHeight &* c.kernelWidth &* shape.channels
        for y in firstRow..<out.height {
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
    enum Kind { case convolution, elementwise, maxPool, dense, layerNorm, softmax }
    enum Function { case none, leakyRelu, maximum, relu, sigmoid }
    var kind: Kind
    var function = Function.none
    /// Where the layer writes (the input's buffer for elementwise layers, which work in place).
    var target: UnsafeMutablePointer<Float>?
    var ownsTarget = true
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
        case let .leakyRelu(alpha): kind = .elementwise; function = .leakyRelu; scalar = alpha
        case let .maximum(value): kind = .elementwise; function = .maximum; scalar = value
        case let .maxPool(height, width, strideHeight, strideWidth):
            kind = .maxPool
            (kernelHeight, kernelWidth, self.strideHeight, self.strideWidth) = (height, width, strideHeight, strideWidth)
        case let .dense(_, _, _, activation): kind = .dense; relu = activation == .relu
        case let .layerNorm(epsilon, _, _, activation): kind = .layerNorm; scalar = epsilon; relu = activation == .relu
        case .relu: kind = .elementwise; function = .relu
        case .sigmoid: kind = .elementwise; function = .sigmoid
        case .softmax: kind = .softmax
        }
    }

    static func isElementwise(_ layer: FloatLayer) -> Bool {
        switch layer {
        case .leakyRelu, .maximum, .relu, .sigmoid: return true
        default: return false
        }
    }

    /// Given that this layer's input rows 0 ..< valid equal the previous call's rows shift ..< shift + valid,
    /// the same for its output: the leading output rows whose every input row is such a row (never
    /// padding, in either call) and whose previous counterpart exists. The shift must divide by the stride.
    func reuse(shift: Int, valid: Int) -> (shift: Int, valid: Int) {
        guard valid > 0 else { return (0, 0) }
        switch kind {
        case .elementwise: return (shift, valid)
        case .dense, .layerNorm, .softmax: return (0, 0)
        case .convolution, .maxPool:
            guard shift % strideHeight == 0 else { return (0, 0) }
            let outShift = shift / strideHeight
            var rows = 0
            while rows &+ outShift < output.height {
                let low = rows &* strideHeight &- padTop, high = low &+ kernelHeight &- 1
                guard low >= 0, high < valid else { break }
                rows &+= 1
            }
            return rows > 0 ? (outShift, rows) : (0, 0)
        }
    }
}

/// The layers without weights, as free functions over raw buffers.
enum FloatLayerKernels {
    /// Whether `count` floats at `a` and `b` have the same bit patterns.
    static func identical(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ count: Int) -> Bool {
        for i in 0..<count where a[i].bitPattern != b[i].bitPattern { return false }
        return true
    }

    /// An elementwise layer on the values start ..< count (source and target may be the same buffer).
    static func elementwise(_ step: Step, _ source: UnsafePointer<Float>, _ target: UnsafeMutablePointer<Float>, _ start: Int, _ count: Int) {
        let scalar = step.scalar
        switch step.function {
        case .leakyRelu: for i in start..<count { let x = source[i]; target[i] = x >= 0 ? x : scalar * x }
        case .maximum: for i in start..<count { target[i] = Swift.max(source[i], scalar) }
        case .relu: for i in start..<count { target[i] = Swift.max(source[i], 0) }
        case .sigmoid: for i in start..<count { target[i] = ElementaryMath.sigmoid(source[i]) }
        case .none: break
        }
    }

    static func maxPool(_ source: UnsafePointer<Float>, _ shape: FloatShape, _ target: UnsafeMutablePointer<Float>, _ out: FloatShape,
                        _ height: Int, _ width: Int, _ strideHeight: Int, _ strideWidth: Int, firstRow: Int) {
        let channels = shape.channels
        for y in firstRow..<out.height {
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

    /// Softmax over all `count` values, numerically stable: exp(x − max) (so no term overflows and
    /// the largest is exactly 1), each divided by their sum.
    static func softmax(_ source: UnsafePointer<Float>, _ target: UnsafeMutablePointer<Float>, _ count: Int) {
        var peak = -Float.infinity
        for i in 0..<count where source[i] > peak { peak = source[i] }
        var sum: Float = 0
        for i in 0..<count {
            let e = ElementaryMath.exp(source[i] - peak)
            target[i] = e
            sum += e
        }
        let scale = 1 / sum
        for i in 0..<count { target[i] *= scale }
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
