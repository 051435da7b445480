import SystemFile

/// Reads and writes quantized graphs (imported TFLite models) as GGUF files with
/// `general.architecture = "earshot-qgraph"`; the keys are listed in docs/model-format.md.
/// Int8 weights are GGUF tensors `qgraph.op.<n>.weights`; every other number is a key.
public enum QuantizedGraphFile {
    public static let architecture = "earshot-qgraph"
    public static let formatVersion: UInt32 = 1
    static let prefix = "earshot.qgraph."

    /// Whether `bytes` is a GGUF file of this architecture (a cheap look at the first key).
    public static func isQuantizedGraph(_ bytes: [UInt8]) -> Bool {
        GGUF.architectureName(bytes) == architecture
    }

    // MARK: writing

    public static func serialize(_ graph: QuantizedGraph) throws(ModelError) -> [UInt8] {
        try graph.validate()
        var keys = GGUFWriter()
        var keyCount: UInt64 = 0
        var weights: [(String, [Int8])] = []
        keys.keyString(ModelKey.architecture, architecture); keyCount += 1
        keys.keyU32(ModelKey.alignment, UInt32(GGUF.defaultAlignment)); keyCount += 1
        func ints(_ key: String, _ values: [Int]) { keys.keyInts(prefix + key, values.map { Int64($0) }); keyCount += 1 }
        func ints32(_ key: String, _ values: [Int32]) { keys.keyInts(prefix + key, values.map { Int64($0) }); keyCount += 1 }
        keys.keyU32(prefix + "version", formatVersion); keyCount += 1
        ints("tensor_sizes", graph.tensorSizes)
        keys.keyU32(prefix + "variable_count", UInt32(graph.variableInitialValues.count)); keyCount += 1
        for (index, value) in graph.variableInitialValues.enumerated() {
            ints("variable.\(index).initial", value.map { Int($0) })
        }
        for (name, port) in [("input", graph.input), ("output", graph.output)] {
            ints(name, [port.tensor, port.frames, port.width, port.zeroPoint, port.unsigned ? 1 : 0])
            keys.keyF32(prefix + name + ".scale", port.scale); keyCount += 1
        }
        let wake = graph.wakeWord
        keys.keyString(prefix + "wake_word", wake.name); keyCount += 1
        keys.keyF64(prefix + "probability_cutoff", wake.probabilityCutoff); keyCount += 1
        ints("detection", [wake.slidingWindow, wake.featureStepMilliseconds, wake.tensorArenaBytes])
        keys.keyString(prefix + "frontend_preset", wake.frontendPreset); keyCount += 1
        keys.keyU32(prefix + "op_count", UInt32(graph.operations.count)); keyCount += 1
        for (index, operation) in graph.operations.enumerated() {
            let op = "op.\(index)."
            func kind(_ name: String) { keys.keyString(prefix + op + "kind", name); keyCount += 1 }
            switch operation {
            case let .copy(input, output, count):
                kind("copy"); ints(op + "ints", [input, output, count])
            case let .readVariable(variable, output):
                kind("read_variable"); ints(op + "ints", [variable, output])
            case let .assignVariable(variable, input):
                kind("assign_variable"); ints(op + "ints", [variable, input])
            case let .concatenation(inputs, inner, outer, output):
                kind("concatenation")
                var values = [output, outer]
                for (i, size) in zip(inputs, inner) { values += [i, size] }
                ints(op + "ints", values)
            case let .slice(s):
                kind("slice")
                ints(op + "ints", [s.input, s.output] + s.inputShape + s.begin + s.stride + s.outputShape)
            case let .convolution(c):
                kind("convolution")
                ints(op + "ints", [
                    c.kind.rawValue, c.input, c.output, c.inputHeight, c.inputWidth, c.inputChannels,
                    c.outputHeight, c.outputWidth, c.outputChannels, c.kernelHeight, c.kernelWidth,
                    c.strideHeight, c.strideWidth, c.dilationHeight, c.dilationWidth, c.padTop, c.padLeft,
                    c.depthMultiplier, Int(c.inputOffset), Int(c.outputZeroPoint), Int(c.activationMin),
                    Int(c.activationMax), c.rounding.rawValue,
                ])
                ints32(op + "bias", c.bias)
                ints32(op + "multiplier", c.multipliers)
                ints32(op + "shift", c.shifts)
                weights.append(("qgraph.op.\(index).weights", c.weights))
            case let .lookup(input, output, count, table):
                kind("lookup"); ints(op + "ints", [input, output, count]); ints(op + "table", table.map { Int($0) })
            case let .requantize(input, output, count, inputZero, multiplier, shift, outputZero, minimum, maximum, rounding):
                kind("requantize")
                ints(op + "ints", [input, output, count, Int(inputZero), Int(multiplier), Int(shift),
                                   Int(outputZero), Int(minimum), Int(maximum), rounding.rawValue])
            case let .elementwise(e):
                kind(e.kind == .add ? "add" : "mul")
                var values = [e.output] + e.shape
                values += [Int(e.outputOffset), Int(e.multiplier), Int(e.shift), Int(e.activationMin), Int(e.activationMax)]
                for (name, operand) in [("first", e.first), ("second", e.second)] {
                    values += [operand.tensor] + operand.shape + [Int(operand.offset), Int(operand.multiplier), Int(operand.shift)]
                    if operand.tensor < 0 { weights.append(("qgraph.op.\(index).\(name)", operand.constant)) }
                }
                ints(op + "ints", values)
            }
        }
        for (name, _) in weights where name.utf8.count > GGUF.maxTensorNameLength {
            throw .stringTooLong(what: "tensor name '\(name)'", length: UInt64(name.utf8.count), limit: GGUF.maxTensorNameLength)
        }
        var file = GGUFWriter()
        let alignment = GGUF.defaultAlignment
        file.bytes.append(contentsOf: GGUF.magic)
        file.u32(GGUF.version)
        file.u64(UInt64(weights.count))
        file.u64(keyCount)
        file.bytes.append(contentsOf: keys.bytes)
        var offset = 0
        for (name, values) in weights {
            file.string(name)
            file.u32(1)
            file.u64(UInt64(values.count))
            file.u32(TensorType.int8.rawValue)
            file.u64(UInt64(offset))
            offset += (values.count + alignment - 1) / alignment * alignment
        }
        file.pad(to: alignment)
        for (_, values) in weights {
            for value in values { file.u8(UInt8(bitPattern: value)) }
            file.pad(to: alignment)
        }
        return file.bytes
    }

    public static func write(_ graph: QuantizedGraph, to path: String) throws(ModelError) {
        let bytes = try serialize(graph)
        do { try SystemFile.writeAtomically(bytes, to: path) } catch { throw .file(error) }
    }

    public static func read(path: String) throws(ModelError) -> QuantizedGraph {
        let bytes: [UInt8]
        do { bytes = try SystemFile.readAll(path: path) } catch { throw .file(error) }
        return try parse(bytes)
    }
}
