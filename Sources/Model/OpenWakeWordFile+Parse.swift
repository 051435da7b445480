extension OpenWakeWordFile {
    /// Parses and validates an openWakeWord model file. Every count, size and offset is checked;
    /// a hostile file gives a `ModelError` naming the key or tensor, never a crash.
    public static func parse(_ bytes: [UInt8]) throws(ModelError) -> OpenWakeWordModel {
        let result: Result<OpenWakeWordModel, ModelError> = bytes.withUnsafeBytes { raw in
            do throws(ModelError) { return .success(try parse(raw)) } catch { return .failure(error) }
        }
        return try result.get()
    }

    private static func parse(_ bytes: UnsafeRawBufferPointer) throws(ModelError) -> OpenWakeWordModel {
        var cursor = GGUFCursor(bytes)
        let (keys, tensorCount) = try GGUF.readKeys(&cursor, architecture: architecture, versionKey: prefix + "version", formatVersion: formatVersion)

        // Tensor table: only 1-D float32 tensors, each named once and used once.
        var table = try GGUF.readFlatTensorTable(&cursor, count: tensorCount, type: .float32, maximumElements: FloatLayerStack.maximumElements)
        let alignment = GGUF.defaultAlignment
        let dataStart = (cursor.offset + alignment - 1) / alignment * alignment
        func floats(_ name: String) throws(ModelError) -> [Float] {
            guard let entry = table.removeValue(forKey: name) else { throw .missingTensor(name) }
            let size = entry.count * 4
            guard dataStart <= bytes.count, entry.offset <= bytes.count - dataStart,
                  size <= bytes.count - dataStart - entry.offset else {
                throw .tensorOutOfBounds(name: name, offset: UInt64(entry.offset), size: size, fileSize: bytes.count)
            }
            let start = dataStart + entry.offset
            return (0..<entry.count).map { Float(bitPattern: bytes.loadUnaligned(fromByteOffset: start + 4 * $0, as: UInt32.self)) }
        }
        func scalars(_ key: String, count: Int) throws(ModelError) -> [Float] {
            guard case let .floatArray(numbers, _) = try keys.value(prefix + key), numbers.count == count else {
                throw .invalidValue(key: prefix + key, value: "\(try keys.value(prefix + key).typeName)", expected: "\(count) floats")
            }
            return numbers.map { Float($0) }
        }

        let geometry = try keys.ints(prefix + "geometry", count: 3)
        let sizes = try keys.ints(prefix + "mel.sizes", count: 4)
        let s = try scalars("mel.scalars", count: 10)
        var mel = OpenWakeWordMel(
            frameLength: sizes[0], hop: sizes[1], bins: sizes[2], mels: sizes[3],
            dftReal: try floats("oww.mel.dft_real"), dftImaginary: try floats("oww.mel.dft_imag"),
            biasReal: try floats("oww.mel.bias_real"), biasImaginary: try floats("oww.mel.bias_imag"), filters: try floats("oww.mel.filters"),
            powerFloor: s[0], powerCeiling: s[1], logMultiplier: s[2], logDivisor: s[3], divides: s[4] != 0,
            dbOffset: s[5], dbCeiling: s[6], topDB: s[7])
        (mel.outputDivisor, mel.outputOffset) = (s[8], s[9])

        func stack(_ part: String) throws(ModelError) -> FloatLayerStack {
            let input = try keys.ints(prefix + part + ".input", count: 3)
            let layerCount = try keys.count(prefix + part + ".count")
            var layers = [FloatLayer]()
            for index in 0..<layerCount {
                let key = "\(part).\(index)."
                let tensor = "oww.\(part).\(index)."
                func activation(_ raw: Int) throws(ModelError) -> FloatActivation {
                    guard let value = FloatActivation(rawValue: raw) else {
                        throw .invalidValue(key: prefix + key + "ints", value: String(raw), expected: "activation 0 (none) or 1 (relu)")
                    }
                    return value
                }
                switch try keys.string(prefix + key + "kind") {
                case "conv2d":
                    let g = try keys.ints(prefix + key + "ints", count: 10)
                    layers.append(.convolution(FloatConvolution(
                        kernelHeight: g[0], kernelWidth: g[1], inputChannels: g[2], outputChannels: g[3], strideHeight: g[4], strideWidth: g[5],
                        padTop: g[6], padBottom: g[7], padLeft: g[8], padRight: g[9], weights: try floats(tensor + "w"), bias: try floats(tensor + "b"))))
                case "leaky_relu": layers.append(.leakyRelu(alpha: try scalars(key + "floats", count: 1)[0]))
                case "maximum": layers.append(.maximum(try scalars(key + "floats", count: 1)[0]))
                case "max_pool":
                    let g = try keys.ints(prefix + key + "ints", count: 4)
                    layers.append(.maxPool(height: g[0], width: g[1], strideHeight: g[2], strideWidth: g[3]))
                case "dense":
                    let g = try keys.ints(prefix + key + "ints", count: 2)
                    layers.append(.dense(outputs: g[0], weights: try floats(tensor + "w"), bias: try floats(tensor + "b"), activation: try activation(g[1])))
                case "layer_norm":
                    let g = try keys.ints(prefix + key + "ints", count: 1)
                    layers.append(.layerNorm(epsilon: try scalars(key + "floats", count: 1)[0], gamma: try floats(tensor + "w"),
                                             beta: try floats(tensor + "b"), activation: try activation(g[0])))
                case "relu": layers.append(.relu)
                case "sigmoid": layers.append(.sigmoid)
                case "softmax": layers.append(.softmax)
                case let other:
                    throw .invalidValue(key: prefix + key + "kind", value: other, expected: "conv2d, leaky_relu, maximum, max_pool, dense, layer_norm, relu, sigmoid or softmax")
                }
            }
            return FloatLayerStack(input: FloatShape(height: input[0], width: input[1], channels: input[2]), layers: layers)
        }
        var verifier: OpenWakeWordVerifier?
        if keys.values[prefix + "verifier.threshold"] != nil {
            verifier = OpenWakeWordVerifier(threshold: try scalars("verifier.threshold", count: 1)[0], stack: try stack("verifier"))
        }
        // The stored threshold is optional (imported heads have none); when present it must be a probability.
        var threshold: Double?
        if keys.values[prefix + "threshold"] != nil {
            let value = try keys.float(prefix + "threshold")
            guard (0...1).contains(value) else {
                throw .invalidValue(key: prefix + "threshold", value: String(value), expected: "a threshold in 0...1")
            }
            threshold = value
        }
        // A recurrent head (a GRU before the head stack) is optional; its sizes are checked again in validate().
        var recurrent: OpenWakeWordRecurrentHead?
        if keys.values[prefix + "recurrent.sizes"] != nil {
            let sizes = try keys.ints(prefix + "recurrent.sizes", count: 3)
            guard (0...1).contains(sizes[2]) else {
                throw .invalidValue(key: prefix + "recurrent.sizes", value: "\(sizes)", expected: "[input, hidden, reset-after 0 or 1]")
            }
            recurrent = OpenWakeWordRecurrentHead(
                inputSize: sizes[0], hiddenSize: sizes[1], resetAfter: sizes[2] == 1, inputWeights: try floats("oww.recurrent.w"),
                recurrentWeights: try floats("oww.recurrent.r"), inputBias: try floats("oww.recurrent.wb"), recurrentBias: try floats("oww.recurrent.rb"))
        }
        var model = OpenWakeWordModel(
            name: try keys.string(prefix + "name"), mel: mel, embedding: try stack("embedding"), head: try stack("head"),
            verifier: verifier, chunkSamples: geometry[0], embeddingFrames: geometry[1], headEmbeddings: geometry[2], threshold: threshold,
            recurrent: recurrent)
        (model.labels, model.keywordThresholds) = try labels(keys)
        model.embeddingWeights = try precision(keys, prefix + "embedding.weights")
        model.headWeights = try precision(keys, prefix + "head.weights")
        if let extra = table.keys.sorted().first { throw .unexpectedTensor(extra) }
        try model.validate()
        return model
    }

    /// A weight precision key (`embedding.weights`, `head.weights`): fp32 when absent (files made before it existed).
    private static func precision(_ keys: Keys, _ key: String) throws(ModelError) -> OpenWakeWordEmbeddingWeights {
        guard keys.values[key] != nil else { return .fp32 }
        let name = try keys.string(key)
        guard let weights = OpenWakeWordEmbeddingWeights(rawValue: name) else {
            throw .invalidValue(key: key, value: name, expected: "fp32, fp16 or int8")
        }
        return weights
    }

    /// A multi-class head's labels (`earshot.oww.labels`, strings) and per-label thresholds
    /// (`earshot.oww.thresholds.NAME`, numbers); their values are checked by `validate()`.
    private static func labels(_ keys: Keys) throws(ModelError) -> ([String], [String: Double]) {
        var labels = [String]()
        if let value = keys.values[prefix + "labels"] {
            guard case let .stringArray(strings) = value else {
                throw .wrongKeyType(key: prefix + "labels", expected: "array of string", found: value.typeName)
            }
            labels = strings
        }
        var thresholds = [String: Double]()
        let thresholdKey = prefix + thresholdsPrefix
        for key in keys.values.keys.sorted() where key.hasPrefix(thresholdKey) {
            thresholds[String(key.dropFirst(thresholdKey.count))] = try keys.float(key)
        }
        return (labels, thresholds)
    }
}
