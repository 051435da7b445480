import Model
import Pipeline
import Spotter
import Timing

/// A `PipelineStream` that hands its events to an `EventQueue`: what the capture loop
/// (`ListenSession`) and `detect --stream` (`StreamDetection`) run.
///
/// Not thread-safe: one instance per stream. `process` and `flush` allocate nothing.
public final class KeywordSpotter {
    /// The stream doing the work (front ends, networks, detectors; see `PipelineStream`).
    public let stream: PipelineStream

    /// Builds the stream for `pipeline` fed at `inputRate`.
    ///
    /// - Throws: `ListenerError.pipeline` when a model cannot be run on audio.
    /// Allocates: everything (set-up only).
    public init(pipeline: Pipeline, inputRate: Int) throws(ListenerError) {
        do throws(PipelineError) {
            stream = try pipeline.makeStream(inputRate: inputRate)
        } catch {
            throw .pipeline(error)
        }
    }

    /// Builds the pipeline for `model` fed at `inputRate` (see `PipelineStream`).
    ///
    /// - Throws: `ListenerError.pipeline` when the model cannot be run on audio.
    /// Allocates: everything (set-up only).
    public convenience init(
        model: ModelFile, inputRate: Int, detector settings: DetectorSettings, windowHopFrames: Int? = nil
    ) throws(ListenerError) {
        let pipeline: Pipeline
        do throws(PipelineError) {
            pipeline = try Pipeline(model: model, detector: settings, windowHopFrames: windowHopFrames)
        } catch {
            throw .pipeline(error)
        }
        try self.init(pipeline: pipeline, inputRate: inputRate)
    }

    /// Builds one stream for imported microWakeWord models fed at `inputRate`, sharing one front
    /// end (their rule is the manifests'; `settings`' thresholds may replace a cutoff, see
    /// `Pipeline.Part.threshold(for:)`). Labels are the models' wake words, in order.
    ///
    /// - Throws: `ListenerError.pipeline` when a model cannot be run on audio.
    /// Allocates: everything (set-up only).
    public convenience init(graphs: [QuantizedGraph], inputRate: Int, detector settings: DetectorSettings) throws(ListenerError) {
        let pipeline: Pipeline
        do throws(PipelineError) {
            pipeline = try Pipeline(graphs: graphs, detector: settings)
        } catch {
            throw .pipeline(error)
        }
        try self.init(pipeline: pipeline, inputRate: inputRate)
    }

    /// The window hop `listen` uses when the configuration names none (see
    /// `Pipeline.listeningWindowHop(for:)`).
    public static func listeningWindowHop(for model: ModelFile) -> Int? { Pipeline.listeningWindowHop(for: model) }

    /// Every model's labels, model after model (`QueuedEvent.labelIndex` indexes this).
    public var labels: [String] { stream.labels }
    public var frontend: FrontendConfig { stream.frontend }
    public var inputRate: Int { stream.inputRate }
    /// The first model's detector; nil for a microWakeWord model (its rule: `stream.microWakeWordRule(model:)`).
    public var detector: Detector? { stream.detector }
    public var execution: ExecutionMode { stream.execution }
    public var posteriorHopSeconds: Double { stream.posteriorHopSeconds }
    public var featureFrames: Int { stream.featureFrames }
    public var posteriors: Int { stream.posteriors }
    public var samplesConsumed: Int { stream.samplesConsumed }
    public var secondsConsumed: Double { stream.secondsConsumed }
    /// Added to every event time (e.g. the time a reopened device was away).
    public var timeShiftSeconds: Double {
        get { stream.timeShiftSeconds }
        set { stream.timeShiftSeconds = newValue }
    }
    /// Per-hop timing for `listen --stats` (see `PipelineStream.statistics`).
    public var statistics: LiveStatistics? {
        get { stream.statistics }
        set { stream.statistics = newValue }
    }

    /// Forgets all audio; counters restart at 0. Allocates: never.
    public func reset() { stream.reset() }

    /// Runs `samples` (mono, [-1, 1], at `inputRate`) through the pipeline and pushes every
    /// detection onto `events`.
    ///
    /// - Returns: the number of detections made (including any the full queue dropped).
    /// Allocates: never.
    @discardableResult
    public func process(_ samples: UnsafeBufferPointer<Float>, into events: EventQueue) -> Int {
        let detections = stream.process(samples: samples)
        push(stream.events, to: events)
        return detections
    }

    /// Queues the detections that wait for their keyword's end (see `PipelineStream.flush()`).
    ///
    /// - Returns: the number of detections queued. Allocates: never.
    @discardableResult
    public func flush(into events: EventQueue) -> Int {
        let completed = stream.flush()
        push(stream.events, to: events)
        return completed
    }

    private func push(_ completed: UnsafeBufferPointer<PipelineEvent>, to events: EventQueue) {
        for event in completed {
            events.push(QueuedEvent(
                kind: .detection, labelIndex: Int32(truncatingIfNeeded: event.keywordIndex), time: event.time, score: event.score))
        }
    }
}
