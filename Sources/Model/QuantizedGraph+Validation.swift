extension QuantizedGraph {
    /// Largest tensor, variable or weight array accepted (bytes); far above any wake-word model.
    public static let maximumBytes = 1 << 26
    /// Most operations, tensors or variables accepted.
    public static let maximumCount = 100_000

    /// Checks every index, size and window against the tensors, so that running the graph can
    /// never read or write outside a buffer. The importer and the file reader both call it.
    public func validate() throws(ModelError) {
        func fail(_ what: String, _ reason: String) -> ModelError {
            .invalidValue(key: "qgraph " + what, value: reason, expected: "a consistent quantized graph")
        }
        guard tensorSizes.count <= Self.maximumCount, operations.count <= Self.maximumCount,
              variableInitialValues.count <= Self.maximumCount else {
            throw fail("counts", "\(tensorSizes.count) tensors, \(operations.count) operations")
        }
        for (index, size) in tensorSizes.enumerated() where size < 1 || size > Self.maximumBytes {
            throw fail("tensor \(index)", "size \(size)")
        }
        for (index, value) in variableInitialValues.enumerated() where value.isEmpty || value.count > Self.maximumBytes {
            throw fail("variable \(index)", "size \(value.count)")
        }
        func tensor(_ index: Int, _ what: String, bytes: Int) throws(ModelError) {
            guard index >= 0, index < tensorSizes.count else { throw fail(what, "tensor \(index) of \(tensorSizes.count)") }
            guard tensorSizes[index] == bytes else { throw fail(what, "tensor \(index) has \(tensorSizes[index]) bytes, needs \(bytes)") }
        }
        func variable(_ index: Int, _ what: String) throws(ModelError) -> Int {
            guard index >= 0, index < variableInitialValues.count else { throw fail(what, "variable \(index) of \(variableInitialValues.count)") }
            return variableInitialValues[index].count
        }
        func product(_ values: [Int], _ what: String) throws(ModelError) -> Int {
            var total = 1
            for value in values {
                guard value >= 1, value <= Self.maximumBytes else { throw fail(what, "extent \(value)") }
                total = total.multipliedReportingOverflow(by: value).partialValue
                guard total <= Self.maximumBytes else { throw fail(what, "\(values) too large") }
            }
            return total
        }
        guard input.frames >= 1, input.width >= 1, input.scale.isFinite, input.scale > 0,
              (-128...127).contains(input.zeroPoint), !input.unsigned else {
            throw fail("input", "frames \(input.frames), width \(input.width), scale \(input.scale), zero point \(input.zeroPoint)")
        }
        try tensor(input.tensor, "input", bytes: try product([input.frames, input.width], "input"))
        guard output.frames >= 1, output.width >= 1, output.scale.isFinite, output.scale > 0,
              (output.unsigned ? 0...255 : -128...127).contains(output.zeroPoint) else {
            throw fail("output", "scale \(output.scale), zero point \(output.zeroPoint)")
        }
        try tensor(output.tensor, "output", bytes: try product([output.frames, output.width], "output"))

        for (index, operation) in operations.enumerated() {
            let what = "operation \(index)"
            switch operation {
            case let .copy(input, output, count):
                try tensor(input, what, bytes: count)
                try tensor(output, what, bytes: count)
            case let .readVariable(v, output):
                try tensor(output, what, bytes: try variable(v, what))
            case let .assignVariable(v, input):
                try tensor(input, what, bytes: try variable(v, what))
            case let .concatenation(inputs, inner, outer, output):
                guard inputs.count == inner.count, !inputs.isEmpty, outer >= 1 else { throw fail(what, "concatenation shape") }
                var total = 0
                for (i, size) in zip(inputs, inner) {
                    let bytes = try product([outer, size], what)
                    try tensor(i, what, bytes: bytes)
                    total += size
                }
                try tensor(output, what, bytes: try product([outer, total], what))
            case let .slice(slice):
                guard slice.inputShape.count == 4, slice.begin.count == 4, slice.stride.count == 4,
                      slice.outputShape.count == 4 else { throw fail(what, "slice needs 4-D shapes") }
                try tensor(slice.input, what, bytes: try product(slice.inputShape, what))
                try tensor(slice.output, what, bytes: try product(slice.outputShape, what))
                for axis in 0..<4 {
                    let first = slice.begin[axis], step = slice.stride[axis], count = slice.outputShape[axis]
                    let last = first + (count - 1) * step
                    guard step >= 1, step <= Self.maximumBytes, first >= 0, first < slice.inputShape[axis],
                          last < slice.inputShape[axis] else {
                        throw fail(what, "slice axis \(axis): begin \(first), stride \(step), count \(count) in \(slice.inputShape[axis])")
                    }
                }
            case let .convolution(c):
                try validate(c, what, tensor: tensor, product: product, fail: fail)
            case let .lookup(input, output, count, table):
                guard table.count == 256 else { throw fail(what, "table of \(table.count) entries") }
                try tensor(input, what, bytes: count)
                try tensor(output, what, bytes: count)
            case let .requantize(input, output, count, _, multiplier, shift, _, minimum, maximum, _):
                try tensor(input, what, bytes: count)
                try tensor(output, what, bytes: count)
                guard multiplier >= 0, (-31...30).contains(shift), minimum <= maximum,
                      minimum >= -128, maximum <= 255 else { throw fail(what, "requantize parameters") }
            case let .elementwise(e):
                try validate(e, what, tensor: tensor, product: product, fail: fail)
            }
        }
    }

    private func validate(
        _ c: QuantizedConvolution, _ what: String,
        tensor: (Int, String, Int) throws(ModelError) -> Void,
        product: ([Int], String) throws(ModelError) -> Int,
        fail: (String, String) -> ModelError
    ) throws(ModelError) {
        try tensor(c.input, what, try product([c.inputHeight, c.inputWidth, c.inputChannels], what))
        try tensor(c.output, what, try product([c.outputHeight, c.outputWidth, c.outputChannels], what))
        let window = try product([c.kernelHeight, c.kernelWidth, c.strideHeight, c.strideWidth,
                                  c.dilationHeight, c.dilationWidth], what)
        _ = window
        let weights: Int
        switch c.kind {
        case .convolution:
            weights = try product([c.outputChannels, c.kernelHeight, c.kernelWidth, c.inputChannels], what)
        case .depthwise:
            guard c.depthMultiplier >= 1, c.outputChannels == c.inputChannels * c.depthMultiplier else {
                throw fail(what, "depthwise channels \(c.inputChannels) x \(c.depthMultiplier) != \(c.outputChannels)")
            }
            weights = try product([c.kernelHeight, c.kernelWidth, c.outputChannels], what)
        case .fullyConnected:
            guard c.outputHeight == 1, c.outputWidth == 1, c.kernelHeight == 1, c.kernelWidth == 1 else {
                throw fail(what, "fully connected with spatial extent")
            }
            weights = try product([c.outputChannels, c.inputHeight * c.inputWidth * c.inputChannels], what)
        }
        guard c.weights.count == weights else { throw fail(what, "\(c.weights.count) weights, needs \(weights)") }
        guard c.bias.count == c.outputChannels else { throw fail(what, "\(c.bias.count) biases for \(c.outputChannels) channels") }
        guard c.multipliers.count == c.outputChannels, c.shifts.count == c.outputChannels else {
            throw fail(what, "\(c.multipliers.count) multipliers for \(c.outputChannels) channels")
        }
        for (m, s) in zip(c.multipliers, c.shifts) where m < 0 || !(-31...30).contains(s) {
            throw fail(what, "multiplier \(m), shift \(s)")
        }
        guard c.padTop >= 0, c.padLeft >= 0, c.padTop < c.kernelHeight * c.dilationHeight,
              c.padLeft < c.kernelWidth * c.dilationWidth,
              (-255...255).contains(c.inputOffset), (-128...127).contains(c.outputZeroPoint),
              c.activationMin >= -128, c.activationMax <= 127, c.activationMin <= c.activationMax else {
            throw fail(what, "padding, offsets or activation range")
        }
        // Every output position must see at least its first tap inside the padded input; taps
        // outside the input are skipped by the kernel (TFLite's zero padding).
        guard (c.outputHeight - 1) * c.strideHeight <= c.inputHeight - 1 + c.padTop + c.padTop + c.kernelHeight,
              (c.outputWidth - 1) * c.strideWidth <= c.inputWidth - 1 + c.padLeft + c.padLeft + c.kernelWidth else {
            throw fail(what, "output larger than the input allows")
        }
    }

    private func validate(
        _ e: QuantizedElementwise, _ what: String,
        tensor: (Int, String, Int) throws(ModelError) -> Void,
        product: ([Int], String) throws(ModelError) -> Int,
        fail: (String, String) -> ModelError
    ) throws(ModelError) {
        guard e.shape.count == 4 else { throw fail(what, "elementwise needs a 4-D shape") }
        try tensor(e.output, what, try product(e.shape, what))
        for operand in [e.first, e.second] {
            guard operand.shape.count == 4 else { throw fail(what, "elementwise operand needs a 4-D shape") }
            let count = try product(operand.shape, what)
            for axis in 0..<4 where operand.shape[axis] != e.shape[axis] && operand.shape[axis] != 1 {
                throw fail(what, "operand shape \(operand.shape) does not broadcast to \(e.shape)")
            }
            if operand.tensor < 0 {
                guard operand.constant.count == count else { throw fail(what, "constant of \(operand.constant.count) values for \(operand.shape)") }
            } else {
                try tensor(operand.tensor, what, count)
            }
            // ADD scales each input by at most 1/2 (shift <= 0), which keeps its sums in int32.
            guard (-255...255).contains(operand.offset), operand.multiplier >= 0,
                  (-31...0).contains(operand.shift) else {
                throw fail(what, "operand offset \(operand.offset), multiplier \(operand.multiplier), shift \(operand.shift)")
            }
        }
        guard (-128...127).contains(e.outputOffset), e.multiplier >= 0, (-31...30).contains(e.shift),
              e.activationMin >= -128, e.activationMax <= 127, e.activationMin <= e.activationMax else {
            throw fail(what, "output offset, multiplier, shift or activation range")
        }
    }
}
