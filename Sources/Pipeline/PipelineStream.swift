import Frontend
import Model
import Runtime
import Spotter
import Timing

/// One stream through a `Pipeline`: mono samples at the capture rate -> resampler (when the
/// rate differs from the model's) -> front end -> network (streaming, or windowed for models
/// trained on fixed windows) -> detector -> events. Made by `Pipeline.makeStream(inputRate:)`;
/// a server makes one per client, all sharing the pipeline's immutable parts.
///
/// `listen` (samples from ALSA) and `detect --stream` (samples from a WAV file) both run this
/// class, so they report the same events for the same audio.
///
/// Event times: an event's time is where the keyword ends in the audio, found by a
/// `KeywordEndFinder` over the model-rate samples (searched from 0.75 s before the detector's
/// onset), and the event is queued once that end is known — when enough quiet followed it, or at
/// `flush`. When no quiet follows within `endMaximumWaitSeconds` (a noisy room), and with end
/// finding off (`endSilenceSeconds` 0, queued at once), the time is the detector's onset posterior's.
/// Posterior times: feature frame f covers the model-rate samples up to windowLength + f·hop, so a
/// posterior made after frame f is stamped (windowLength + f·hop) / rate seconds — the end of
/// the newest audio the network has seen. Both get `timeShiftSeconds` added. The resampler's
/// output sample k is the signal at k / rate (zero phase), so resampling shifts no time stamp.
///
/// All buffers are allocated at `init`; `process` allocates nothing.
/// Not thread-safe: one instance per stream.
public final class PipelineStream {
    /// The model's labels (or class0, class1, ... when it has none).
    public let labels: [String]
    /// The model's front end.
    public let frontend: FrontendConfig
    /// Samples per second handed to `process`.
    public let inputRate: Int
    /// The detector (its configuration holds the posterior timing and the settings in frames).
    public let detector: Detector
    /// The model's execution: streaming, or windowed with the hop actually used here.
    public let execution: ExecutionMode
    /// Seconds between posteriors.
    public let posteriorHopSeconds: Double
    /// Added to every event time (e.g. the time a reopened device was away).
    public var timeShiftSeconds: Double = 0
    /// The voice-activity gate (`attachGate`), or nil: the network steps on every frame.
    public internal(set) var gate: SpeechGate?

    /// Feature frames computed since the start (or `reset`).
    public private(set) var featureFrames = 0
    /// Posteriors (network outputs) the detector has seen since the start (or `reset`).
    public private(set) var posteriors = 0
    /// Samples at `inputRate` consumed since the start (or `reset`).
    public private(set) var samplesConsumed = 0
    /// Events beyond `eventCapacity` in one call, dropped, since the start (or `reset`).
    public private(set) var droppedEvents = 0

    /// The events of the last `process` or `flush` call, in order (valid until the next call).
    public var events: UnsafeBufferPointer<PipelineEvent> { UnsafeBufferPointer(start: eventBuffer, count: eventCount) }
    /// The most events one call keeps.
    public let eventCapacity: Int
    private let eventBuffer: UnsafeMutablePointer<PipelineEvent>
    private var eventCount = 0

    let network: Network
    private let windowed: WindowedNetwork?
    private let extractor: FeatureExtractor
    private let resampler: PolyphaseResampler?
    /// Resampler output, `resampledCapacity` floats.
    private let resampled: UnsafeMutablePointer<Float>
    private let resampledCapacity: Int
    private let frame: UnsafeMutablePointer<Float>
    /// The newest feature frame (for the gate's pre-roll).
    var frameBuffer: UnsafePointer<Float> { UnsafePointer(frame) }
    /// Places event times at the keyword's end; nil when end finding is off.
    private let endFinder: KeywordEndFinder?
    /// Seconds before a decision where the keyword may have started (the network's view).
    private let lookbackSeconds: Double
    /// How far before a detection's onset its keyword's loudest part is looked for.
    static let onsetLookbackSeconds = 0.75
    /// The detection waiting for its keyword's end (valid while `endFinder.isSearching`).
    private var pendingLabel = 0
    private var pendingScore: Float = 0

