import SystemFile

/// Reads and writes openWakeWord models as GGUF files with `general.architecture = "earshot-oww"`
/// (keys in docs/openwakeword.md). Weights are 1-D float32 tensors `oww.<part>.<n>.<w|b>`.
public enum OpenWakeWordFile {
    public static let architecture = "earshot-oww"
    public static let formatVersion: UInt32 = 1
    static let prefix = "earshot.oww."
    /// `earshot.oww.thresholds.NAME`: a multi-class head's threshold for label NAME.
    static let thresholdsPrefix = "thresholds."

    /// Whether `bytes` is a GGUF file of this architecture.
    public static func isOpenWakeWord(_ bytes: [UInt8]) -> Bool {
        GGUF.architectureName(bytes) == architecture
    }

    public static func serialize(_ model: OpenWakeWordModel) throws(ModelError) -> [UInt8] {
        try model.validate()
        var keys = GGUFWriter()
        var keyCount: UInt64 = 0
        var tensors: [(String, [Float])] = []
        keys.keyString(ModelKey.architecture, architecture); keyCount += 1
        keys.keyU32(ModelKey.alignment, UInt32(GGUF.defaultAlignment)); keyCount += 1
        keys.keyU32(prefix + "version", formatVersion); keyCount += 1
        keys.keyString(prefix + "name", model.name); keyCount += 1
        if let threshold = model.threshold { keys.keyF64(prefix + "threshold", threshold); keyCount += 1 }
        if !model.labels.isEmpty { keys.keyStrings(prefix + "labels", model.labels); keyCount += 1 }
        // Written only when not fp32, so files made before the key existed keep their bytes.
        if model.embeddingWeights != .fp32 { keys.keyString(prefix + "embedding.weights", model.embeddingWeights.rawValue); keyCount += 1 }
        if model.headWeights != .fp32 { keys.keyString(prefix + "head.weights", model.headWeights.rawValue); keyCount += 1 }
        for name in model.keywordThresholds.keys.sorted() {
            keys.keyF64(prefix + thresholdsPrefix + name, model.keywordThresholds[name] ?? 0); keyCount += 1
        }
        func ints(_ key: String, _ values: [Int]) { keys.keyInts(prefix + key, values.map { Int64($0) }); keyCount += 1 }
        func floats(_ key: String, _ values: [Float]) { keys.keyFloats(prefix + key, values); keyCount += 1 }
        ints("geometry", [model.chunkSamples, model.embeddingFrames, model.headEmbeddings])
        let mel = model.mel
        ints("mel.sizes", [mel.frameLength, mel.hop, mel.bins, mel.mels])
        floats("mel.scalars", mel.scalars)
        tensors += [("oww.mel.dft_real", mel.dftReal), ("oww.mel.dft_imag", mel.dftImaginary), ("oww.mel.bias_real", mel.biasReal),
                    ("oww.mel.bias_imag", mel.biasImaginary), ("oww.mel.filters", mel.filters)]
        if let recurrent = model.recurrent {
            ints("recurrent.sizes", [recurrent.inputSize, recurrent.hiddenSize, recurrent.resetAfter ? 1 : 0])
            tensors += [("oww.recurrent.w", recurrent.inputWeights), ("oww.recurrent.r", recurrent.recurrentWeights),
                        ("oww.recurrent.wb", recurrent.inputBias), ("oww.recurrent.rb", recurrent.recurrentBias)]
        }
        var parts = [("embedding", model.embedding), ("head", model.head)]
        if let verifier = model.verifier {
            floats("verifier.threshold", [verifier.threshold])
            parts.append(("verifier", verifier.stack))
        }
        for (part, stack) in parts {
            ints(part + ".input", [stack.input.height, stack.input.width, stack.input.channels])
            keys.keyU32(prefix + part + ".count", UInt32(stack.layers.count)); keyCount += 1
            for (index, layer) in stack.layers.enumerated() {
                let key = "\(part).\(index)."
                let tensor = "oww.\(part).\(index)."
                keys.keyString(prefix + key + "kind", layer.kindName); keyCount += 1
                switch layer {
                case let .convolution(c):
                    ints(key + "ints", c.geometry)
                    tensors += [(tensor + "w", c.weights), (tensor + "b", c.bias)]
                case let .leakyRelu(alpha): floats(key + "floats", [alpha])
                case let .maximum(value): floats(key + "floats", [value])
                case let .maxPool(height, width, strideHeight, strideWidth): ints(key + "ints", [height, width, strideHeight, strideWidth])
                case let .dense(outputs, weights, bias, activation):
                    ints(key + "ints", [outputs, activation.rawValue])
                    tensors += [(tensor + "w", weights), (tensor + "b", bias)]
                case let .layerNorm(epsilon, gamma, beta, activation):
                    ints(key + "ints", [activation.rawValue])
                    floats(key + "floats", [epsilon])
                    tensors += [(tensor + "w", gamma), (tensor + "b", beta)]
                case .relu, .sigmoid, .softmax: break
                }
            }
        }
        var file = GGUFWriter()
        let alignment = GGUF.defaultAlignment
        file.bytes.append(contentsOf: GGUF.magic)
        file.u32(GGUF.version)
        file.u64(UInt64(tensors.count))
        file.u64(keyCount)
        file.bytes.append(contentsOf: keys.bytes)
        var offset = 0
        for (name, values) in tensors {
            file.string(name)
            file.u32(1)
            file.u64(UInt64(values.count))
            file.u32(TensorType.float32.rawValue)
            file.u64(UInt64(offset))
            offset += (values.count * 4 + alignment - 1) / alignment * alignment
        }
        file.pad(to: alignment)
        for (_, values) in tensors {
            for value in values { file.u32(value.bitPattern) }
            file.pad(to: alignment)
        }
        return file.bytes
    }

    public static func write(_ model: OpenWakeWordModel, to path: String) throws(ModelError) {
        let bytes = try serialize(model)
        do { try SystemFile.writeAtomically(bytes, to: path) } catch { throw .file(error) }
    }

    public static func read(path: String) throws(ModelError) -> OpenWakeWordModel {
        let bytes: [UInt8]
        do { bytes = try SystemFile.readAll(path: path) } catch { throw .file(error) }
        return try parse(bytes)
    }
}
