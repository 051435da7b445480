import Model
import Pipeline
import Spotter
import Timing

/// A `PipelineStream` that hands its events to an `EventQueue`: what the capture loop
/// (`ListenSession`) and `detect --stream` (`StreamDetection`) run.
///
/// Not thread-safe: one instance per stream. `process` and `flush` allocate nothing.
public final class KeywordSpotter {
    /// The stream doing the work (front end, network, detector; see `PipelineStream`).
    public let stream: PipelineStream

    /// Builds the pipeline for `model` fed at `inputRate` (see `PipelineStream`).
    ///
    /// - Throws: `ListenerError.pipeline` when the model cannot be run on audio.
    /// Allocates: everything (set-up only).
    public init(
        model: ModelFile, inputRate: Int, detector settings: DetectorSettings, windowHopFrames: Int? = nil
    ) throws(ListenerError) {
        do throws(PipelineError) {
            stream = try Pipeline(model: model, detector: settings, windowHopFrames: windowHopFrames)
                .makeStream(inputRate: inputRate)
        } catch {
            throw .pipeline(error)
        }
    }

    /// The window hop `listen` uses when the configuration names none (see
    /// `PipelineStream.listeningWindowHop(for:)`).
    public static func listeningWindowHop(for model: ModelFile) -> Int? { PipelineStream.listeningWindowHop(for: model) }

    public var labels: [String] { stream.labels }
    public var frontend: FrontendConfig { stream.frontend }
    public var inputRate: Int { stream.inputRate }
    public var detector: Detector { stream.detector }
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
        push(events)
        return detections
    }

    /// Queues the detection that waits for its keyword's end (see `PipelineStream.flush()`).
    ///
    /// - Returns: 1 if a detection was queued, else 0. Allocates: never.
    @discardableResult
    public func flush(into events: EventQueue) -> Int {
        let completed = stream.flush()
        push(events)
        return completed
    }

    private func push(_ events: EventQueue) {
        for event in stream.events {
            events.push(QueuedEvent(
                kind: .detection, labelIndex: Int32(truncatingIfNeeded: event.labelIndex), time: event.time, score: event.score))
        }
    }
}
