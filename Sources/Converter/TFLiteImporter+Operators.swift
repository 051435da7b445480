import Glibc
import Model

// Lowering of each supported operator; the arithmetic TFLite does when it prepares a kernel
// (QuantizeMultiplier, CalculateActivationRangeQuantized, the LOGISTIC table) is done here.

/// TFLite's QuantizeMultiplier: `real = m * 2^(shift - 31)` with m in [2^30, 2^31), rounded half
/// away from zero; the multiplier 2^31 becomes 2^30 with shift + 1; tiny values become 0.
/// nil for a ratio no kernel can apply: negative, infinite or NaN (scales that overflow a Float),
/// or a shift above 30.
func tfliteQuantizeMultiplier(_ real: Double) -> (multiplier: Int32, shift: Int32)? {
    guard real.isFinite, real >= 0 else { return nil }
    if real == 0 { return (0, 0) }
    let fraction = frexp(real)
    var q = (fraction.0 * Double(1 << 31)).rounded(.toNearestOrAwayFromZero)
    var shift = fraction.1
    if q == Double(1 << 31) { q /= 2; shift += 1 }
    if shift < -31 { return (0, 0) }
    guard shift <= 30 else { return nil }
    return (Int32(q), Int32(shift))
}

extension TFLiteGraphBuilder {
    /// Extends a shape to 4-D by leading ones.
    func padded4(_ shape: [Int]) -> [Int] { [Int](repeating: 1, count: max(0, 4 - shape.count)) + shape }

    mutating func lowerConcatenation(_ op: TFLiteOperator, _ name: String, _ out: String) throws(TFLiteError) {
        guard op.inputs.count >= 1, op.outputs.count == 1, let options = op.options else {
            throw .unsupportedAttribute(op: name, tensor: out, reason: "arity or options")
        }
        let o = try tensor(op.outputs[0], name)
        var axis = Int(try model.reader.scalarI32(options, 0, default: 0, "CONCATENATION axis"))
        let activationKind = try model.reader.scalarU8(options, 1, default: 0, "CONCATENATION activation")
        guard activationKind == 0 else { throw .unsupportedAttribute(op: name, tensor: out, reason: "fused activation \(activationKind)") }
        if axis < 0 { axis += o.shape.count }
        guard axis >= 0, axis < o.shape.count else { throw .unsupportedAttribute(op: name, tensor: out, reason: "axis \(axis)") }
        try sameQuantization(op.inputs, op.outputs[0], name)
        let outer = o.shape[..<axis].reduce(1, *)
        var inputs = [Int](), inner = [Int]()
        for index in op.inputs {
            let t = try tensor(index, name)
            guard t.shape.count == o.shape.count, t.shape[..<axis] == o.shape[..<axis],
                  t.shape[(axis + 1)...] == o.shape[(axis + 1)...] else {
                throw .unsupportedAttribute(op: name, tensor: out, reason: "input shape \(t.shape) does not fit output \(o.shape) on axis \(axis)")
            }
            inputs.append(try activation(index, name))
            inner.append(t.shape[axis...].reduce(1, *))
        }
        operations.append(.concatenation(inputs: inputs, inner: inner, outer: outer, output: try activation(op.outputs[0], name)))
    }

