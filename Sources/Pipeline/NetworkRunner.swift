import Frontend
import Model
import Runtime
import Spotter

/// One Earshot model inside a `PipelineStream`: feature frames -> network (streaming, or windowed
/// for models trained on fixed windows) -> detector -> keyword end -> events.
///
/// Event times: an event's time is where the keyword ends in the audio, found by a
/// `KeywordEndFinder` over the model-rate samples (searched from 0.75 s before the detector's
/// onset), and the event is queued once that end is known — when enough quiet followed it, or at
/// `flush`. When no quiet follows within `endMaximumWaitSeconds` (a noisy room), and with end
/// finding off (`endSilenceSeconds` 0, queued at once), the time is the detector's onset posterior's.
/// Posterior times: feature frame f covers the model-rate samples up to windowLength + f·hop, so a
/// posterior made after frame f is stamped (windowLength + f·hop) / rate seconds — the end of
/// the newest audio the network has seen.
///
/// All buffers are allocated at `init`; the per-frame calls allocate nothing.
final class NetworkRunner {
    let network: Network
    let windowed: WindowedNetwork?
    let detector: Detector
    /// This model's side of the stream's voice-activity gate (streaming models only), or nil.
    var preRoll: GatePreRoll?
    /// Zero scores, one per output: what the detector sees while the gate is closed.
    let silence: UnsafeMutableBufferPointer<Float>
    /// The network's output count, kept: `Network.outputSize` reads the model description,
    /// which costs an allocation per call in debug builds.
    private let outputCount: Int
    let execution: ExecutionMode
    let posteriorHopSeconds: Double
    /// Posteriors the detector has seen since the start (or `reset`).
    private(set) var posteriors = 0
    private let modelIndex: Int
    private let keywordOffset: Int
    /// Places event times at the keyword's end; nil when end finding is off.
    private let endFinder: KeywordEndFinder?
    /// Seconds before a decision where the keyword may have started (the network's view).
    private let lookbackSeconds: Double
    /// How far before a detection's onset its keyword's loudest part is looked for.
    static let onsetLookbackSeconds = 0.75
    /// The detection waiting for its keyword's end (valid while `endFinder.isSearching`).
    private var pendingLabel = 0
    private var pendingScore: Float = 0

    /// - Throws: `PipelineError` for labels that do not match the outputs, features the network
    ///   does not take, a window hop outside 1...W, or the runtime's and detector's errors.
    init(model: ModelFile, part: Pipeline.Part, frontend: FrontendConfig, featureCount: Int,
         modelIndex: Int, keywordOffset: Int) throws(PipelineError) {
        let description = model.description
        let labels = part.labels
        guard labels.count == description.outputSize else {
            throw .labelCountMismatch(labels: labels.count, outputs: description.outputSize)
        }
        do {
            network = try Network(model: model)
        } catch {
            throw .runtime(error)
        }
        guard featureCount == network.inputSize else {
            throw .featureSizeMismatch(features: featureCount, networkInput: network.inputSize)
        }
        self.modelIndex = modelIndex
        self.keywordOffset = keywordOffset
        let settings = part.detector
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
            let hop = part.windowHopFrames ?? modelHop
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
        var resolved = settings
        resolved.threshold = settings.threshold ?? part.storedThreshold.map(Float.init)
        // Other models' keywords (checked by `Pipeline`) are not this detector's.
        resolved.thresholds = settings.thresholds.filter { labels.contains($0.key) }
        if settings.threshold == nil {
            // The model's own per-keyword thresholds, below the user's (`Part.threshold(for:)`).
            for (keyword, value) in part.storedThresholds.keywords where resolved.thresholds[keyword] == nil {
                resolved.thresholds[keyword] = Float(value)
            }
        }
        do {
            detector = try Detector(configuration: resolved.configuration(
                labels: labels, posteriorHopSeconds: posteriorHopSeconds, timeOffsetSeconds: timeOffset))
        } catch {
            throw .detector(error)
        }
        endFinder = settings.endSilenceSeconds > 0
            ? KeywordEndFinder(
                sampleRate: frontend.sampleRate, lookbackSeconds: lookbackSeconds,
                silenceSeconds: settings.endSilenceSeconds,
                maximumWaitSeconds: max(settings.endMaximumWaitSeconds, settings.endSilenceSeconds))
            : nil
        outputCount = network.outputSize
        silence = .allocate(capacity: max(outputCount, 1))
        silence.initialize(repeating: 0)
    }

