import CKernels
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
    private var plan: [Step]
    private let output: UnsafeMutablePointer<Float>

    /// A prepared operation: arena offsets resolved, convolution parameters in C layout.
    private enum Step {
        case copy(from: Int, to: Int, count: Int)
        case concatenation(inputs: [(offset: Int, inner: Int)], outer: Int, output: Int)
        case slice(input: Int, output: Int, inputStrides: (Int, Int, Int), begin: (Int, Int, Int, Int),
                   stride: (Int, Int, Int, Int), count: (Int, Int, Int, Int))
        case convolution(UnsafeMutablePointer<eq_conv_params>, input: Int, output: Int)
        case lookup(input: Int, output: Int, count: Int, table: UnsafeMutablePointer<Int8>)
        case requantize(input: Int, output: Int, count: Int, inputZero: Int32, multiplier: Int32, shift: Int32,
                        outputZero: Int32, minimum: Int32, maximum: Int32)
    }
    /// Weight, bias and table storage the prepared steps point into (kept alive with the network).
    private var storage: [UnsafeMutableRawPointer] = []

    public init(graph: QuantizedGraph) throws(ModelError) {
        try graph.validate()
        self.graph = graph
        var offset = 0
        func place(_ size: Int) -> Int {
            let at = offset
            offset += (size + 15) / 16 * 16
            return at
        }
        tensorOffsets = .allocate(capacity: max(graph.tensorSizes.count, 1))
        for (index, size) in graph.tensorSizes.enumerated() { tensorOffsets[index] = place(size) }
        variableOffsets = .allocate(capacity: max(graph.variableInitialValues.count, 1))
        for (index, value) in graph.variableInitialValues.enumerated() { variableOffsets[index] = place(value.count) }
        arenaByteCount = offset
        arena = .allocate(capacity: max(offset, 1))
        arena.initialize(repeating: 0, count: max(offset, 1))
        output = .allocate(capacity: graph.output.width)
        output.initialize(repeating: 0, count: graph.output.width)
        plan = []
        plan.reserveCapacity(graph.operations.count)
        for operation in graph.operations { plan.append(prepare(operation)) }
        reset()
    }

    deinit {
        for step in plan {
            if case let .convolution(params, input: _, output: _) = step { params.deallocate() }
        }
        for pointer in storage { pointer.deallocate() }
        arena.deallocate()
        tensorOffsets.deallocate()
        variableOffsets.deallocate()
        output.deallocate()
    }

    private func keep<T>(_ values: [T]) -> UnsafeMutablePointer<T> {
        let pointer = UnsafeMutablePointer<T>.allocate(capacity: max(values.count, 1))
        pointer.initialize(from: values, count: values.count)
        storage.append(UnsafeMutableRawPointer(pointer))
        return pointer
    }

    private func prepare(_ operation: QuantizedOperation) -> Step {
        switch operation {
        case let .copy(input, output, count):
            return .copy(from: tensorOffsets[input], to: tensorOffsets[output], count: count)
        case let .readVariable(variable, output):
            return .copy(from: variableOffsets[variable], to: tensorOffsets[output], count: graph.variableInitialValues[variable].count)
        case let .assignVariable(variable, input):
            return .copy(from: tensorOffsets[input], to: variableOffsets[variable], count: graph.variableInitialValues[variable].count)
        case let .concatenation(inputs, inner, outer, output):
            return .concatenation(inputs: zip(inputs, inner).map { (tensorOffsets[$0.0], $0.1) }, outer: outer, output: tensorOffsets[output])
        case let .slice(s):
            let shape = s.inputShape
            return .slice(input: tensorOffsets[s.input], output: tensorOffsets[s.output],
                          inputStrides: (shape[1] * shape[2] * shape[3], shape[2] * shape[3], shape[3]),
                          begin: (s.begin[0], s.begin[1], s.begin[2], s.begin[3]),
                          stride: (s.stride[0], s.stride[1], s.stride[2], s.stride[3]),
                          count: (s.outputShape[0], s.outputShape[1], s.outputShape[2], s.outputShape[3]))
        case let .convolution(c):
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
            return .convolution(params, input: tensorOffsets[c.input], output: tensorOffsets[c.output])
        case let .lookup(input, output, count, table):
            return .lookup(input: tensorOffsets[input], output: tensorOffsets[output], count: count, table: keep(table))
        case let .requantize(input, output, count, inputZero, multiplier, shift, outputZero, minimum, maximum):
            return .requantize(input: tensorOffsets[input], output: tensorOffsets[output], count: count, inputZero: inputZero,
                               multiplier: multiplier, shift: shift, outputZero: outputZero, minimum: minimum, maximum: maximum)
        }
    }

    /// Feature frames consumed per step and values per frame.
    public var framesPerStep: Int { graph.input.frames }
    public var featureWidth: Int { graph.input.width }
    public var outputSize: Int { graph.output.width }

    /// Restores every variable (the streaming history) to its initial value, as a fresh TFLite
    /// interpreter would have it after CALL_ONCE.
    public func reset() {
        for (index, value) in graph.variableInitialValues.enumerated() {
            value.withUnsafeBufferPointer { source in
                (arena + variableOffsets[index]).update(from: source.baseAddress!, count: source.count)
            }
        }
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
        let base = arena
        for index in 0..<plan.count {
            switch plan[index] {
            case let .copy(from, to, count):
                (base + to).update(from: base + from, count: count)
            case let .concatenation(inputs, outer, output):
                var target = base + output
                for block in 0..<outer {
                    for input in inputs {
                        target.update(from: base + input.offset + block &* input.inner, count: input.inner)
                        target += input.inner
                    }
                }
            case let .slice(input, output, strides, begin, stride, count):
                var target = base + output
                for a in 0..<count.0 {
                    let pa = (begin.0 &+ a &* stride.0) &* strides.0
                    for b in 0..<count.1 {
                        let pb = pa &+ (begin.1 &+ b &* stride.1) &* strides.1
                        for c in 0..<count.2 {
                            let pc = pb &+ (begin.2 &+ c &* stride.2) &* strides.2
                            let source = base + input + pc + begin.3
                            if stride.3 == 1 {
                                target.update(from: source, count: count.3)
                            } else {
                                for d in 0..<count.3 { target[d] = source[d &* stride.3] }
                            }
                            target += count.3
                        }
                    }
                }
            case let .convolution(params, input, output):
                eq_conv_s8_portable(params, base + input, base + output)
            case let .lookup(input, output, count, table):
                for i in 0..<count { base[output &+ i] = table[Int(base[input &+ i]) &+ 128] }
            case let .requantize(input, output, count, inputZero, multiplier, shift, outputZero, minimum, maximum):
                for i in 0..<count {
                    var v = eq_multiply_by_quantized_multiplier(Int32(base[input &+ i]) &- inputZero, multiplier, shift, 0)
                    v = min(max(v &+ outputZero, minimum), maximum)
                    base[output &+ i] = Int8(truncatingIfNeeded: v)
                }
            }
        }
        let port = graph.output
        let raw = base + tensorOffsets[port.tensor]
        for i in 0..<port.width {
            let q = port.unsigned ? Int32(UInt8(bitPattern: raw[i])) : Int32(raw[i])
            output[i] = Float(q &- Int32(port.zeroPoint)) * port.scale
        }
        return UnsafePointer(output)
    }

    /// The output tensor's raw quantized value `i` (uint8 outputs as 0...255).
    public func rawOutput(_ i: Int) -> Int {
        let raw = arena + tensorOffsets[graph.output.tensor]
        return graph.output.unsigned ? Int(UInt8(bitPattern: raw[i])) : Int(raw[i])
    }
}
