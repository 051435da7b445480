import CKernels
import Kernels
import Model

/// Runs a `QuantizedGraph` (an imported int8 TFLite model) one network step at a time, with every
/// tensor and variable in one arena allocated at load. `step` neither allocates nor locks.
public final class QuantizedNetwork {
    public let graph: QuantizedGraph
    /// Bytes of the arena: every tensor and every variable, 16-byte aligned each.
    public let arenaByteCount: Int
    private let arena: UnsafeMutablePointer<Int8>
    private let tensorOffsets: UnsafeMutablePointer<Int>
    private let variableOffsets: UnsafeMutablePointer<Int>
    /// The prepared operations, in order (plain values: no enum payloads or arrays to copy per step).
    private let plan: UnsafeMutablePointer<Step>
    private let planCount: Int
    private let output: UnsafeMutablePointer<Float>
    /// The int8 convolution of the chosen kernel path (AVX2 / NEON / portable: identical results).
    private let convolve: @convention(c) (UnsafePointer<eq_conv_params>?, UnsafePointer<Int8>?, UnsafeMutablePointer<Int8>?) -> Void
    /// The kernel path the convolutions run on.
    public let kernelPath: KernelPath
    /// The variables' region of the arena (they are placed last) as it is after load, so `reset`
    /// is one copy and allocates nothing.
    private let variableStart: Int
    private let initialVariables: UnsafeMutablePointer<Int8>

    private enum Kind: UInt8 { case copy, concatenation, slice, convolution, lookup, requantize, elementwise }

    /// A prepared operation: arena offsets resolved, convolution parameters in C layout. Fields
    /// mean what `kind` says (see `prepare`).
    private struct Step {
        var kind: Kind
        var input = 0, output = 0, count = 0
        /// concatenation: `count` (offset, inner) pairs at `pairs`; `outer` blocks. requantize:
        /// `outer` leading values rounded half up (TFLite's optimized blocks of 16).
        var pairs: UnsafeMutablePointer<Int>? = nil
        var outer = 0
        /// slice: input strides of axes 0...2, begin, stride and count per axis.
        var strides = (0, 0, 0)
        var begin = (0, 0, 0, 0), stride = (0, 0, 0, 0), counts = (0, 0, 0, 0)
        var params: UnsafeMutablePointer<eq_conv_params>? = nil
        var table: UnsafeMutablePointer<Int8>? = nil
        var inputZero: Int32 = 0, multiplier: Int32 = 0, shift: Int32 = 0, outputZero: Int32 = 0
        var minimum: Int32 = 0, maximum: Int32 = 0
        /// elementwise: its parameters, the second input's offset, and constant operands (nil for tensors).
        var elementwise: UnsafeMutablePointer<eq_elementwise_params>? = nil
        var second = 0
        var constant1: UnsafeMutablePointer<Int8>? = nil, constant2: UnsafeMutablePointer<Int8>? = nil

        init(_ kind: Kind) { self.kind = kind }
    }
    /// Weight, bias and table storage the prepared steps point into (kept alive with the network).
    private var storage: [UnsafeMutableRawPointer] = []

    /// Prepares `graph` to run on `kernels`' path (the fastest this CPU has by default; every
    /// path gives the same bits).
    public init(graph: QuantizedGraph, kernels: KernelSet = .best) throws(ModelError) {
        try graph.validate()
        self.graph = graph
        if let chosen = eq_conv_s8_for_path(Int32(kernels.path.rawValue)) {
            (convolve, kernelPath) = (chosen, kernels.path)
        } else {
            (convolve, kernelPath) = (eq_conv_s8_portable, .generic)
        }
        var offset = 0
        func place(_ size: Int) -> Int {
            let at = offset
            offset += (size + 15) / 16 * 16
            return at
        }
        tensorOffsets = .allocate(capacity: max(graph.tensorSizes.count, 1))
        for (index, size) in graph.tensorSizes.enumerated() { tensorOffsets[index] = place(size) }
        variableStart = offset
        variableOffsets = .allocate(capacity: max(graph.variableInitialValues.count, 1))
        for (index, value) in graph.variableInitialValues.enumerated() { variableOffsets[index] = place(value.count) }
        arenaByteCount = offset
        arena = .allocate(capacity: max(offset, 1))
        arena.initialize(repeating: 0, count: max(offset, 1))
        let (arenaBase, places) = (arena, variableOffsets)
        for (index, value) in graph.variableInitialValues.enumerated() {
            value.withUnsafeBufferPointer { source in
                (arenaBase + places[index]).update(from: source.baseAddress!, count: source.count)
            }
        }
        initialVariables = .allocate(capacity: max(offset - variableStart, 1))
        initialVariables.initialize(from: arena + variableStart, count: offset - variableStart)
        output = .allocate(capacity: graph.output.width)
        output.initialize(repeating: 0, count: graph.output.width)
        planCount = graph.operations.count
        plan = .allocate(capacity: max(planCount, 1))
        for (index, operation) in graph.operations.enumerated() { (plan + index).initialize(to: prepare(operation)) }
    }

