extension QuantizedGraphFile {
    /// Parses and validates a quantized-graph file. Every count, size, offset and index is checked;
    /// a hostile file gives a `ModelError` naming the key or tensor, never a crash.
    public static func parse(_ bytes: [UInt8]) throws(ModelError) -> QuantizedGraph {
        let result: Result<QuantizedGraph, ModelError> = bytes.withUnsafeBytes { raw in
            do throws(ModelError) { return .success(try parse(raw)) } catch { return .failure(error) }
        }
        return try result.get()
    }

    private static func parse(_ bytes: UnsafeRawBufferPointer) throws(ModelError) -> QuantizedGraph {
        var cursor = GGUFCursor(bytes)
        let (keys, tensorCount) = try GGUF.readKeys(&cursor, architecture: architecture, versionKey: prefix + "version", formatVersion: formatVersion)

        // Tensor table: only 1-D int8 weights, each named once.
        var table = try GGUF.readFlatTensorTable(&cursor, count: tensorCount, type: .int8, maximumElements: QuantizedGraph.maximumBytes)
        let alignment = GGUF.defaultAlignment
        let dataStart = (cursor.offset + alignment - 1) / alignment * alignment
        func weights(_ name: String) throws(ModelError) -> [Int8] {
            guard let entry = table.removeValue(forKey: name) else { throw .missingTensor(name) }
            guard dataStart <= bytes.count, entry.offset <= bytes.count - dataStart,
                  entry.count <= bytes.count - dataStart - entry.offset else {
                throw .tensorOutOfBounds(name: name, offset: UInt64(entry.offset), size: entry.count, fileSize: bytes.count)
            }
            let start = dataStart + entry.offset
            return (0..<entry.count).map { Int8(bitPattern: bytes[start + $0]) }
        }

        let tensorSizes = try keys.ints(prefix + "tensor_sizes")
        let variableCount = try keys.count(prefix + "variable_count")
        var variables = [[Int8]]()
        for index in 0..<variableCount {
            let key = prefix + "variable.\(index).initial"
            variables.append(try keys.ints(key).map { (value) throws(ModelError) -> Int8 in
                guard let byte = Int8(exactly: value) else { throw .invalidValue(key: key, value: String(value), expected: "int8") }
                return byte
            })
        }
        func port(_ name: String) throws(ModelError) -> QuantizedPort {
            let v = try keys.ints(prefix + name, count: 5)
            return QuantizedPort(tensor: v[0], frames: v[1], width: v[2],
                                 scale: Float(try keys.float(prefix + name + ".scale")), zeroPoint: v[3], unsigned: v[4] != 0)
        }
        let detection = try keys.ints(prefix + "detection", count: 3)
        let wake = QuantizedWakeWord(
            name: try keys.string(prefix + "wake_word"), probabilityCutoff: try keys.float(prefix + "probability_cutoff"),
            slidingWindow: detection[0], featureStepMilliseconds: detection[1], tensorArenaBytes: detection[2],
            frontendPreset: try keys.string(prefix + "frontend_preset"))

        let opCount = try keys.count(prefix + "op_count")
        var operations = [QuantizedOperation]()
        for index in 0..<opCount {
            let op = prefix + "op.\(index)."
            let kind = try keys.string(op + "kind")
            switch kind {
            case "copy":
                let v = try keys.ints(op + "ints", count: 3)
                operations.append(.copy(input: v[0], output: v[1], count: v[2]))
            case "read_variable":
                let v = try keys.ints(op + "ints", count: 2)
                operations.append(.readVariable(variable: v[0], output: v[1]))
            case "assign_variable":
                let v = try keys.ints(op + "ints", count: 2)
                operations.append(.assignVariable(variable: v[0], input: v[1]))
            case "concatenation":
                let v = try keys.ints(op + "ints")
                guard v.count >= 4, v.count % 2 == 0 else {
                    throw .invalidValue(key: op + "ints", value: "\(v.count) values", expected: "output, outer, then (input, inner) pairs")
                }
                let pairs = stride(from: 2, to: v.count, by: 2)
                operations.append(.concatenation(inputs: pairs.map { v[$0] }, inner: pairs.map { v[$0 + 1] }, outer: v[1], output: v[0]))
            case "slice":
                let v = try keys.ints(op + "ints", count: 18)
                operations.append(.slice(QuantizedSlice(
                    input: v[0], output: v[1], inputShape: Array(v[2..<6]), begin: Array(v[6..<10]),
                    stride: Array(v[10..<14]), outputShape: Array(v[14..<18]))))
            case "convolution":
                let v = try keys.ints(op + "ints", count: 23)
                guard let convKind = QuantizedConvolution.Kind(rawValue: v[0]),
                      let rounding = QuantizedRounding(rawValue: v[22]) else {
                    throw .invalidValue(key: op + "ints", value: "kind \(v[0]), rounding \(v[22])", expected: "kind 0...2, rounding 0...1")
                }
                var c = QuantizedConvolution(kind: convKind, input: v[1], output: v[2])
                (c.inputHeight, c.inputWidth, c.inputChannels) = (v[3], v[4], v[5])
                (c.outputHeight, c.outputWidth, c.outputChannels) = (v[6], v[7], v[8])
                (c.kernelHeight, c.kernelWidth, c.strideHeight, c.strideWidth) = (v[9], v[10], v[11], v[12])
                (c.dilationHeight, c.dilationWidth, c.padTop, c.padLeft) = (v[13], v[14], v[15], v[16])
                c.depthMultiplier = v[17]
                c.inputOffset = try keys.int32(op + "ints", v[18])
                c.outputZeroPoint = try keys.int32(op + "ints", v[19])
                c.activationMin = try keys.int32(op + "ints", v[20])
                c.activationMax = try keys.int32(op + "ints", v[21])
                c.rounding = rounding
                c.bias = try keys.int32s(op + "bias")
                c.multipliers = try keys.int32s(op + "multiplier")
                c.shifts = try keys.int32s(op + "shift")
                c.weights = try weights("qgraph.op.\(index).weights")
                operations.append(.convolution(c))
            case "lookup":
                let v = try keys.ints(op + "ints", count: 3)
                let table = try keys.ints(op + "table")
                var bytes = [Int8]()
                for value in table {
                    guard let byte = Int8(exactly: value) else { throw .invalidValue(key: op + "table", value: String(value), expected: "int8") }
                    bytes.append(byte)
                }
                operations.append(.lookup(input: v[0], output: v[1], count: v[2], table: bytes))
            case "requantize":
                // Files written before the rounding field have 9 values (half away from zero).
                let v = try keys.ints(op + "ints")
                let key = op + "ints"
                guard v.count == 9 || v.count == 10, let rounding = QuantizedRounding(rawValue: v.count == 10 ? v[9] : 0) else {
                    throw .invalidValue(key: key, value: "\(v.count) values", expected: "9 or 10, rounding 0 or 1")
                }
                operations.append(.requantize(
                    input: v[0], output: v[1], count: v[2], inputZeroPoint: try keys.int32(key, v[3]),
                    multiplier: try keys.int32(key, v[4]), shift: try keys.int32(key, v[5]),
                    outputZeroPoint: try keys.int32(key, v[6]), minimum: try keys.int32(key, v[7]), maximum: try keys.int32(key, v[8]),
                    rounding: rounding))
            case "add", "mul":
                // output, shape[4], offset, multiplier, shift, min, max; per operand tensor, shape[4], offset, multiplier, shift.
                let v = try keys.ints(op + "ints", count: 26)
                let key = op + "ints"
                func operand(_ at: Int, _ name: String) throws(ModelError) -> QuantizedOperand {
                    let tensor = v[at]
                    return QuantizedOperand(
                        tensor: tensor, constant: tensor < 0 ? try weights("qgraph.op.\(index).\(name)") : [],
                        shape: Array(v[(at + 1)..<(at + 5)]), offset: try keys.int32(key, v[at + 5]),
                        multiplier: try keys.int32(key, v[at + 6]), shift: try keys.int32(key, v[at + 7]))
                }
                operations.append(.elementwise(QuantizedElementwise(
                    kind: kind == "add" ? .add : .multiply, first: try operand(10, "first"), second: try operand(18, "second"),
                    output: v[0], shape: Array(v[1..<5]), outputOffset: try keys.int32(key, v[5]),
                    multiplier: try keys.int32(key, v[6]), shift: try keys.int32(key, v[7]),
                    activationMin: try keys.int32(key, v[8]), activationMax: try keys.int32(key, v[9]))))
            default:
                throw .invalidValue(key: op + "kind", value: "'\(kind)'", expected: "copy, read_variable, assign_variable, concatenation, slice, convolution, lookup, requantize, add or mul")
            }
        }
        if let extra = table.keys.sorted().first { throw .unexpectedTensor(extra) }
        let graph = QuantizedGraph(tensorSizes: tensorSizes, variableInitialValues: variables, operations: operations,
                                   input: try port("input"), output: try port("output"), wakeWord: wake)
        try graph.validate()
        return graph
    }
}

