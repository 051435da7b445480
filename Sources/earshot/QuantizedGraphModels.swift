// The `infer`, `inspect`, `detect --stream` and `listen` work for imported TFLite models (quantized
// graphs), apart from the TFLite importer so the static aarch64 build (Aarch64/earshot) runs the same
// code. Typed throws: Embedded Swift has no `any Error`.
import Frontend
import JSON
import Model
import NumPyFile
import Runtime
import SystemFile

/// Imported microWakeWord models (`earshot-qgraph` files): the subcommands call in here when the
/// model is one.
enum QuantizedGraphModels {
    /// The imported model at `path`.
    static func read(_ path: String) throws(CLIError) -> QuantizedGraph {
        do { return try QuantizedGraphFile.read(path: path) } catch { throw CLIError(error.description) }
    }

    /// A runnable network for `graph`.
    static func makeNetwork(_ graph: QuantizedGraph) throws(CLIError) -> QuantizedNetwork {
        do { return try QuantizedNetwork(graph: graph) } catch { throw CLIError(error.description) }
    }

    static func isQuantizedGraph(path: String) -> Bool {
        do throws(SystemFileError) {
            return QuantizedGraphFile.isQuantizedGraph(try SystemFile.readAll(path: path))
        } catch {
            return false
        }
    }

    /// `earshot infer` for a quantized graph: features [T, F] (float, as pymicro-features gives
    /// them; or computed from `wav` by the model's `micro` front end) -> one output row per network
    /// step (every `frames` rows), float32 [T / frames, C].
    static func infer(model: String, features: String?, wav: String?, out: String) throws(CLIError) {
        let graph = try read(model)
        let network = try makeNetwork(graph)
        let frames: [Float]
        let rowCount: Int
        let width = network.featureWidth
        if let features {
            let array: NumPyArray
            let bytes: [UInt8]
            do { bytes = try SystemFile.readAll(path: features) } catch { throw CLIError(error.description) }
            do { array = try NumPyFormat.parse(bytes) } catch { throw CLIError(error.description) }
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
        do {
            try SystemFile.writeAtomically(NumPyFormat.serialize(NumPyArray(shape: [steps, size], floats: outputs)), to: out)
        } catch {
            throw CLIError(error.description)
        }
    }

    /// The model's own front end (`micro`, TensorFlow Lite Micro's, as pymicro-features computes it)
    /// over a WAV file resampled to its rate: float features [T, width], row-major.
    private static func microFeatures(wav: String, graph: QuantizedGraph, width: Int) throws(CLIError) -> ([Float], Int) {
        let wake = graph.wakeWord
        guard wake.frontendPreset == FrontendPreset.micro.rawValue else {
            throw CLIError("--wav: this model's front end is '\(wake.frontendPreset)', which Earshot does not compute; pass --features")
        }
        let config = FrontendConfig.micro(stepMilliseconds: wake.featureStepMilliseconds, channelCount: width)
        let extractor: FeatureExtractor
        do { extractor = try FeatureExtractor(config: config) } catch { throw CLIError(error.description) }
        var resamplers: [Int: PolyphaseResampler] = [:]
        let clip = try AudioClip.read(wav, rate: config.sampleRate, resamplers: &resamplers)
        let rows = extractor.features(of: clip.samples)
        return (rows.flatMap { $0 }, rows.count)
    }

    static func inspect(path: String, json: Bool = false) throws(CLIError) {
        let graph = try read(path)
        let network = try makeNetwork(graph)
        var counts: [String: Int] = [:]
        var weights = 0
        for operation in graph.operations {
            counts[operation.kindName, default: 0] += 1
            if case let .convolution(c) = operation { weights += c.weights.count }
            if case let .elementwise(e) = operation { weights += e.first.constant.count + e.second.constant.count }
        }
        let state = graph.variableInitialValues.reduce(0) { $0 + $1.count }
        if json {
            print(inspectJSON(path: path, graph: graph, network: network, counts: counts, weights: weights, stateBytes: state)
                .serialized(indent: 2))
            return
        }
        let wake = graph.wakeWord
        print("model: \(path) (TFLite int8 graph, earshot-qgraph)")
        print("wake word: '\(wake.name)', probability cutoff \(wake.probabilityCutoff), sliding window \(wake.slidingWindow) steps")
        print("front end: \(wake.frontendPreset), feature step \(wake.featureStepMilliseconds) ms; \(graph.input.frames) frames x \(graph.input.width) features per step (input scale \(graph.input.scale), zero point \(graph.input.zeroPoint))")
        print("output: \(graph.output.width) x \(graph.output.unsigned ? "uint8" : "int8") (scale \(graph.output.scale), zero point \(graph.output.zeroPoint))")
        print("operations: \(graph.operations.count) — " + counts.keys.sorted().map { "\($0) \(counts[$0]!)" }.joined(separator: ", "))
        print("state: \(graph.variableInitialValues.count) variables, \(state) bytes; int8 weights \(weights)")
        print("arena: \(network.arenaByteCount) bytes (manifest tensor_arena_size \(wake.tensorArenaBytes))")
    }

    /// `inspect --json` for an imported graph: the same facts as the text, as one object.
    private static func inspectJSON(path: String, graph: QuantizedGraph, network: QuantizedNetwork, counts: [String: Int],
                                    weights: Int, stateBytes: Int) -> JSON {
        let wake = graph.wakeWord
        let port = { (p: QuantizedPort) -> JSON in
            .members([("frames", .int(p.frames)), ("width", .int(p.width)), ("scale", .double(Double(p.scale))),
                      ("zero_point", .int(p.zeroPoint)), ("type", .string(p.unsigned ? "uint8" : "int8"))])
        }
        return .members([
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
            ("state_bytes", .int(stateBytes)),
            ("int8_weights", .int(weights)),
            ("kernel_path", .string(network.kernelPath.description)),
            ("arena_bytes", .int(network.arenaByteCount)),
            ("manifest_tensor_arena_size", .int(wake.tensorArenaBytes)),
        ])
    }
}