    mutating func lowerStridedSlice(_ op: TFLiteOperator, _ name: String, _ out: String) throws(TFLiteError) {
        try arity(op, 4, 1, name, out)
        guard let options = op.options else { throw .unsupportedAttribute(op: name, tensor: out, reason: "no options") }
        let r = model.reader
        let beginMask = try r.scalarI32(options, 0, default: 0, "begin_mask")
        let endMask = try r.scalarI32(options, 1, default: 0, "end_mask")
        let ellipsis = try r.scalarI32(options, 2, default: 0, "ellipsis_mask")
        let newAxis = try r.scalarI32(options, 3, default: 0, "new_axis_mask")
        let shrink = try r.scalarI32(options, 4, default: 0, "shrink_axis_mask")
        let offset = try r.scalarU8(options, 5, default: 0, "offset")
        guard ellipsis == 0, newAxis == 0, offset == 0 else {
            throw .unsupportedAttribute(op: name, tensor: out, reason: "ellipsis/new-axis masks or offset mode")
        }
        let input = try tensor(op.inputs[0], name)
        let begins = try constantInts(op.inputs[1], name)
        let ends = try constantInts(op.inputs[2], name)
        let strides = try constantInts(op.inputs[3], name)
        let rank = input.shape.count
        guard rank <= 4, begins.count == rank, ends.count == rank, strides.count == rank else {
            throw .unsupportedAttribute(op: name, tensor: out, reason: "bounds for \(rank) dimensions")
        }
        try sameQuantization([op.inputs[0]], op.outputs[0], name)
        var begin = [Int](), stride = [Int](), count = [Int]()
        for axis in 0..<rank {
            let dim = input.shape[axis], step = strides[axis]
            guard step > 0 else { throw .unsupportedAttribute(op: name, tensor: out, reason: "stride \(step) on axis \(axis)") }
            var first = beginMask & (1 << axis) != 0 ? 0 : begins[axis]
            if first < 0 { first += dim }
            first = min(max(first, 0), dim)
            var last = endMask & (1 << axis) != 0 ? dim : ends[axis]
            if last < 0 { last += dim }
            last = min(max(last, 0), dim)
            if shrink & (1 << axis) != 0 { last = first + 1 }
            let n = last > first ? (last - first + step - 1) / step : 0
            guard n >= 1, first < dim else { throw .unsupportedAttribute(op: name, tensor: out, reason: "empty slice on axis \(axis)") }
            begin.append(first); stride.append(step); count.append(n)
        }
        try appendSlice(op.inputs[0], op.outputs[0], input.shape, begin, stride, count, name, out)
    }

    mutating func appendSlice(_ inputIndex: Int, _ outputIndex: Int, _ shape: [Int], _ begin: [Int], _ stride: [Int],
                              _ count: [Int], _ name: String, _ out: String) throws(TFLiteError) {
        let o = try tensor(outputIndex, name)
        guard count.reduce(1, *) == elementCount(o) else {
            throw .unsupportedAttribute(op: name, tensor: out, reason: "slice of \(count) does not fill output \(o.shape)")
        }
        let lead = max(0, 4 - shape.count)
        operations.append(.slice(QuantizedSlice(
            input: try activation(inputIndex, name), output: try activation(outputIndex, name),
            inputShape: padded4(shape), begin: [Int](repeating: 0, count: lead) + begin,
            stride: [Int](repeating: 1, count: lead) + stride, outputShape: padded4(count))))
    }

    mutating func lowerSplit(_ op: TFLiteOperator, _ name: String, _ out: String) throws(TFLiteError) {
        guard op.inputs.count == 3, op.outputs.count >= 1 else { throw .unsupportedAttribute(op: name, tensor: out, reason: "arity") }
        let input = try tensor(op.inputs[0], name)
        var sizes = try constantInts(op.inputs[1], name)
        let axes = try constantInts(op.inputs[2], name)
        guard axes.count == 1, input.shape.count <= 4, sizes.count == op.outputs.count else {
            throw .unsupportedAttribute(op: name, tensor: out, reason: "axis or size_splits")
        }
        var axis = axes[0]
        if axis < 0 { axis += input.shape.count }
        guard axis >= 0, axis < input.shape.count else { throw .unsupportedAttribute(op: name, tensor: out, reason: "axis \(axis)") }
        let unknown = sizes.indices.filter { sizes[$0] == -1 }
        if unknown.count == 1 { sizes[unknown[0]] = input.shape[axis] - sizes.reduce(0, +) - 1 }
        guard sizes.allSatisfy({ $0 >= 1 }), sizes.reduce(0, +) == input.shape[axis] else {
            throw .unsupportedAttribute(op: name, tensor: out, reason: "size_splits \(sizes) for \(input.shape[axis])")
        }
        var start = 0
        for (output, size) in zip(op.outputs, sizes) {
            try sameQuantization([op.inputs[0]], output, name)
            var begin = [Int](repeating: 0, count: input.shape.count)
            var count = input.shape
            begin[axis] = start
            count[axis] = size
            try appendSlice(op.inputs[0], output, input.shape, begin, [Int](repeating: 1, count: input.shape.count), count, name, out)
            start += size
        }
    }