    deinit {
        for index in 0..<planCount {
            plan[index].params?.deallocate()
            plan[index].elementwise?.deallocate()
        }
        plan.deallocate()
        for pointer in storage { pointer.deallocate() }
        arena.deallocate()
        tensorOffsets.deallocate()
        variableOffsets.deallocate()
        output.deallocate()
        initialVariables.deallocate()
    }

    private func keep<T>(_ values: [T]) -> UnsafeMutablePointer<T> {
        let pointer = UnsafeMutablePointer<T>.allocate(capacity: max(values.count, 1))
        pointer.initialize(from: values, count: values.count)
        storage.append(UnsafeMutableRawPointer(pointer))
        return pointer
    }

    private func prepare(_ operation: QuantizedOperation) -> Step {
        func copy(_ from: Int, _ to: Int, _ count: Int) -> Step {
            var step = Step(.copy)
            (step.input, step.output, step.count) = (from, to, count)
            return step
        }
        switch operation {
        case let .copy(input, output, count):
            return copy(tensorOffsets[input], tensorOffsets[output], count)
        case let .readVariable(variable, output):
            return copy(variableOffsets[variable], tensorOffsets[output], graph.variableInitialValues[variable].count)
        case let .assignVariable(variable, input):
            return copy(tensorOffsets[input], variableOffsets[variable], graph.variableInitialValues[variable].count)
        case let .concatenation(inputs, inner, outer, output):
            var step = Step(.concatenation)
            var flat = [Int]()
            for (input, size) in zip(inputs, inner) { flat += [tensorOffsets[input], size] }
            (step.pairs, step.count, step.outer, step.output) = (keep(flat), inputs.count, outer, tensorOffsets[output])
            return step
        case let .slice(s):
            var step = Step(.slice)
            let shape = s.inputShape
            (step.input, step.output) = (tensorOffsets[s.input], tensorOffsets[s.output])
            step.strides = (shape[1] * shape[2] * shape[3], shape[2] * shape[3], shape[3])
            step.begin = (s.begin[0], s.begin[1], s.begin[2], s.begin[3])
            step.stride = (s.stride[0], s.stride[1], s.stride[2], s.stride[3])
            step.counts = (s.outputShape[0], s.outputShape[1], s.outputShape[2], s.outputShape[3])
            return step
        case let .convolution(c):
            var step = Step(.convolution)
            let params = UnsafeMutablePointer<eq_conv_params>.allocate(capacity: 1)
            params.initialize(to: eq_conv_params(
                kind: Int32(c.kind.rawValue), input_height: Int32(c.inputHeight), input_width: Int32(c.inputWidth),
                input_channels: Int32(c.inputChannels), output_height: Int32(c.outputHeight), output_width: Int32(c.outputWidth),
                output_channels: Int32(c.outputChannels), kernel_height: Int32(c.kernelHeight), kernel_width: Int32(c.kernelWidth),
                stride_height: Int32(c.strideHeight), stride_width: Int32(c.strideWidth),
                dilation_height: Int32(c.dilationHeight), dilation_width: Int32(c.dilationWidth),
                pad_top: Int32(c.padTop), pad_left: Int32(c.padLeft), depth_multiplier: Int32(c.depthMultiplier),
                input_offset: c.inputOffset, output_zero_point: c.outputZeroPoint,
                activation_min: c.activationMin, activation_max: c.activationMax,
                rounding_upward: c.rounding == .upward ? 1 : 0,
                weights: keep(c.weights), bias: keep(c.bias), multipliers: keep(c.multipliers), shifts: keep(c.shifts)))
            (step.params, step.input, step.output) = (params, tensorOffsets[c.input], tensorOffsets[c.output])
            return step
        case let .lookup(input, output, count, table):
            var step = Step(.lookup)
            (step.input, step.output, step.count, step.table) = (tensorOffsets[input], tensorOffsets[output], count, keep(table))
            return step
        case let .requantize(input, output, count, inputZero, multiplier, shift, outputZero, minimum, maximum, rounding):
            var step = Step(.requantize)
            step.outer = rounding == .upward ? count / 16 * 16 : 0
            (step.input, step.output, step.count) = (tensorOffsets[input], tensorOffsets[output], count)
            (step.inputZero, step.multiplier, step.shift, step.outputZero) = (inputZero, multiplier, shift, outputZero)
            (step.minimum, step.maximum) = (minimum, maximum)
            return step
        case let .elementwise(e):
            return prepare(e)
        }
    }

