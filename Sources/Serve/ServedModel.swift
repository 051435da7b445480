import Model
import Pipeline
import Spotter

/// Detector settings for served streams, in seconds (the same meaning as `listen`'s board
/// configuration `detector` keys, which `earshot serve --config` reads into this).
public struct ServeDetectorSettings: Equatable, Sendable {
    /// Posteriors are averaged over this many seconds (at least one posterior).
    public var smoothingSeconds: Double = 0.2
    public var threshold: Float = 0.8
    /// Per-keyword thresholds (model labels).
    public var thresholds: [String: Float] = [:]
    public var refractorySeconds: Double = 1.0
    public var refractoryScope: DetectorConfiguration.RefractoryScope = .anyKeyword
    public var ignoredLabels: [String] = ["_silence_", "_unknown_"]
    /// Event times at the keyword's end once this much quiet followed (0: at the score's onset).
    public var endSilenceSeconds: Double = 0.3
    public var endMaximumWaitSeconds: Double = 1.0
    /// Windowed models: re-run the window every this many frames (nil: min(model hop, 2), as `listen`).
    public var windowHopFrames: Int? = nil

    public init() {}
}

/// A model loaded once and shared, read-only, by every client's stream.
public final class ServedModel: @unchecked Sendable {
    /// The name clients see for this model (the file's base name).
    public let name: String
    public let file: ModelFile
    public let settings: ServeDetectorSettings
    /// The model's labels in output order (class0 ... when the file has none).
    public let labels: [String]
    /// The labels that are keywords (not ignored), in output order.
    public let keywords: [String]
    /// The languages announced in `info` (e.g. ["en"]).
    public let languages: [String]
    /// A voice-activity model and gate settings (`serve --vad`): each client's stream of this model
    /// steps its network only while its VAD hears speech (streaming models; see `SpeechGate`).
    public var vad: (model: ModelFile, settings: SpeechGateSettings)?

    /// - Throws: `ServeError.model` when the model has no front end, or no keyword label.
    public init(name: String, file: ModelFile, settings: ServeDetectorSettings, languages: [String] = ["en"]) throws(ServeError) {
        let description = file.description
        guard description.frontend != nil else { throw .model(name: name, reason: "it stores no front end (earshot.frontend.*)") }
        let outputs = description.outputSize
        let labels = description.labels.isEmpty ? (0..<outputs).map { "class\($0)" } : description.labels
        guard labels.count == outputs else {
            throw .model(name: name, reason: "\(labels.count) labels for \(outputs) outputs")
        }
        self.name = name
        self.file = file
        self.settings = settings
        self.labels = labels
        keywords = labels.filter { !settings.ignoredLabels.contains($0) }
        guard !keywords.isEmpty else { throw .model(name: name, reason: "every label is ignored") }
        self.languages = languages
    }
}