    /// CalculateActivationRangeQuantized for int8 outputs.
    func activationRange(_ kind: UInt8, scale: Float, zero: Int32, _ name: String, _ out: String) throws(TFLiteError) -> (Int32, Int32) {
        func quantize(_ value: Float) -> Int32 { zero + Int32((value / scale).rounded(.toNearestOrAwayFromZero)) }
        switch kind {
        case 0: return (-128, 127)
        case 1: return (max(-128, quantize(0)), 127)
        case 2: return (max(-128, quantize(-1)), min(127, quantize(1)))
        case 3: return (max(-128, quantize(0)), min(127, quantize(6)))
        default: throw .unsupportedAttribute(op: name, tensor: out, reason: "fused activation \(kind)")
        }
    }

    mutating func lowerConvolution(_ op: TFLiteOperator, _ builtin: TFLiteBuiltin, _ name: String, _ out: String) throws(TFLiteError) {
        guard op.inputs.count == 3 || op.inputs.count == 2, op.outputs.count == 1, let options = op.options else {
            throw .unsupportedAttribute(op: name, tensor: out, reason: "arity or options")
        }
        let r = model.reader
        let input = try tensor(op.inputs[0], name)
        let filter = try tensor(op.inputs[1], name)
        let output = try tensor(op.outputs[0], name)
        guard filter.type == TFLiteTensorType.int8.rawValue, input.type == TFLiteTensorType.int8.rawValue,
              output.type == TFLiteTensorType.int8.rawValue else {
            throw .unsupportedAttribute(op: name, tensor: out, reason: "needs int8 input, filter and output")
        }
        let weightBytes = model.data(filter)
        guard weightBytes.count == elementCount(filter), !weightBytes.isEmpty else {
            throw .unsupportedAttribute(op: name, tensor: filter.name, reason: "filter must be constant int8 data")
        }
        let kind: QuantizedConvolution.Kind
        var fused: UInt8 = 0
        var c = QuantizedConvolution(kind: .convolution, input: 0, output: 0)
        switch builtin {
        case .conv2D, .depthwiseConv2D:
            kind = builtin == .conv2D ? .convolution : .depthwise
            let dw = builtin == .depthwiseConv2D
            guard input.shape.count == 4, input.shape[0] == 1, output.shape.count == 4, filter.shape.count == 4 else {
                throw .unsupportedAttribute(op: name, tensor: out, reason: "needs 4-D tensors with batch 1")
            }
            let padding = try r.scalarU8(options, 0, default: 0, "padding")
            c.strideWidth = Int(try r.scalarI32(options, 1, default: 1, "stride_w"))
            c.strideHeight = Int(try r.scalarI32(options, 2, default: 1, "stride_h"))
            if dw {
                fused = try r.scalarU8(options, 4, default: 0, "activation")
                c.dilationWidth = Int(try r.scalarI32(options, 5, default: 1, "dilation_w"))
                c.dilationHeight = Int(try r.scalarI32(options, 6, default: 1, "dilation_h"))
            } else {
                fused = try r.scalarU8(options, 3, default: 0, "activation")
                c.dilationWidth = Int(try r.scalarI32(options, 4, default: 1, "dilation_w"))
                c.dilationHeight = Int(try r.scalarI32(options, 5, default: 1, "dilation_h"))
            }
            guard (1...1024).contains(c.strideWidth), (1...1024).contains(c.strideHeight),
                  (1...1024).contains(c.dilationWidth), (1...1024).contains(c.dilationHeight), padding <= 1 else {
                throw .unsupportedAttribute(op: name, tensor: out, reason: "strides, dilations or padding out of range")
            }
            (c.inputHeight, c.inputWidth, c.inputChannels) = (input.shape[1], input.shape[2], input.shape[3])
            (c.outputHeight, c.outputWidth, c.outputChannels) = (output.shape[1], output.shape[2], output.shape[3])
            (c.kernelHeight, c.kernelWidth) = (filter.shape[1], filter.shape[2])
            if dw {
                guard filter.shape[0] == 1, filter.shape[3] == c.outputChannels, c.inputChannels > 0,
                      c.outputChannels % c.inputChannels == 0 else {
                    throw .unsupportedAttribute(op: name, tensor: out, reason: "depthwise filter \(filter.shape) for \(c.inputChannels) -> \(c.outputChannels) channels")
                }
                c.depthMultiplier = c.outputChannels / c.inputChannels
            } else {
                guard filter.shape[0] == c.outputChannels, filter.shape[3] == c.inputChannels else {
                    throw .unsupportedAttribute(op: name, tensor: out, reason: "filter \(filter.shape) for \(c.inputChannels) -> \(c.outputChannels) channels (grouped convolution is not supported)")
                }
            }
            // Output size and padding as TFLite computes them (ComputePaddingHeightWidth).
            func geometry(_ size: Int, _ k: Int, _ s: Int, _ d: Int) -> (out: Int, pad: Int) {
                let effective = (k - 1) * d + 1
                if padding == 1 { return ((size - effective + s) / s, 0) }
                let outSize = (size + s - 1) / s
                return (outSize, max(0, ((outSize - 1) * s + effective - size) / 2))
            }
            let h = geometry(c.inputHeight, c.kernelHeight, c.strideHeight, c.dilationHeight)
            let w = geometry(c.inputWidth, c.kernelWidth, c.strideWidth, c.dilationWidth)
            guard h.out == c.outputHeight, w.out == c.outputWidth else {
                throw .unsupportedAttribute(op: name, tensor: out, reason: "output \(output.shape) does not match the geometry (\(h.out) x \(w.out))")
            }
            (c.padTop, c.padLeft) = (h.pad, w.pad)
        default:
            kind = .fullyConnected
            fused = try r.scalarU8(options, 0, default: 0, "activation")
            let format = try r.scalarU8(options, 1, default: 0, "weights_format")
            guard format == 0, filter.shape.count == 2 else {
                throw .unsupportedAttribute(op: name, tensor: out, reason: "weights format \(format), filter \(filter.shape)")
            }
            let inputs = elementCount(input)
            guard filter.shape[1] == inputs, elementCount(output) == filter.shape[0] else {
                throw .unsupportedAttribute(op: name, tensor: out, reason: "filter \(filter.shape) for \(inputs) inputs, \(elementCount(output)) outputs (batch 1 only)")
            }
            (c.inputHeight, c.inputWidth, c.inputChannels) = (1, 1, inputs)
            c.outputChannels = filter.shape[0]
        }
        c.kind = kind
        let inQ = try quantization(input, name)
        let outQ = try quantization(output, name)
        c.inputOffset = -inQ.zeroPoint
        c.outputZeroPoint = outQ.zeroPoint
        (c.activationMin, c.activationMax) = try activationRange(fused, scale: outQ.scale, zero: outQ.zeroPoint, name, out)
        let filterScales = filter.quantization.scales
        guard filterScales.count == 1 || filterScales.count == c.outputChannels,
              filterScales.allSatisfy({ $0.isFinite && $0 > 0 }),
              filter.quantization.zeroPoints.allSatisfy({ $0 == 0 }) else {
            throw .unsupportedAttribute(op: name, tensor: filter.name, reason: "needs symmetric per-tensor or per-channel filter scales")
        }
        for channel in 0..<c.outputChannels {
            let filterScale = Double(filterScales[filterScales.count == 1 ? 0 : channel])
            let real = Double(inQ.scale) * filterScale / Double(outQ.scale)
            guard let (m, s) = tfliteQuantizeMultiplier(real) else {
                throw .unsupportedAttribute(op: name, tensor: out, reason: "requantization scale \(real) out of range")
            }
            c.multipliers.append(m)
            c.shifts.append(s)
        }
        c.weights = weightBytes.map { Int8(bitPattern: $0) }
        if op.inputs.count == 3 && op.inputs[2] >= 0 {
            let bias = try tensor(op.inputs[2], name)
            let data = model.data(bias)
            guard bias.type == TFLiteTensorType.int32.rawValue, data.count == 4 * c.outputChannels else {
                throw .unsupportedAttribute(op: name, tensor: bias.name, reason: "bias must be constant int32 [\(c.outputChannels)]")
            }
            let base = data.startIndex
            c.bias = (0..<c.outputChannels).map { i in
                Int32(bitPattern: UInt32(data[base + 4 * i]) | UInt32(data[base + 4 * i + 1]) << 8
                    | UInt32(data[base + 4 * i + 2]) << 16 | UInt32(data[base + 4 * i + 3]) << 24)
            }
        } else {
            c.bias = [Int32](repeating: 0, count: c.outputChannels)
        }
        // TFLite's optimized depthwise and fully-connected kernels round the final shift upward.
        c.rounding = kernels == .optimized && kind != .convolution ? .upward : .awayFromZero
        c.input = try activation(op.inputs[0], name)
        c.output = try activation(op.outputs[0], name)
        operations.append(.convolution(c))
    }

