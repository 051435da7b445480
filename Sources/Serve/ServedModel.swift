import Model
import Pipeline
import Spotter

/// A model loaded once and shared, read-only, by every client's stream.
public final class ServedModel: @unchecked Sendable {
    /// The name clients see for this model (the file's base name).
    public let name: String
    /// The model with its detector settings, as the server's `Pipeline` runs it.
    public let part: Pipeline.Part
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
    public init(name: String, part: Pipeline.Part, languages: [String] = ["en"]) throws(ServeError) {
        do throws(PipelineError) {
            _ = try Pipeline(parts: [part])
        } catch {
            throw .model(name: name, reason: "\(error)")
        }
        self.name = name
        self.part = part
        labels = part.labels
        keywords = labels.filter { !part.detector.ignoredLabels.contains($0) }
        guard !keywords.isEmpty else { throw .model(name: name, reason: "every label is ignored") }
        self.languages = languages
    }

    /// An Earshot model; windowed models re-run their window every `windowHopFrames` frames
    /// (nil: `Pipeline.listeningWindowHop(for:)`, as `listen`).
    ///
    /// - Throws: as `init(name:part:languages:)`.
    public convenience init(name: String, file: ModelFile, settings: DetectorSettings = DetectorSettings(),
                            windowHopFrames: Int? = nil, languages: [String] = ["en"]) throws(ServeError) {
        let hop = windowHopFrames ?? Pipeline.listeningWindowHop(for: file)
        try self.init(name: name, part: Pipeline.Part(model: file, detector: settings, windowHopFrames: hop), languages: languages)
    }
}
