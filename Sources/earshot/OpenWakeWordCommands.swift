import Converter
import Frontend
import Model
import NumPyFile
import Runtime
import SystemFile

/// openWakeWord models (issue 15): `convert --openwakeword-features`, `inspect` and `infer --wav`.
enum OpenWakeWordCommands {
    static func isOpenWakeWord(path: String) -> Bool {
        guard let bytes = try? SystemFile.readAll(path: path) else { return false }
        return OpenWakeWordFile.isOpenWakeWord(bytes)
    }

    /// The network file `stem` in `directory`, as .onnx or .tflite (exactly one of them).
    static func featureFile(_ directory: String, _ stem: String) throws -> OpenWakeWordImporter.Source {
        let candidates = ["onnx", "tflite"].map { directory + "/" + stem + "." + $0 }.filter { FileSystem.exists($0) }
        guard candidates.count == 1 else {
            throw CLIError(candidates.isEmpty ? "'\(directory)' holds no \(stem).onnx or \(stem).tflite"
                : "'\(directory)' holds both \(stem).onnx and \(stem).tflite; keep the one to use")
        }
        return OpenWakeWordImporter.Source(name: candidates[0], bytes: try SystemFile.readAll(path: candidates[0]))
    }

    /// `labels`: a multi-class head's class names (empty: one score); `keywordThresholds`: their own thresholds.
    static func convert(head: String, features: String, name: String?, threshold: Double? = nil, labels: [String] = [],
                        keywordThresholds: [String: Double] = [:], embeddingWeights: OpenWakeWordEmbeddingWeights = .fp32,
                        headWeights: OpenWakeWordEmbeddingWeights = .fp32, output: String) throws {
        let lower = head.lowercased()
        guard lower.hasSuffix(".onnx") || lower.hasSuffix(".tflite") else {
            throw CLIError("'\(head)': an openWakeWord head is a .onnx or .tflite file")
        }
        let file = String(head.split(separator: "/").last ?? "model")
        let stem = String(file.dropLast(lower.hasSuffix(".onnx") ? 5 : 7))
        var model: OpenWakeWordModel
        do {
            model = try OpenWakeWordImporter.importModel(
                name: name ?? stem, head: .init(name: head, bytes: try SystemFile.readAll(path: head)),
                melspectrogram: try featureFile(features, "melspectrogram"), embedding: try featureFile(features, "embedding_model"),
                labels: labels)
        } catch let error as OpenWakeWordImportError {
            throw CLIError("\(error)")
        }
        model.threshold = threshold
        model.keywordThresholds = keywordThresholds
        model.embeddingWeights = embeddingWeights
        model.headWeights = headWeights
        try OpenWakeWordFile.write(model, to: output)
        let loaded = try OpenWakeWordFile.read(path: output)
        let verifier = loaded.verifier.map { ", verifier \($0.stack.layers.count) layers from score \($0.threshold)" } ?? ""
        let gru = loaded.recurrent.map { ", GRU(\($0.hiddenSize)) before the head" } ?? ""
        let classes = loaded.labels.isEmpty ? "" : ", \(loaded.labels.count) classes"
        print("wrote \(output): openWakeWord '\(loaded.name)', embedding \(loaded.embedding.layers.count) layers (\(loaded.embeddingWeights.rawValue)), head \(loaded.head.layers.count) layers (\(loaded.headWeights.rawValue))\(classes)\(gru)\(verifier)")
    }

    static func inspect(path: String, json: Bool = false) throws {
        let model = try OpenWakeWordFile.read(path: path)
        if json { return print(try inspectJSON(model).serialized(indent: 2)) }
        let mel = model.mel
        print("openWakeWord model '\(model.name)' (\(OpenWakeWordFile.architecture))")
        if let threshold = model.threshold { print("  threshold \(threshold) (stored in the model)") }
        if !model.labels.isEmpty {
            print("  \(model.labels.count) classes (softmax over the head's scores): \(model.labels.joined(separator: ", "))")
            for name in model.labels { if let value = model.keywordThresholds[name] { print("  threshold for '\(name)': \(value) (stored)") } }
        }
        print("  embedding weights at run time: \(model.embeddingWeights.rawValue); head dense weights: \(model.headWeights.rawValue)")
        print("  chunk \(model.chunkSamples) samples; mel: frame \(mel.frameLength), hop \(mel.hop), \(mel.bins) bins -> \(mel.mels) mels, top dB \(mel.topDB)")
        if let gru = model.recurrent {
            print("  recurrent head: GRU \(gru.inputSize) -> \(gru.hiddenSize)\(gru.resetAfter ? " (reset after)" : ""), stepped once per chunk, state carried; the head reads its state")
        }
        var parts = [("embedding", model.embedding), ("head", model.head)]
        if let verifier = model.verifier { parts.append(("verifier (the score when the head's is >= \(verifier.threshold))", verifier.stack)) }
        for (part, stack) in parts {
            let shapes = try stack.shapes()
            print("  \(part): input \(stack.input)")
            for (index, layer) in stack.layers.enumerated() { print("    \(index) \(layer.kindName) -> \(shapes[index])") }
        }
    }

    /// Scores per 80 ms chunk: row k is every model's scores (all of a multi-class head's, model after
    /// model) after sample chunk·(k+1) of the clip.
    /// `precision`: the embedding weights to run (nil: what the models store).
    static func infer(models paths: [String], wav: String, out: String, precision: String? = nil) throws {
        let embeddingPrecision = try precision.map { (name: String) throws(CLIError) -> FloatLayerRunner.Precision in
            guard let value = FloatLayerRunner.Precision(rawValue: name) else { throw CLIError("--embedding-weights must be fp32, fp16 or int8") }
            return value
        }
        var models = [OpenWakeWordModel]()
        for path in paths { models.append(try OpenWakeWordFile.read(path: path)) }
        let stream = try OpenWakeWordStream(models: models, embeddingPrecision: embeddingPrecision)
        var resamplers = [Int: PolyphaseResampler]()
        let clip = try AudioClip.read(wav, rate: 16000, resamplers: &resamplers)
        let samples = clip.samples.map { $0 * 32768 }
        let rows = samples.count / stream.chunkSamples
        let width = stream.rowWidth
        var scores = [Float](repeating: 0, count: max(rows, 1) * width)
        let written = samples.withUnsafeBufferPointer { input in
            scores.withUnsafeMutableBufferPointer { stream.process(input, rows: $0.baseAddress!, rowCapacity: rows) }
        }
        let array = NumPyArray(shape: [written, width], floats: Array(scores.prefix(written * width)))
        try SystemFile.writeAtomically(NumPyFormat.serialize(array), to: out)
    }
}