    mutating func lowerLogistic(_ op: TFLiteOperator, _ name: String, _ out: String) throws(TFLiteError) {
        try arity(op, 1, 1, name, out)
        let input = try tensor(op.inputs[0], name)
        let output = try tensor(op.outputs[0], name)
        guard input.type == TFLiteTensorType.int8.rawValue, output.type == TFLiteTensorType.int8.rawValue else {
            throw .unsupportedAttribute(op: name, tensor: out, reason: "needs int8 input and output")
        }
        let inQ = try quantization(input, name)
        let outQ = try quantization(output, name)
        guard outQ.scale == 1.0 / 256, outQ.zeroPoint == -128 else {
            throw .unsupportedAttribute(op: name, tensor: out, reason: "int8 LOGISTIC output must have scale 1/256 and zero point -128")
        }
        // TFLite's LUTPopulate in float: dequantize, 1/(1+exp(-x)), scale, round, clamp.
        var table = [Int8]()
        let inverse = 1 / outQ.scale
        for value in -128...127 {
            let x = inQ.scale * Float(Int32(value) - inQ.zeroPoint)
            let y = 1 / (1 + expf(-x))
            let q = Int32((y * inverse).rounded(.toNearestOrAwayFromZero)) + outQ.zeroPoint
            table.append(Int8(min(max(q, -128), 127)))
        }
        operations.append(.lookup(input: try activation(op.inputs[0], name), output: try activation(op.outputs[0], name),
                                  count: elementCount(input), table: table))
    }

