import Model
import Spotter

/// The one place the data flow is wired: resampler -> front end -> network -> scores ->
/// detector -> events, for every caller (`listen`, `detect --stream`, a network server).
///
/// A `Pipeline` holds what all streams share and never changes: the models, their detector
/// settings and the distinct front ends they read. Each audio stream gets its own
/// `PipelineStream` (`makeStream(inputRate:)`) with its own state, so a server makes one per
/// client. Front ends are listed once per distinct configuration (`frontends`,
/// `frontendIndex`), so that a stream of several models can compute each front end once per
/// hop; streams of one model are what is built today (`PipelineError.modelCount` otherwise).
public final class Pipeline: Sendable {
    /// One model and how its scores become events.
    public struct Part: Sendable {
        public var model: ModelFile
        /// The detector settings in seconds.
        public var detector: DetectorSettings
        /// For windowed models: run the window every this many frames (nil: the model's hop).
        public var windowHopFrames: Int?

        public init(model: ModelFile, detector: DetectorSettings = DetectorSettings(), windowHopFrames: Int? = nil) {
            self.model = model
            self.detector = detector
            self.windowHopFrames = windowHopFrames
        }
    }

    /// The models, in the order events name them (`PipelineEvent.modelIndex`).
    public let parts: [Part]
    /// The distinct front ends the models read.
    public let frontends: [FrontendConfig]
    /// For each part, the index of its front end in `frontends`.
    public let frontendIndex: [Int]

    /// Checks that every model can read audio (it carries a front end).
    ///
    /// - Throws: `.modelCount` for no models, `.modelHasNoFrontend` for a model without one.
    public init(parts: [Part]) throws(PipelineError) {
        guard !parts.isEmpty else { throw .modelCount(0) }
        var frontends: [FrontendConfig] = []
        var index: [Int] = []
        for part in parts {
            guard let frontend = part.model.description.frontend else { throw .modelHasNoFrontend }
            if let existing = frontends.firstIndex(of: frontend) {
                index.append(existing)
            } else {
                index.append(frontends.count)
                frontends.append(frontend)
            }
        }
        self.parts = parts
        self.frontends = frontends
        frontendIndex = index
    }

    /// A pipeline of one model.
    public convenience init(model: ModelFile, detector: DetectorSettings = DetectorSettings(), windowHopFrames: Int? = nil)
        throws(PipelineError)
    {
        try self.init(parts: [Part(model: model, detector: detector, windowHopFrames: windowHopFrames)])
    }

    /// A new stream through this pipeline for audio at `inputRate` Hz, with its own state.
    ///
    /// - Parameter eventCapacity: the most events one `process` call keeps.
    /// - Throws: `PipelineError` when a model's network, front end, resampler or detector
    ///   cannot be set up for this rate, or (for now) when there is more than one model.
    /// Allocates: everything the stream will use (set-up only).
    public func makeStream(inputRate: Int, eventCapacity: Int = 256) throws(PipelineError) -> PipelineStream {
        guard parts.count == 1 else { throw .modelCount(parts.count) }
        let part = parts[0]
        return try PipelineStream(
            model: part.model, inputRate: inputRate, detector: part.detector, windowHopFrames: part.windowHopFrames,
            eventCapacity: eventCapacity)
    }
}
