import Model

// ADD and MUL on int8, with TFLite's broadcasting and the rescaling its kernels prepare
// (add.cc / mul.cc Prepare: input multipliers at most 1/2 after a left shift of 20 for ADD; one
// output multiplier s1 * s2 / s_out for MUL, computed in float as mul.cc does).
extension TFLiteGraphBuilder {
    mutating func lowerElementwise(_ op: TFLiteOperator, _ builtin: TFLiteBuiltin, _ name: String, _ out: String) throws(TFLiteError) {
        try arity(op, 2, 1, name, out)
        let a = try tensor(op.inputs[0], name), b = try tensor(op.inputs[1], name), o = try tensor(op.outputs[0], name)
        for t in [a, b, o] where t.type != TFLiteTensorType.int8.rawValue {
            throw .unsupportedAttribute(op: name, tensor: t.name, reason: "needs int8 inputs and output, has type \(t.type)")
        }
        let fused = try op.options.map { (options) throws(TFLiteError) -> UInt8 in
            try model.reader.scalarU8(options, 0, default: 0, "\(name) activation")
        } ?? 0
        if builtin == .add, let options = op.options, try model.reader.scalarU8(options, 1, default: 0, "ADD pot_scale_int16") != 0 {
            // The flag only matters for int16, but a file that sets it on int8 is not what we reproduce.
            throw .unsupportedAttribute(op: name, tensor: out, reason: "pot_scale_int16 set on an int8 ADD")
        }
        guard a.shape.count <= 4, b.shape.count <= 4, o.shape.count <= 4 else {
            throw .unsupportedAttribute(op: name, tensor: out, reason: "more than 4 dimensions")
        }
        let shapeA = padded4(a.shape), shapeB = padded4(b.shape), shape = padded4(o.shape)
        for axis in 0..<4 {
            let expected = shapeA[axis] == 1 ? shapeB[axis] : shapeA[axis]
            guard shapeA[axis] == expected || shapeA[axis] == 1, shapeB[axis] == expected || shapeB[axis] == 1,
                  shape[axis] == expected else {
                throw .unsupportedAttribute(op: name, tensor: out, reason: "shapes \(a.shape) and \(b.shape) do not broadcast to \(o.shape)")
            }
        }
        let qa = try quantization(a, name), qb = try quantization(b, name), qo = try quantization(o, name)
        var first = try operand(op.inputs[0], a, shapeA, qa.zeroPoint, name)
        var second = try operand(op.inputs[1], b, shapeB, qb.zeroPoint, name)
        guard first.tensor >= 0 || second.tensor >= 0 else {
            throw .unsupportedAttribute(op: name, tensor: out, reason: "both inputs are constants")
        }
        let (low, high) = try activationRange(fused, scale: qo.scale, zero: qo.zeroPoint, name, out)
        let ratios: [Double]
        if builtin == .add {
            // As TFLite: the larger input scale doubled, in float, then the ratios in double.
            let twiceMax = Double(2 * max(qa.scale, qb.scale))
            ratios = [twiceMax / Double(Float(1 << 20) * qo.scale), Double(qa.scale) / twiceMax, Double(qb.scale) / twiceMax]
        } else {
            // As mul.cc: the product and quotient of the float scales in float, then widened (in double, one
            // multiplier in a few differs by a unit, which turns exact ties into the other rounding).
            ratios = [Double(qa.scale * qb.scale / qo.scale)]
        }
        var scales: [(multiplier: Int32, shift: Int32)] = []
        for ratio in ratios {
            guard let scale = tfliteQuantizeMultiplier(ratio), (-31...30).contains(scale.shift) else {
                throw .unsupportedAttribute(op: name, tensor: out, reason: "scale ratio \(ratio) out of range")
            }
            scales.append(scale)
        }
        let outputScale = scales[0]
        if builtin == .add {
            (first.multiplier, first.shift) = scales[1]
            (second.multiplier, second.shift) = scales[2]
        }
        operations.append(.elementwise(QuantizedElementwise(
            kind: builtin == .add ? .add : .multiply, first: first, second: second,
            output: try activation(op.outputs[0], name), shape: shape, outputOffset: qo.zeroPoint,
            multiplier: outputScale.multiplier, shift: outputScale.shift, activationMin: low, activationMax: high)))
    }

    /// An ADD/MUL input: an activation, or a constant int8 tensor (weights folded into the graph).
    private mutating func operand(_ index: Int, _ t: TFLiteTensor, _ shape: [Int], _ zeroPoint: Int32, _ name: String) throws(TFLiteError) -> QuantizedOperand {
        let data = model.data(t)
        if data.isEmpty {
            return QuantizedOperand(tensor: try activation(index, name), constant: [], shape: shape, offset: -zeroPoint, multiplier: 0, shift: 0)
        }
        guard data.count == elementCount(t) else {
            throw .unsupportedAttribute(op: name, tensor: t.name, reason: "constant of \(data.count) bytes for shape \(t.shape)")
        }
        return QuantizedOperand(tensor: -1, constant: data.map { Int8(bitPattern: $0) }, shape: shape, offset: -zeroPoint, multiplier: 0, shift: 0)
    }
}
