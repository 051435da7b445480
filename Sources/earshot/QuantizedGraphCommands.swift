import JSON
import Converter
import Frontend
import Model
import NumPyFile
import Runtime
import SystemFile

/// The `convert`, `infer` and `inspect` work for imported TFLite models (quantized graphs); the
/// subcommands call in here when the input is a `.tflite` file or an `earshot-qgraph` model.
enum QuantizedGraphCommands {
    /// `earshot convert MODEL.tflite -o OUT.earshot [--manifest M.json]`: the manifest defaults to
    /// the JSON with the model's stem beside it, when present.
    static func convert(input: String, manifest: String?, output: String, kernels: TFLiteImporter.Kernels) throws {
        let bytes = try SystemFile.readAll(path: input)
        let stem = input.hasSuffix(".tflite") ? String(input.dropLast(7)) : input
        var parsed: MicroManifest? = nil
        // The manifest beside the model (same stem) is optional; --manifest must exist.
        let text = manifest != nil ? try SystemFile.readAll(path: manifest!) : try? SystemFile.readAll(path: stem + ".json")
        if let text {
            let where_ = manifest ?? stem + ".json"
            switch Result(catching: { () throws(TFLiteError) -> MicroManifest in try MicroManifest.parse(text) }) {
            case let .success(value): parsed = value
            case let .failure(error): throw CLIError("'\(where_)': \(error.description)")
            }
        }
        let graph: QuantizedGraph
        switch Result(catching: { () throws(TFLiteError) -> QuantizedGraph in
            try TFLiteImporter.importModel(bytes: bytes, manifest: parsed, kernels: kernels)
        }) {
        case let .success(value): graph = value
        case let .failure(error): throw CLIError("'\(input)': \(error.description)")
        }
        try QuantizedGraphFile.write(graph, to: output)
        let back = try QuantizedGraphFile.read(path: output)
        let network = try QuantizedNetwork(graph: back)
        print("wrote \(output): TFLite int8 graph, \(back.operations.count) operations, \(back.variableInitialValues.count) state variables, input [\(back.input.frames), \(back.input.width)] -> \(back.output.width), arena \(network.arenaByteCount) bytes, kernels \(kernels.rawValue), wake word '\(back.wakeWord.name)'")
    }

    /// Reads imported models for one stream (`detect --stream` / `listen` with several --model):
    /// a file that cannot be read, or is not an imported model, is named in the error.
    static func readModels(paths: [String]) throws -> [QuantizedGraph] {
        try paths.map { path in
            guard isQuantizedGraph(path: path) else {
                _ = try SystemFile.readAll(path: path)  // A missing file: its own error.
                throw CLIError("'\(path)' is not an imported microWakeWord model; several --model options run together "
                               + "only for those (earshot convert MODEL.tflite)")
            }
            return try QuantizedGraphFile.read(path: path)
        }
    }

    static func isQuantizedGraph(path: String) -> Bool {
        guard let bytes = try? SystemFile.readAll(path: path) else { return false }
        return QuantizedGraphFile.isQuantizedGraph(bytes)
    }

    /// `earshot infer` for a quantized graph: features [T, F] (float, as pymicro-features gives
    /// them; or computed from `wav` by the model's `micro` front end) -> one output row per network
    /// step (every `frames` rows), float32 [T / frames, C].
    static func infer(model: String, features: String?, wav: String?, out: String) throws {
        let graph = try QuantizedGraphFile.read(path: model)
        let network = try QuantizedNetwork(graph: graph)
        let frames: [Float]
        let rowCount: Int
        let width = network.featureWidth
        if let features {
            let array = try NumPyFormat.parse(SystemFile.readAll(path: features))
            guard array.shape.count == 2, array.shape[1] == width else {
                throw CLIError("'\(features)' has shape \(array.shape); the model needs [T, \(width)]")
            }
            guard array.elementType == .float32 || array.elementType == .float64 else {
                throw CLIError("'\(features)' holds \(array.elementType.rawValue); expected float32 or float64")
            }
            frames = array.floats()
            rowCount = array.shape[0]
        } else if let wav {
            (frames, rowCount) = try microFeatures(wav: wav, graph: graph, width: width)
        } else {
            throw CLIError("give the input as --wav CLIP.wav or --features F.npy")
        }
        let perStep = network.framesPerStep
        let steps = rowCount / perStep
        let size = network.outputSize
        var outputs = [Float](repeating: 0, count: steps * size)
        frames.withUnsafeBufferPointer { input in
            for step in 0..<steps {
                network.setInput(features: input.baseAddress! + step * perStep * width)
                let result = network.step()
                for c in 0..<size { outputs[step * size + c] = result[c] }
            }
        }
        try SystemFile.writeAtomically(NumPyFormat.serialize(NumPyArray(shape: [steps, size], floats: outputs)), to: out)
    }