    private func prepare(_ e: QuantizedElementwise) -> Step {
        var step = Step(.elementwise)
        /// Element strides of an operand per output axis: 0 where it is broadcast.
        func strides(_ shape: [Int]) -> (Int32, Int32, Int32, Int32) {
            var s = [0, 0, 0, 0], size = 1
            for axis in stride(from: 3, through: 0, by: -1) {
                s[axis] = shape[axis] == 1 ? 0 : size
                size *= shape[axis]
            }
            return (Int32(s[0]), Int32(s[1]), Int32(s[2]), Int32(s[3]))
        }
        let params = UnsafeMutablePointer<eq_elementwise_params>.allocate(capacity: 1)
        params.initialize(to: eq_elementwise_params(
            kind: Int32(e.kind.rawValue), shape: (Int32(e.shape[0]), Int32(e.shape[1]), Int32(e.shape[2]), Int32(e.shape[3])),
            stride1: strides(e.first.shape), stride2: strides(e.second.shape),
            input1_offset: e.first.offset, input2_offset: e.second.offset, output_offset: e.outputOffset,
            input1_multiplier: e.first.multiplier, input1_shift: e.first.shift,
            input2_multiplier: e.second.multiplier, input2_shift: e.second.shift,
            output_multiplier: e.multiplier, output_shift: e.shift,
            activation_min: e.activationMin, activation_max: e.activationMax))
        step.elementwise = params
        step.output = tensorOffsets[e.output]
        if e.first.tensor < 0 { step.constant1 = keep(e.first.constant) } else { step.input = tensorOffsets[e.first.tensor] }
        if e.second.tensor < 0 { step.constant2 = keep(e.second.constant) } else { step.second = tensorOffsets[e.second.tensor] }
        return step
    }

    /// Feature frames consumed per step and values per frame.
    public var framesPerStep: Int { graph.input.frames }
    public var featureWidth: Int { graph.input.width }
    public var outputSize: Int { graph.output.width }

    /// Restores every variable (the streaming history) to its initial value, as a fresh TFLite
    /// interpreter would have it after CALL_ONCE.
    public func reset() {
        (arena + variableStart).update(from: initialVariables, count: arenaByteCount &- variableStart)
    }

    /// The input tensor, to be filled with `framesPerStep * featureWidth` quantized values.
    public var quantizedInput: UnsafeMutablePointer<Int8> { arena + tensorOffsets[graph.input.tensor] }

    /// Quantizes float features as pymicro-wakeword does: round(value / scale + zero point), half
    /// to even (numpy's round), clamped to int8.
    public func setInput(features: UnsafePointer<Float>) {
        let count = graph.input.frames * graph.input.width
        let scale = Double(graph.input.scale), zero = Double(graph.input.zeroPoint)
        let target = quantizedInput
        for i in 0..<count {
            let q = (Double(features[i]) / scale + zero).rounded(.toNearestOrEven)
            target[i] = Int8(min(max(q, -128), 127))
        }
    }

    /// Runs one step on the input tensor; returns the raw output bytes' dequantized values.
    @discardableResult
    public func step() -> UnsafePointer<Float> {
        for index in 0..<planCount { execute(plan + index) }
        return dequantizedOutput()
    }