    /// Builds the stream for `model` fed at `inputRate` (see `Pipeline.makeStream(inputRate:)`).
    ///
    /// - Parameters:
    ///   - model: a model with a front end (`earshot.frontend.*`) and one score per label.
    ///   - inputRate: the capture rate; a resampler to the model's rate is added when it differs.
    ///   - detector: the detector settings in seconds.
    ///   - windowHopFrames: for windowed models, run the window every this many frames
    ///     (nil: the model's own hop). Ignored for streaming models.
    ///   - eventCapacity: the most events one `process` call keeps (more are counted in
    ///     `droppedEvents`).
    /// - Throws: `PipelineError` for a model without a front end or a hop outside 1...W, and the
    ///   runtime's, front end's and detector's errors wrapped in it.
    /// Allocates: everything (set-up only).
    init(
        model: ModelFile, inputRate: Int, detector settings: DetectorSettings, windowHopFrames: Int?, eventCapacity: Int
    ) throws(PipelineError) {
        let description = model.description
        guard let frontend = description.frontend else { throw .modelHasNoFrontend }
        self.frontend = frontend
        self.inputRate = inputRate
        let outputs = description.outputSize
        labels = description.labels.isEmpty ? (0..<outputs).map { "class\($0)" } : description.labels
        guard labels.count == outputs else {
            throw .labelCountMismatch(labels: labels.count, outputs: outputs)
        }
        // Typed catches, one per call (Embedded Swift has no dynamic casts).
        do throws(RuntimeError) {
            network = try Network(model: model)
        } catch {
            throw .runtime(error)
        }
        do throws(FrontendError) {
            extractor = try FeatureExtractor(config: frontend)
        } catch {
            throw .frontend(error)
        }
        guard extractor.featureCount == network.inputSize else {
            throw .featureSizeMismatch(features: extractor.featureCount, networkInput: network.inputSize)
        }
        let rate = Double(frontend.sampleRate)
        let frameHop = Double(frontend.hopLength) / rate
        let firstFrameEnd = Double(frontend.windowLength) / rate
        let timeOffset: Double
        let lookback: Double
        switch description.execution {
        case .streaming:
            windowed = nil
            execution = .streaming
            posteriorHopSeconds = frameHop
            timeOffset = firstFrameEnd
            // A recurrent network's view has no fixed length; a keyword lasts at most about this.
            lookback = 1.5
        case let .windowed(frames, modelHop):
            let hop = windowHopFrames ?? modelHop
            guard hop >= 1 && hop <= frames else { throw .windowHopOutOfRange(hop: hop, windowFrames: frames) }
            do {
                windowed = try WindowedNetwork(network: network, frames: frames, hop: hop)
            } catch {
                throw .runtime(error)
            }
            execution = .windowed(frames: frames, hop: hop)
            posteriorHopSeconds = frameHop * Double(hop)
            // The first run happens after frame W - 1.
            timeOffset = firstFrameEnd + frameHop * Double(frames - 1)
            lookback = timeOffset
        }
        // The decision can come up to the smoothing window after the keyword scored high.
        lookbackSeconds = lookback + settings.smoothingSeconds
        do {
            detector = try Detector(configuration: settings.configuration(
                labels: labels, posteriorHopSeconds: posteriorHopSeconds, timeOffsetSeconds: timeOffset))
        } catch {
            throw .detector(error)
        }
        if inputRate != frontend.sampleRate {
            do {
                resampler = try PolyphaseResampler(inputRate: inputRate, outputRate: frontend.sampleRate)
            } catch {
                throw .frontend(error)
            }
        } else {
            resampler = nil
        }
        resampledCapacity = 4096
        resampled = .allocate(capacity: resampledCapacity)
        resampled.initialize(repeating: 0, count: resampledCapacity)
        frame = .allocate(capacity: extractor.featureCount)
        frame.initialize(repeating: 0, count: extractor.featureCount)
        self.eventCapacity = max(1, eventCapacity)
        eventBuffer = .allocate(capacity: self.eventCapacity)
        if settings.endSilenceSeconds > 0 {
            endFinder = KeywordEndFinder(
                sampleRate: frontend.sampleRate, lookbackSeconds: lookbackSeconds,
                silenceSeconds: settings.endSilenceSeconds,
                maximumWaitSeconds: max(settings.endMaximumWaitSeconds, settings.endSilenceSeconds))
        } else {
            endFinder = nil
        }
    }

    /// The window hop `listen` uses when the configuration names none: windowed models are
    /// re-run every 2 frames (or their own hop, if smaller), so events are placed finely rather
    /// than once per window; nil for streaming models.
    public static func listeningWindowHop(for model: ModelFile) -> Int? {
        guard case let .windowed(frames, hop) = model.description.execution else { return nil }
        return min(hop, max(1, min(frames, 2)))
    }

    deinit {
        resampled.deallocate()
        frame.deallocate()
        eventBuffer.deallocate()
    }

    /// When set (`listen --stats`), every hop's front-end and network time is recorded here;
    /// nil costs one check per call of `process`.
    public var statistics: LiveStatistics?

    /// Forgets all audio (front end, network state, window, detector, resampler history);
    /// counters restart at 0. `timeShiftSeconds` is kept. Allocates: never.
    public func reset() {
        resampler?.reset()
        extractor.reset()
        gate?.reset()
        network.reset()
        windowed?.reset()
        detector.reset()
        endFinder?.reset()
        featureFrames = 0
        posteriors = 0
        samplesConsumed = 0
        droppedEvents = 0
        eventCount = 0
    }

