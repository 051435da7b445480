import ArgumentParser
import Converter
import Model
import Pipeline
import SystemFile

/// `earshot convert`: import a trained model and write an Earshot model file.
struct ConvertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Convert an ONNX model, or weights with a layer manifest, into an Earshot model file.",
        discussion: """
            Imports LSTM, GRU and RNN layers (forward or bidirectional) and the dense, activation, softmax and \
            layout operators that PyTorch's and tf2onnx's exports put around them, a first Conv (2-D, or 1-D \
            over time), and attention pooling. Bidirectional and attention models run windowed (the graph's \
            fixed time length, or --window-frames). Anything the runtime cannot run exactly is refused with \
            an error naming the node and the attribute or operator.
            With --manifest, INPUT is a weight archive (.npz or .safetensors) from PyTorch, Keras, TensorFlow 1 \
            or ONNX, and the manifest says which layers it holds and under which keys.
            The output is written atomically: on any error, an existing OUT is left untouched.
            """
    )

    @Argument(help: "The trained model (.onnx), or a weight archive (.npz, .safetensors) with --manifest.")
    var input: String

    @Option(help: ArgumentHelp(
        "A layer manifest (JSON) saying how to read the weight archive INPUT: layers, attributes, "
            + "framework convention (pytorch, keras, tf1, onnx) and archive keys (docs/manifest.md).",
        valueName: "manifest.json"))
    var manifest: String?

    @Option(name: [.short, .customLong("output")], help: "Where to write the Earshot model file (.earshot).")
    var output: String

    @OptionGroup(title: "Weights")
    var quantization: QuantizationOptions

    @Option(help: "Comma-separated class labels, one per output (stored in the model). With --openwakeword-features: a multi-class head's classes (e.g. _silence_,_unknown_,yes,...; labels starting with _ give no events).")
    var labels: String?

    @OptionGroup(title: "Front end (stored in the model)")
    var frontend: FrontendOptions

    @OptionGroup(title: "Execution")
    var execution: ExecutionOptions

    // TFLite import (issue 14): which TFLite kernels' rounding to reproduce.
    @Option(help: "For a .tflite INPUT: reproduce TFLite's 'optimized' kernels (the TFLite library's default, as pymicro-wakeword runs) or its 'reference' kernels (as TFLite Micro).")
    var tfliteKernels: String = "optimized"

    // openWakeWord import (issue 15): the feature networks beside an openWakeWord head.
    @Option(help: ArgumentHelp(
        "INPUT is an openWakeWord head (.onnx or .tflite); DIR holds melspectrogram and embedding_model (.onnx or .tflite each).",
        valueName: "DIR"))
    var openwakewordFeatures: String?

    @Option(help: "With --openwakeword-features: the wake word's name (default: INPUT's file name).")
    var wakeWord: String?

    @Option(help: ArgumentHelp(
        "With --openwakeword-features: how the embedding CNN's convolution weights run, fp32 (as stored), fp16 or int8 (per output channel, converted at load); stored in the model.",
        valueName: "fp32|fp16|int8"))
    var embeddingWeights: OpenWakeWordEmbeddingWeights = .fp32

    @Option(help: ArgumentHelp(
        "With --openwakeword-features: how the head's dense layers' weights run, fp32 (as stored), fp16 or int8 (per output, converted at load); stored in the model.",
        valueName: "fp32|fp16|int8"))
    var headWeights: OpenWakeWordEmbeddingWeights = .fp32

    @Option(name: .customLong("threshold"), help: ArgumentHelp(
        "The detection threshold (0 to 1) to store in the model, for every keyword without its own.",
        discussion: "Earshot models: metadata detector.threshold; --openwakeword-features models: their own threshold field (default: none stored; listen uses 0.8, or 0.5 for openWakeWord models).",
        valueName: "value"))
    var wakeThreshold: Double?

    @Option(name: .customLong("keyword-threshold"), help: ArgumentHelp(
        "A keyword's own detection threshold to store in an Earshot model or a multi-class openWakeWord head, as NAME=VALUE (VALUE 0 to 1; NAME one of --labels); repeat for more keywords.",
        discussion: "Stored as metadata detector.thresholds.NAME. listen, detect --stream and serve use it unless --threshold or a board configuration sets one (see `earshot listen --help`, --threshold).",
        valueName: "NAME=VALUE"))
    var keywordThresholds: [String] = []

    func validate() throws {
        if let wakeThreshold {
            guard (0...1).contains(wakeThreshold) else { throw ValidationError("--threshold must be 0 to 1 (got \(wakeThreshold))") }
            guard !input.lowercased().hasSuffix(".tflite") else { throw ValidationError("--threshold does not apply to .tflite imports (their manifest's probability_cutoff is used)") }
        }
        if !keywordThresholds.isEmpty {
            guard !input.lowercased().hasSuffix(".tflite") || openwakewordFeatures != nil else {
                throw ValidationError("--keyword-threshold applies to Earshot models (ONNX or manifest imports) and openWakeWord heads with --labels only")
            }
            _ = try Self.parseKeywordThresholds(keywordThresholds)
        }
    }

    func run() throws {
        if let openwakewordFeatures {
            let classes = labels.map { $0.split(separator: ",", omittingEmptySubsequences: false).map { String($0) } } ?? []
            return try OpenWakeWordCommands.convert(head: input, features: openwakewordFeatures, name: wakeWord,
                                                    threshold: wakeThreshold, labels: classes,
                                                    keywordThresholds: try Self.parseKeywordThresholds(keywordThresholds),
                                                    embeddingWeights: embeddingWeights, headWeights: headWeights, output: output)
        }
        // TFLite import (issue 14): int8 streaming models become quantized graphs.
        if input.lowercased().hasSuffix(".tflite") {
            guard let kernels = TFLiteImporter.Kernels(rawValue: tfliteKernels) else {
                throw CLIError("--tflite-kernels must be 'optimized' or 'reference'")
            }
            return try QuantizedGraphCommands.convert(input: input, manifest: manifest, output: output, kernels: kernels)
        }
        let bytes = try SystemFile.readAll(path: input)
        var imported: ImportedModel
        if let manifest {
            do {
                imported = try ManifestImporter.importModel(manifest: SystemFile.readAll(path: manifest), weights: bytes)
            } catch let error as ManifestError {
                if case .archive(let archiveError) = error { throw CLIError("'\(input)': \(archiveError)") }
                throw CLIError("'\(manifest)': \(error)")
            }
        } else {
            guard input.lowercased().hasSuffix(".onnx") else {
                throw CLIError("'\(input)': not an ONNX model (.onnx); a weight archive (.npz, .safetensors) needs --manifest")
            }
            imported = try ONNXImporter.importModel(bytes: bytes)
        }
        if let labels {
            let list = labels.split(separator: ",").map { String($0) }
            guard list.count == imported.description.outputSize else {
                throw CLIError("--labels has \(list.count) names but the model has \(imported.description.outputSize) outputs")
            }
            imported.description.labels = list
        }
        if let config = try frontend.config() { imported.description.frontend = config }
        if let mode = try execution.mode() { imported.description.execution = mode }
        try storeThresholds(in: &imported.description)
        imported = try quantization.apply(to: imported)
        try ModelWriter.write(imported.description, tensors: imported.tensors, to: output)
        // Read back what we wrote, so a converted file is known to load.
        let model = try ModelFile(path: output)
        let description = model.description
        print("wrote \(output): \(description.layers.count) layers, \(description.inputSize) -> \(description.outputSize), \(model.fileByteCount) bytes, weights \(quantization.weights)")
    }
}
