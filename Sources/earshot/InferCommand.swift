import ArgumentParser

/// `earshot infer`: stream the rows of a features array through the network, one `step` per row.
struct InferCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "infer",
        abstract: "Stream a [T, F] float32 .npy array through a model, one step per row.",
        discussion: """
            Writes float32 [T, C] outputs, one row per step; for a model trained on fixed windows \
            (output mode last_step) only the final step's output, as [1, C]. The state starts at zero.
            A batch [N, T, F] holds N independent sequences: the state is reset to zero before each, \
            and the outputs are [N, T, C] (or [N, 1, C] for last_step models). A model whose first \
            layer is conv2d convolves each whole sequence as one window and writes [1, C] ([N, 1, C]).
            A bidirectional or attention model streams the frames through its window ring (the first \
            layer's forward direction advances per frame, each window re-runs the rest) and writes the \
            prediction of the last window, [1, C] ([N, 1, C]); given exactly W frames that is the model \
            run on those W frames.
            """
    )

    @Option(help: "The Earshot model file.")
    var model: String

    @Option(help: "Input features: a float32 .npy array of shape [T, F] (one stream) or [N, T, F] (N sequences, each from zero state), F = the model's input size.")
    var features: String?

    // TFLite import (issue 14): audio input for models whose front end Earshot computes.
    @Option(help: "Input audio (WAV) for imported TFLite models: computed through the model's own front end.")
    var wav: String?

    // openWakeWord models (issue 15): more wake words on the same stream, sharing the feature networks.
    @Option(name: .customLong("and-model"), help: "openWakeWord: another model on the same stream (repeatable); the mel and embedding networks run once for all, one score column per model.")
    var moreModels: [String] = []

    @Option(help: "openWakeWord: the embedding CNN's convolution weights, fp32 (as stored), fp16 or int8 (per output channel, converted at load); default: what the model stores (fp32 unless converted with --embedding-weights).")
    var embeddingWeights: String?

    @Option(help: "Where to write the outputs (.npy, float32).")
    var out: String

    func run() throws {
        // TFLite import (issue 14): imported int8 graphs have their own runner.
        if QuantizedGraphModels.isQuantizedGraph(path: model) {
            return try QuantizedGraphModels.infer(model: model, features: features, wav: wav, out: out)
        }
        // openWakeWord models (issue 15): scores per 80 ms chunk from audio.
        if OpenWakeWordCommands.isOpenWakeWord(path: model) {
            guard let wav else { throw CLIError("an openWakeWord model reads audio: give --wav CLIP.wav") }
            return try OpenWakeWordCommands.infer(models: [model] + moreModels, wav: wav, out: out, precision: embeddingWeights)
        }
        guard let features else { throw CLIError("--features is required for this model") }
        try FeatureInference.run(model: model, features: features, out: out)
    }
}
