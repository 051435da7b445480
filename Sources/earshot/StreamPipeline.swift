import ArgumentParser
import Model
import Pipeline
import Spotter

/// `--threshold` for the stream commands (listen, detect --stream, serve).
struct ThresholdOption: ParsableArguments {
    @Option(help: ArgumentHelp(
        "The detection threshold (0 to 1) for every keyword without its own.",
        discussion: "Order: a keyword's own threshold (board configuration detector.thresholds or keywords.NAME.threshold), then this option, then the board configuration's detector.threshold, then the model's stored threshold (a trained model's detector.threshold metadata, a microWakeWord manifest's probability_cutoff), then 0.8.",
        valueName: "value"))
    var threshold: Float?

    func validate() throws {
        if let threshold, !(threshold >= 0 && threshold <= 1) {
            throw ValidationError("--threshold must be 0 to 1 (got \(threshold))")
        }
    }

    /// `settings` with this option applied over the board configuration's threshold.
    func applied(to settings: DetectorSettings) -> DetectorSettings {
        var settings = settings
        if let threshold { settings.threshold = threshold }
        return settings
    }
}

/// The one pipeline the stream commands run over every `--model`: Earshot models and imported
/// microWakeWord graphs (earshot-qgraph) alike, each model's front end computed once per hop.
enum StreamPipeline {
    /// One part per path, in order; windowed models re-run their window every `windowHopFrames`
    /// frames (nil: `Pipeline.listeningWindowHop(for:)`).
    static func parts(paths: [String], detector: DetectorSettings, windowHopFrames: Int?) throws -> [Pipeline.Part] {
        try paths.map { path in
            if QuantizedGraphCommands.isQuantizedGraph(path: path) {
                return Pipeline.Part(graph: try QuantizedGraphFile.read(path: path), detector: detector)
            }
            let model = try ModelFile(path: path)
            let hop = windowHopFrames ?? Pipeline.listeningWindowHop(for: model)
            return Pipeline.Part(model: model, detector: detector, windowHopFrames: hop)
        }
    }

    /// The pipeline of `paths` (see `parts(paths:detector:windowHopFrames:)`).
    static func make(paths: [String], detector: DetectorSettings, windowHopFrames: Int?) throws -> Pipeline {
        let parts = try parts(paths: paths, detector: detector, windowHopFrames: windowHopFrames)
        do {
            return try Pipeline(parts: parts)
        } catch {
            throw CLIError("\(paths.joined(separator: ", ")): \(error)")
        }
    }
}
