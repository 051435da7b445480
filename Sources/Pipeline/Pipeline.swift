import Model
import Spotter

/// The one place the data flow is wired: resampler -> front end -> network -> scores ->
/// detector -> events, for every caller (`listen`, `detect`, `serve`, `eval`, `profile`, the
/// pipeline benchmark).
///
/// A `Pipeline` holds what all streams share and never changes: the models (Earshot's own, or
/// imported microWakeWord graphs or openWakeWord models), their detector settings and the distinct front ends they read.
/// Each audio stream gets its own `PipelineStream` (`makeStream(inputRate:)`) with its own state,
/// so a server makes one per client. Front ends are listed once per distinct configuration
/// (`frontends`, `frontendIndex`): a stream computes each once per hop, however many models read it.
public final class Pipeline: Sendable {
    /// What runs one model's features: Earshot's network (streaming or windowed) or an imported
    /// microWakeWord graph (integer-only, the manifest's sliding-mean rule).
    public enum Network: Sendable {
        case earshot(ModelFile)
        case microWakeWord(QuantizedGraph)
        /// An openWakeWord model (`earshot-oww` file): its own mel and embedding networks at 16 kHz,
        /// shared by all of a stream's openWakeWord models (`OpenWakeWordRunner`).
        case openWakeWord(OpenWakeWordModel)
    }

    /// One model and how its scores become events.
    public struct Part: Sendable {
        public var network: Network
        /// The detector settings in seconds. For a microWakeWord graph only the thresholds apply
        /// (`threshold(for:)`); its smoothing and refractory rule is the manifest's.
        public var detector: DetectorSettings
        /// For windowed models: run the window every this many frames (nil: the model's hop).
        public var windowHopFrames: Int?
        /// A voice-activity gate in front of this model's network (`serve --vad`; not for windowed
        /// models, see `SpeechGate`): every stream builds ONE gate for all parts that ask (they
        /// must ask with the same settings); nil for none.
        public var gate: (model: ModelFile, settings: SpeechGateSettings)?
        /// The front end to compute instead of the model's own (`profile --wav` with front-end
        /// flags, or for a model that names none); nil: the model's. Earshot models only.
        public var frontendOverride: FrontendConfig?

        /// An Earshot model (`.earshot` file).
        public init(model: ModelFile, detector: DetectorSettings = DetectorSettings(), windowHopFrames: Int? = nil) {
            network = .earshot(model)
            self.detector = detector
            self.windowHopFrames = windowHopFrames
        }

        /// An imported microWakeWord model (`earshot-qgraph` file).
        public init(graph: QuantizedGraph, detector: DetectorSettings = DetectorSettings()) {
            network = .microWakeWord(graph)
            self.detector = detector
            windowHopFrames = nil
        }

        /// An openWakeWord model (`earshot-oww` file, `convert --openwakeword-features`).
        public init(openWakeWord model: OpenWakeWordModel, detector: DetectorSettings = DetectorSettings()) {
            network = .openWakeWord(model)
            self.detector = detector
            windowHopFrames = nil
        }

        /// The model's labels in output order: an Earshot model's (class0, class1, ... when it has
        /// none), a microWakeWord graph's one wake word, an openWakeWord model's (a multi-class
        /// head's labels, else its one name).
        public var labels: [String] {
            switch network {
            case let .earshot(model):
                let description = model.description
                return description.labels.isEmpty ? (0..<description.outputSize).map { "class\($0)" } : description.labels
            case let .microWakeWord(graph):
                return [graph.wakeWord.name]
            case let .openWakeWord(model):
                return model.scoreNames
            }
        }

        /// The threshold the model itself stores for every keyword: an Earshot model's
        /// `detector.threshold` metadata (`StoredThresholds`), a microWakeWord manifest's `probability_cutoff`, an openWakeWord file's
        /// `earshot.oww.threshold` (`earshot train`) or else openWakeWord's default 0.5; nil when it stores none.
        public var storedThreshold: Double? {
            switch network {
            case .earshot:
                return storedThresholds.threshold
            case let .microWakeWord(graph):
                return graph.wakeWord.probabilityCutoff
            case let .openWakeWord(model):
                // Imported heads store none; 0.5 is openWakeWord's and wyoming-openwakeword's default.
                return model.threshold ?? 0.5
            }
        }

        /// An Earshot model's stored thresholds (`detector.threshold`, `detector.thresholds.NAME`),
        /// or an openWakeWord file's (`earshot.oww.threshold`, `earshot.oww.thresholds.NAME`);
        /// empty for microWakeWord graphs and for values `Pipeline.init` would refuse.
        public var storedThresholds: StoredThresholds {
            switch network {
            case let .earshot(model):
                return (try? StoredThresholds(metadata: model.description.metadata, labels: labels)) ?? StoredThresholds()
            case let .openWakeWord(model):
                return StoredThresholds(threshold: model.threshold, keywords: model.keywordThresholds)
            case .microWakeWord:
                return StoredThresholds()
            }
        }

        /// The threshold `keyword` gets, in this order: its own entry in `detector.thresholds`
        /// (a board configuration's), then `detector.threshold` (set from `--threshold` or a board configuration's
        /// `detector.threshold`), then the model's stored threshold for this keyword
        /// (`detector.thresholds.NAME`), then the model's stored threshold for every keyword,
        /// then `DetectorSettings.defaultThreshold` (0.8). What the user sets always wins over
        /// what the model stores. In Double, so that a manifest's cutoff is used exactly as pymicro-wakeword compares it.
        public func threshold(for keyword: String) -> Double {
            if let own = detector.thresholds[keyword] ?? detector.threshold { return Double(own) }
            return storedThresholds.keywords[keyword] ?? storedThreshold ?? Double(DetectorSettings.defaultThreshold)
        }
    }