    deinit { silence.deallocate() }

    /// Forgets all audio. Allocates: never.
    func reset() {
        preRoll?.reset()
        network.reset()
        windowed?.reset()
        detector.reset()
        endFinder?.reset()
        posteriors = 0
    }

    /// The model-rate samples the front end just consumed (for the keyword-end search).
    /// Allocates: never.
    @inline(__always)
    func push(_ samples: UnsafeBufferPointer<Float>, into events: EventList, shift: Double) {
        guard let endFinder else { return }
        endFinder.push(samples)
        if endFinder.isSearching, let end = endFinder.poll() { queuePending(end: end, events, shift) }
    }

    /// One feature frame. Returns 1 for a detection, else 0. Allocates: never.
    @inline(__always)
    func frame(_ features: UnsafeMutablePointer<Float>, into events: EventList, shift: Double) -> Int {
        if let preRoll, !admit(features, preRoll) {
            // Gate closed: the detector sees silence, so its clock and smoothing go on.
            posteriors &+= 1
            _ = detector.hit(UnsafeBufferPointer(start: silence.baseAddress, count: outputCount))
            return 0
        }
        let scores: UnsafeBufferPointer<Float>
        if let windowed {
            guard windowed.push(features) else { return 0 }
            scores = windowed.output
        } else {
            scores = network.step(features)
        }
        posteriors &+= 1
        guard let event = detector.hit(scores) else { return 0 }
        guard let endFinder else {
            events.append(makeEvent(event.labelIndex, event.time + shift, event.score))
            return 1
        }
        // A new detection while one still waits (possible with a short refractory period):
        // the waiting one is placed with what the audio shows so far.
        if endFinder.isSearching, let end = endFinder.poll(force: true) { queuePending(end: end, events, shift) }
        pendingLabel = event.labelIndex
        pendingScore = event.score
        // The keyword is mostly heard when its score first crosses (the onset); its loudest
        // part lies shortly before. Reaching further back would take in an earlier, louder
        // word and lift the loudness threshold over this one's soft ending.
        let searchStart = max(event.decisionTime - lookbackSeconds, event.time - Self.onsetLookbackSeconds)
        endFinder.begin(searchStartSeconds: searchStart, decisionSeconds: event.decisionTime, fallbackSeconds: event.time)
        if let end = endFinder.poll() { queuePending(end: end, events, shift) }
        return 1
    }

    /// One feature frame through the network only (no detector): for whole-clip scoring.
    /// Allocates: never.
    @inline(__always)
    func score(_ features: UnsafeMutablePointer<Float>) {
        if let windowed {
            windowed.push(features)
        } else {
            _ = network.step(features)
        }
    }

    /// The network's newest output (the window's last run for windowed models).
    var output: UnsafeBufferPointer<Float> { windowed?.output ?? network.output }

    /// Completes the detection that waits for its keyword's end. Returns 1 if there was one.
    /// Allocates: never.
    func flush(into events: EventList, shift: Double) -> Int {
        guard let endFinder, endFinder.isSearching, let end = endFinder.poll(force: true) else { return 0 }
        queuePending(end: end, events, shift)
        return 1
    }

    private func queuePending(end: Double, _ events: EventList, _ shift: Double) {
        events.append(makeEvent(pendingLabel, end + shift, pendingScore))
    }

    @inline(__always)
    private func makeEvent(_ label: Int, _ time: Double, _ score: Float) -> PipelineEvent {
        PipelineEvent(modelIndex: modelIndex, labelIndex: label, keywordIndex: keywordOffset &+ label, time: time, score: score)
    }
}
