import Model
import Pipeline
import Spotter
import Timing

/// A `PipelineStream` that hands its events to an `EventQueue`: what the capture loop
/// (`ListenSession`) and `detect --stream` (`StreamDetection`) run.
///
/// Not thread-safe: one instance per stream. `process` and `flush` allocate nothing.
public final class KeywordSpotter {
    /// The stream doing the work for Earshot's own models (front end, network, detector; see
    /// `PipelineStream`); nil for an imported microWakeWord model.
    public let stream: PipelineStream?
    /// The stream doing the work for an imported microWakeWord model (see
    /// `QuantizedPipelineStream`); nil for Earshot's own models.
    public let microWakeWordStream: QuantizedPipelineStream?

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
        microWakeWordStream = nil
    }

    /// Builds one stream for imported microWakeWord models fed at `inputRate`, sharing one front
    /// end (see `QuantizedPipelineStream`: the manifests' rule; `settings.thresholds` may replace a
    /// cutoff). Labels are the models' wake words, in order.
    ///
    /// - Throws: `ListenerError.pipeline` when the model cannot be run on audio.
    /// Allocates: everything (set-up only).
    public init(graphs: [QuantizedGraph], inputRate: Int, detector settings: DetectorSettings) throws(ListenerError) {
        do throws(PipelineError) {
            microWakeWordStream = try QuantizedPipelineStream(graphs: graphs, inputRate: inputRate, detector: settings)
        } catch {
            throw .pipeline(error)
        }
        stream = nil
    }

    /// The window hop `listen` uses when the configuration names none (see
    /// `PipelineStream.listeningWindowHop(for:)`).
    public static func listeningWindowHop(for model: ModelFile) -> Int? { PipelineStream.listeningWindowHop(for: model) }

    public var labels: [String] { stream?.labels ?? microWakeWordStream!.labels }
    public var frontend: FrontendConfig { stream?.frontend ?? microWakeWordStream!.frontend }
    public var inputRate: Int { stream?.inputRate ?? microWakeWordStream!.inputRate }
    /// Earshot's detector; nil for a microWakeWord model (its rule: `microWakeWordStream.detector`).
    public var detector: Detector? { stream?.detector }
    /// microWakeWord models are streaming (one step per `framesPerStep` frames).
    public var execution: ExecutionMode { stream?.execution ?? .streaming }
    public var posteriorHopSeconds: Double { stream?.posteriorHopSeconds ?? microWakeWordStream!.posteriorHopSeconds }
    public var featureFrames: Int { stream?.featureFrames ?? microWakeWordStream!.featureFrames }
    public var posteriors: Int { stream?.posteriors ?? microWakeWordStream!.posteriors }
    public var samplesConsumed: Int { stream?.samplesConsumed ?? microWakeWordStream!.samplesConsumed }
    public var secondsConsumed: Double { Double(samplesConsumed) / Double(inputRate) }
    /// Added to every event time (e.g. the time a reopened device was away).
    public var timeShiftSeconds: Double {
        get { stream?.timeShiftSeconds ?? microWakeWordStream!.timeShiftSeconds }
        set {
            stream?.timeShiftSeconds = newValue
            microWakeWordStream?.timeShiftSeconds = newValue
        }
    }
    /// Per-hop timing for `listen --stats` (see `PipelineStream.statistics`); not recorded for
    /// microWakeWord models.
    public var statistics: LiveStatistics? {
        get { stream?.statistics }
        set { stream?.statistics = newValue }
    }

    /// Forgets all audio; counters restart at 0. Allocates: never.
    public func reset() {
        stream?.reset()
        microWakeWordStream?.reset()
    }

    /// Runs `samples` (mono, [-1, 1], at `inputRate`) through the pipeline and pushes every
    /// detection onto `events`.
    ///
    /// - Returns: the number of detections made (including any the full queue dropped).
    /// Allocates: never.
    @discardableResult
    public func process(_ samples: UnsafeBufferPointer<Float>, into events: EventQueue) -> Int {
        if let stream {
            let detections = stream.process(samples: samples)
            push(stream.events, to: events)
            return detections
        }
        let micro = microWakeWordStream!
        let detections = micro.process(samples: samples)
        push(micro.events, to: events)
        return detections
    }

    /// Queues the detection that waits for its keyword's end (see `PipelineStream.flush()`).
    ///
    /// - Returns: 1 if a detection was queued, else 0. Allocates: never.
    @discardableResult
    public func flush(into events: EventQueue) -> Int {
        guard let stream else { return 0 }
        let completed = stream.flush()
        push(stream.events, to: events)
        return completed
    }

    private func push(_ completed: UnsafeBufferPointer<PipelineEvent>, to events: EventQueue) {
        for event in completed {
            events.push(QueuedEvent(
                kind: .detection, labelIndex: Int32(truncatingIfNeeded: event.labelIndex), time: event.time, score: event.score))
        }
    }
}