    /// The models, in the order events name them (`PipelineEvent.modelIndex`).
    public let parts: [Part]
    /// The distinct front ends the models read (openWakeWord models compute their own mel
    /// frames and read none).
    public let frontends: [FrontendConfig]
    /// For each part, the index of its front end in `frontends`; -1 for an openWakeWord model.
    public let frontendIndex: [Int]
    /// The models' sample rate (what the stream resamples to).
    public let sampleRate: Int

    /// Checks that every model can read audio (it carries a front end Earshot computes).
    ///
    /// - Throws: `.modelCount` for no models, `.modelHasNoFrontend` for a model without one,
    ///   `.detector(.unknownKeyword)` for a per-keyword threshold no model has, `.storedThreshold`
    ///   for a threshold a model file stores that is not in 0...1 or names no label of it, `.other` for a microWakeWord front end other than `micro` or front ends of different rates.
    public init(parts: [Part]) throws(PipelineError) {
        guard !parts.isEmpty else { throw .modelCount(0) }
        var frontends: [FrontendConfig] = []
        var index: [Int] = []
        for part in parts {
            if case .openWakeWord = part.network {
                index.append(-1)
                continue
            }
            let frontend: FrontendConfig
            if case .earshot = part.network, let given = part.frontendOverride {
                frontend = given
            } else {
                frontend = try Self.frontend(of: part.network)
            }
            if let existing = frontends.firstIndex(of: frontend) {
                index.append(existing)
            } else {
                index.append(frontends.count)
                frontends.append(frontend)
            }
        }
        // One resampler feeds every front end (and the openWakeWord models, at 16 kHz).
        var rates = frontends.map { $0.sampleRate }
        if index.contains(-1) { rates.append(Self.openWakeWordRate) }
        guard rates.allSatisfy({ $0 == rates[0] }) else {
            throw .other("the models' front ends read different sample rates (\(rates)); "
                         + "one pipeline runs models of one rate")
        }
        sampleRate = rates[0]
        // A per-keyword threshold must name a keyword of some model (each model takes its own).
        let labels = Set(parts.flatMap { $0.labels })
        for part in parts {
            if case let .earshot(model) = part.network {   // the thresholds a model file stores
                _ = try StoredThresholds(metadata: model.description.metadata, labels: part.labels)
            }
            for name in part.detector.thresholds.keys.sorted() where !labels.contains(name) {
                throw .detector(.unknownKeyword(name))
            }
        }
        self.parts = parts
        self.frontends = frontends
        frontendIndex = index
    }

    /// A pipeline of one Earshot model.
    public convenience init(model: ModelFile, detector: DetectorSettings = DetectorSettings(), windowHopFrames: Int? = nil)
        throws(PipelineError)
    {
        try self.init(parts: [Part(model: model, detector: detector, windowHopFrames: windowHopFrames)])
    }

    /// A pipeline of imported microWakeWord models sharing `detector`'s thresholds.
    public convenience init(graphs: [QuantizedGraph], detector: DetectorSettings = DetectorSettings()) throws(PipelineError) {
        try self.init(parts: graphs.map { Part(graph: $0, detector: detector) })
    }

    /// The model's labels, per part (see `Part.labels`).
    public var labels: [[String]] { parts.map { $0.labels } }

    /// A new stream through this pipeline for audio at `inputRate` Hz, with its own state.
    ///
    /// - Parameter eventCapacity: the most events one `process` call keeps.
    /// - Throws: `PipelineError` when a model's network, front end, resampler or detector
    ///   cannot be set up for this rate.
    /// Allocates: everything the stream will use (set-up only).
    public func makeStream(inputRate: Int, eventCapacity: Int = 256) throws(PipelineError) -> PipelineStream {
        try PipelineStream(pipeline: self, inputRate: inputRate, eventCapacity: eventCapacity)
    }

    /// The window hop `listen` and `serve` use when the configuration names none: windowed models
    /// are re-run every 2 frames (or their own hop, if smaller), so events are placed finely rather
    /// than once per window; nil for streaming models.
    public static func listeningWindowHop(for model: ModelFile) -> Int? {
        guard case let .windowed(frames, hop) = model.description.execution else { return nil }
        return min(hop, max(1, min(frames, 2)))
    }

    /// openWakeWord models read 16 kHz audio.
    public static let openWakeWordRate = 16000

    private static func frontend(of network: Network) throws(PipelineError) -> FrontendConfig {
        switch network {
        case let .earshot(model):
            guard let frontend = model.description.frontend else { throw .modelHasNoFrontend }
            return frontend
        case let .microWakeWord(graph):
            let wake = graph.wakeWord
            guard wake.frontendPreset == FrontendPreset.micro.rawValue else {
                throw .other("the model '\(wake.name)' has front end '\(wake.frontendPreset)'; "
                             + "Earshot computes only 'micro' for imported models")
            }
            return FrontendConfig.micro(stepMilliseconds: wake.featureStepMilliseconds, channelCount: graph.input.width)
        case .openWakeWord:
            throw .other("an openWakeWord model has no Earshot front end")
        }
    }
}