    /// Seconds of input consumed since the start (or `reset`).
    public var secondsConsumed: Double { Double(samplesConsumed) / Double(inputRate) }

    /// Runs `samples` (mono, [-1, 1], at `inputRate`) through the pipeline; the detections it
    /// completes are in `events` afterwards.
    ///
    /// - Returns: the number of detections made (including any beyond `eventCapacity`).
    /// Allocates: never.
    @discardableResult
    public func process(samples: UnsafeBufferPointer<Float>) -> Int {
        eventCount = 0
        samplesConsumed &+= samples.count
        guard let resampler else { return spot(samples) }
        var detections = 0
        var offset = 0
        let output = UnsafeMutableBufferPointer(start: resampled, count: resampledCapacity)
        while offset < samples.count {
            let step = resampler.process(UnsafeBufferPointer(rebasing: samples[offset...]), into: output)
            offset &+= step.consumed
            detections &+= spot(UnsafeBufferPointer(start: resampled, count: step.produced))
        }
        return detections
    }

    /// Front end, network and detector over samples at the model's rate.
    private func spot(_ samples: UnsafeBufferPointer<Float>) -> Int {
        var detections = 0
        var offset = 0
        let output = UnsafeMutableBufferPointer(start: frame, count: extractor.featureCount)
        let statistics = self.statistics
        let timed = statistics != nil
        var frontendNanoseconds: UInt64 = 0
        while offset < samples.count {
            let frontendStart = timed ? MonotonicClock.now() : 0
            let step = extractor.process(UnsafeBufferPointer(rebasing: samples[offset...]), into: output)
            gate?.listen(UnsafeBufferPointer(rebasing: samples[offset..<(offset &+ step.consumed)]))
            if let endFinder {
                endFinder.push(UnsafeBufferPointer(rebasing: samples[offset..<(offset &+ step.consumed)]))
                if endFinder.isSearching, let end = endFinder.poll() { queuePending(end: end) }
            }
            offset &+= step.consumed
            let networkStart = timed ? MonotonicClock.now() : 0
            frontendNanoseconds &+= networkStart &- frontendStart
            guard step.produced else { continue }
            featureFrames &+= 1
            if let gate, let silence = gatedScores(gate) {
                // Gate closed: the detector sees silence, so its clock and smoothing go on.
                posteriors &+= 1
                _ = detector.process(silence)
                continue
            }
            let scores: UnsafeBufferPointer<Float>
            var ran = true
            if let windowed {
                ran = windowed.push(frame)
                scores = windowed.output
            } else {
                scores = network.step(frame)
            }
            if let statistics {
                statistics.recordHop(frontendNanoseconds: frontendNanoseconds, stepNanoseconds: MonotonicClock.now() &- networkStart)
                frontendNanoseconds = 0
            }
            guard ran else { continue }
            posteriors &+= 1
            guard let event = detector.process(scores) else { continue }
            detections &+= 1
            guard let endFinder else {
                append(PipelineEvent(labelIndex: event.labelIndex, time: event.time + timeShiftSeconds, score: event.score))
                continue
            }
            // A new detection while one still waits (possible with a short refractory period):
            // the waiting one is placed with what the audio shows so far.
            if endFinder.isSearching, let end = endFinder.poll(force: true) { queuePending(end: end) }
            pendingLabel = event.labelIndex
            pendingScore = event.score
            // The keyword is mostly heard when its score first crosses (the onset); its loudest
            // part lies shortly before. Reaching further back would take in an earlier, louder
            // word and lift the loudness threshold over this one's soft ending.
            let searchStart = max(event.decisionTime - lookbackSeconds, event.time - Self.onsetLookbackSeconds)
            endFinder.begin(searchStartSeconds: searchStart, decisionSeconds: event.decisionTime, fallbackSeconds: event.time)
            if let end = endFinder.poll() { queuePending(end: end) }
        }
        return detections
    }

    /// Completes the detection that waits for its keyword's end, placed with the audio so far
    /// (it is then the one entry of `events`); call when the stream ends (or before `reset`) so
    /// no detection is lost. Allocates: never.
    ///
    /// - Returns: 1 if a detection was completed, else 0.
    @discardableResult
    public func flush() -> Int {
        eventCount = 0
        guard let endFinder, endFinder.isSearching, let end = endFinder.poll(force: true) else { return 0 }
        queuePending(end: end)
        return 1
    }

    private func queuePending(end: Double) {
        append(PipelineEvent(labelIndex: pendingLabel, time: end + timeShiftSeconds, score: pendingScore))
    }

    private func append(_ event: PipelineEvent) {
        guard eventCount < eventCapacity else {
            droppedEvents &+= 1
            return
        }
        eventBuffer[eventCount] = event
        eventCount &+= 1
    }
}