    mutating func lowerQuantize(_ op: TFLiteOperator, _ name: String, _ out: String) throws(TFLiteError) {
        try arity(op, 1, 1, name, out)
        let input = try tensor(op.inputs[0], name)
        let output = try tensor(op.outputs[0], name)
        guard input.type == TFLiteTensorType.int8.rawValue || input.type == TFLiteTensorType.uint8.rawValue else {
            throw .unsupportedAttribute(op: name, tensor: out, reason: "QUANTIZE from float is not supported (input type \(input.type))")
        }
        let inQ = try quantization(input, name)
        let outQ = try quantization(output, name)
        guard let (m, s) = tfliteQuantizeMultiplier(Double(inQ.scale) / Double(outQ.scale)), (-31...30).contains(s) else {
            throw .unsupportedAttribute(op: name, tensor: out, reason: "scale ratio out of range")
        }
        let unsigned = output.type == TFLiteTensorType.uint8.rawValue
        operations.append(.requantize(
            input: try activation(op.inputs[0], name), output: try activation(op.outputs[0], name), count: elementCount(input),
            inputZeroPoint: inQ.zeroPoint, multiplier: m, shift: s, outputZeroPoint: outQ.zeroPoint,
            minimum: unsigned ? 0 : -128, maximum: unsigned ? 255 : 127,
            // Measured for int8 -> int8; a uint8 output (a wake word's last op) has one value.
            rounding: kernels == .optimized && !unsigned ? .upward : .awayFromZero))
    }
}
