import JSON
import ArgumentParser

/// `earshot detect`: the top label of each WAV clip.
struct DetectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "detect",
        abstract: "Classify WAV clips: the top label and its score for each file.",
        discussion: """
            Each file is decoded (PCM 8/16/24/32-bit or float, any rate and channel count), mixed down to \
            mono, resampled to the model's rate, turned into features by the front end stored in the model, \
            and run through the network. Windowed models (e.g. the ML-KWS models) see the clip cut or \
            zero-padded to their window (1 s); other models run over the whole clip and report the final step.
            """
    )

    @Argument(help: "WAV files.")
    var files: [String]

    @Option(help: "The Earshot model file (default: the project's models/default.earshot). With --stream, repeat it to run several models (Earshot models, imported microWakeWord and openWakeWord models) on one stream, each front end computed once per hop (openWakeWord models: their mel and embedding networks once per 80 ms chunk).")
    var model: [String] = []

    @Flag(help: "Print one JSON object per file: {\"path\", \"label\", \"score\", \"scores\"}.")
    var json = false

    @Flag(help: "Treat each file as a long recording: print its keyword events as `earshot listen` would (same pipeline and detector).")
    var stream = false

    @Option(help: "With --stream: take the detector settings (and window hop) from this board configuration.")
    var config: String?

    @OptionGroup var thresholdOption: ThresholdOption

    @OptionGroup(title: "Voice-activity gate (with --stream)")
    var vadOptions: VADOptions

    func validate() throws {
        guard !files.isEmpty else { throw ValidationError("give at least one WAV file") }
        if model.count > 1 && !stream { throw ValidationError("several --model options need --stream") }
        if thresholdOption.threshold != nil && !stream { throw ValidationError("--threshold needs --stream") }
    }

    func run() throws {
        if stream { return try runStream() }   // DetectCommand+Stream.swift
        let classifier = try ClipClassifier(modelPath: DefaultModel.resolve(model.first))
        for path in files {
            let (scores, _) = try classifier.classify(path: path)
            let top = ClipClassifier.top(scores)
            let label = classifier.labels[top.index]
            if json {
                let object: JSON = .members([
                    ("path", .string(path)), ("label", .string(label)), ("score", .double(Double(top.score))),
                    ("scores", .members(zip(classifier.labels, scores).map { ($0.0, .double(Double($0.1))) })),
                ])
                print(object.serialized())
            } else {
                print("\(path)\t\(label)\t\(formatScore(top.score))")
            }
        }
    }
}