/// Typed access to decoded keys, each failure naming the key.
struct Keys {
    let values: [String: GGUFValue]

    func value(_ key: String) throws(ModelError) -> GGUFValue {
        guard let value = values[key] else { throw .missingKey(key) }
        return value
    }

    func string(_ key: String) throws(ModelError) -> String {
        guard case let .string(text) = try value(key) else { throw .wrongKeyType(key: key, expected: "string", found: try value(key).typeName) }
        return text
    }

    func u32(_ key: String) throws(ModelError) -> UInt32 {
        guard case let .unsigned(number, .uint32) = try value(key) else { throw .wrongKeyType(key: key, expected: "u32", found: try value(key).typeName) }
        return UInt32(number)
    }

    func count(_ key: String) throws(ModelError) -> Int {
        let number = Int(try u32(key))
        guard number <= QuantizedGraph.maximumCount else {
            throw .invalidValue(key: key, value: String(number), expected: "at most \(QuantizedGraph.maximumCount)")
        }
        return number
    }

    func float(_ key: String) throws(ModelError) -> Double {
        guard case let .float(number, _) = try value(key) else { throw .wrongKeyType(key: key, expected: "float", found: try value(key).typeName) }
        return number
    }

    /// An int array whose values all fit in Int (checked against ±2^40 so sums cannot overflow).
    func ints(_ key: String, count: Int? = nil) throws(ModelError) -> [Int] {
        guard case let .signedArray(numbers, _) = try value(key) else {
            throw .wrongKeyType(key: key, expected: "array of int", found: try value(key).typeName)
        }
        if let count, numbers.count != count {
            throw .invalidValue(key: key, value: "\(numbers.count) values", expected: "\(count)")
        }
        var result = [Int]()
        result.reserveCapacity(numbers.count)
        for number in numbers {
            guard number.magnitude <= 1 << 40 else { throw .invalidValue(key: key, value: String(number), expected: "|value| <= 2^40") }
            result.append(Int(number))
        }
        return result
    }

    func int32(_ key: String, _ value: Int) throws(ModelError) -> Int32 {
        guard let number = Int32(exactly: value) else { throw .invalidValue(key: key, value: String(value), expected: "an int32") }
        return number
    }

    func int32s(_ key: String) throws(ModelError) -> [Int32] {
        var result = [Int32]()
        for value in try ints(key) { result.append(try int32(key, value)) }
        return result
    }
}