    /// Operations a step runs (the graph's, in order; `runOperation` runs one, for profiling).
    public var operationCount: Int { planCount }

    /// Runs operation `index` of a step alone: a step is `runOperation(0)`, …,
    /// `runOperation(operationCount - 1)`, then `dequantizedOutput()`.
    public func runOperation(_ index: Int) {
        precondition(index >= 0 && index < planCount, "operation \(index) of \(planCount)")
        execute(plan + index)
    }

    /// The output tensor's values, dequantized (what `step` returns).
    public func dequantizedOutput() -> UnsafePointer<Float> {
        let port = graph.output
        let raw = arena + tensorOffsets[port.tensor]
        for i in 0..<port.width {
            let q = port.unsigned ? Int32(UInt8(bitPattern: raw[i])) : Int32(raw[i])
            output[i] = Float(q &- Int32(port.zeroPoint)) * port.scale
        }
        return UnsafePointer(output)
    }

    @inline(__always)
    private func execute(_ op: UnsafeMutablePointer<Step>) {
        let base = arena
        switch op.pointee.kind {
        case .copy:
            (base + op.pointee.output).update(from: base + op.pointee.input, count: op.pointee.count)
        case .concatenation:
            let pairs = op.pointee.pairs!, inputs = op.pointee.count
            var target = base + op.pointee.output
            for block in 0..<op.pointee.outer {
                for i in 0..<inputs {
                    let inner = pairs[2 &* i &+ 1]
                    target.update(from: base + pairs[2 &* i] + block &* inner, count: inner)
                    target += inner
                }
            }
        case .slice:
            let strides = op.pointee.strides, begin = op.pointee.begin, stride = op.pointee.stride
            let count = op.pointee.counts
            var target = base + op.pointee.output
            let input = base + op.pointee.input
            for a in 0..<count.0 {
                let pa = (begin.0 &+ a &* stride.0) &* strides.0
                for b in 0..<count.1 {
                    let pb = pa &+ (begin.1 &+ b &* stride.1) &* strides.1
                    for c in 0..<count.2 {
                        let source = input + (pb &+ (begin.2 &+ c &* stride.2) &* strides.2 &+ begin.3)
                        if stride.3 == 1 {
                            target.update(from: source, count: count.3)
                        } else {
                            for d in 0..<count.3 { target[d] = source[d &* stride.3] }
                        }
                        target += count.3
                    }
                }
            }
        case .convolution:
            convolve(op.pointee.params, base + op.pointee.input, base + op.pointee.output)
        case .lookup:
            let table = op.pointee.table!, input = base + op.pointee.input, output = base + op.pointee.output
            for i in 0..<op.pointee.count { output[i] = table[Int(input[i]) &+ 128] }
        case .requantize:
            let input = base + op.pointee.input, output = base + op.pointee.output
            let zero = op.pointee.inputZero, multiplier = op.pointee.multiplier, shift = op.pointee.shift
            let outputZero = op.pointee.outputZero, minimum = op.pointee.minimum, maximum = op.pointee.maximum
            let upward = op.pointee.outer
            for i in 0..<op.pointee.count {
                var v = eq_multiply_by_quantized_multiplier(Int32(input[i]) &- zero, multiplier, shift, i < upward ? 1 : 0)
                v = min(max(v &+ outputZero, minimum), maximum)
                output[i] = Int8(truncatingIfNeeded: v)
            }
        case .elementwise:
            var first = UnsafePointer(base + op.pointee.input), second = UnsafePointer(base + op.pointee.second)
            if let constant = op.pointee.constant1 { first = UnsafePointer(constant) }
            if let constant = op.pointee.constant2 { second = UnsafePointer(constant) }
            eq_elementwise_s8(op.pointee.elementwise, first, second, base + op.pointee.output)
        }
    }

    /// The output tensor's raw quantized value `i` (uint8 outputs as 0...255).
    public func rawOutput(_ i: Int) -> Int {
        let raw = arena + tensorOffsets[graph.output.tensor]
        return graph.output.unsigned ? Int(UInt8(bitPattern: raw[i])) : Int(raw[i])
    }
}