    /// The model's own front end (`micro`, TensorFlow Lite Micro's, as pymicro-features computes it)
    /// over a WAV file resampled to its rate: float features [T, width], row-major.
    private static func microFeatures(wav: String, graph: QuantizedGraph, width: Int) throws -> ([Float], Int) {
        let wake = graph.wakeWord
        guard wake.frontendPreset == FrontendPreset.micro.rawValue else {
            throw CLIError("--wav: this model's front end is '\(wake.frontendPreset)', which Earshot does not compute; pass --features")
        }
        let config = FrontendConfig.micro(stepMilliseconds: wake.featureStepMilliseconds, channelCount: width)
        let extractor = try FeatureExtractor(config: config)
        var resamplers: [Int: PolyphaseResampler] = [:]
        let clip = try AudioClip.read(wav, rate: config.sampleRate, resamplers: &resamplers)
        let rows = extractor.features(of: clip.samples)
        return (rows.flatMap { $0 }, rows.count)
    }

    static func inspect(path: String, json: Bool) throws {
        let graph = try QuantizedGraphFile.read(path: path)
        let network = try QuantizedNetwork(graph: graph)
        var counts: [String: Int] = [:]
        var weights = 0
        for operation in graph.operations {
            counts[operation.kindName, default: 0] += 1
            if case let .convolution(c) = operation { weights += c.weights.count }
            if case let .elementwise(e) = operation { weights += e.first.constant.count + e.second.constant.count }
        }
        let wake = graph.wakeWord
        let state = graph.variableInitialValues.reduce(0) { $0 + $1.count }
        if json {
            let port = { (p: QuantizedPort) -> JSON in
                .members([("frames", .int(p.frames)), ("width", .int(p.width)), ("scale", .double(Double(p.scale))),
                          ("zero_point", .int(p.zeroPoint)), ("type", .string(p.unsigned ? "uint8" : "int8"))])
            }
            let summary: JSON = .members([
                ("model", .string(path)),
                ("format", .string("earshot-qgraph")),
                ("wake_word", .string(wake.name)),
                ("probability_cutoff", .double(wake.probabilityCutoff)),
                ("sliding_window", .int(wake.slidingWindow)),
                ("frontend", .string(wake.frontendPreset)),
                ("feature_step_ms", .int(wake.featureStepMilliseconds)),
                ("input", port(graph.input)),
                ("output", port(graph.output)),
                ("operations", .array(graph.operations.enumerated().map { index, operation in
                    .members([("index", .int(index)), ("kind", .string(operation.kindName))])
                })),
                ("operation_counts", .members(counts.keys.sorted().map { ($0, .int(counts[$0]!)) })),
                ("state_variables", .int(graph.variableInitialValues.count)),
                ("state_bytes", .int(state)),
                ("int8_weights", .int(weights)),
                ("kernel_path", .string(network.kernelPath.description)),
                ("arena_bytes", .int(network.arenaByteCount)),
                ("manifest_tensor_arena_size", .int(wake.tensorArenaBytes)),
            ])
            print(summary.serialized(indent: 2))
            return
        }
        print("model: \(path) (TFLite int8 graph, earshot-qgraph)")
        print("wake word: '\(wake.name)', probability cutoff \(wake.probabilityCutoff), sliding window \(wake.slidingWindow) steps")
        print("front end: \(wake.frontendPreset), feature step \(wake.featureStepMilliseconds) ms; \(graph.input.frames) frames x \(graph.input.width) features per step (input scale \(graph.input.scale), zero point \(graph.input.zeroPoint))")
        print("output: \(graph.output.width) x \(graph.output.unsigned ? "uint8" : "int8") (scale \(graph.output.scale), zero point \(graph.output.zeroPoint))")
        print("operations: \(graph.operations.count) — " + counts.keys.sorted().map { "\($0) \(counts[$0]!)" }.joined(separator: ", "))
        print("state: \(graph.variableInitialValues.count) variables, \(state) bytes; int8 weights \(weights)")
        print("arena: \(network.arenaByteCount) bytes (manifest tensor_arena_size \(wake.tensorArenaBytes))")
    }
}
