import Frontend
import Model
import Pipeline
import Runtime
import Spotter

/// One detection found in a client's stream.
struct StreamDetection: Equatable, Sendable {
    /// Index into the client's keyword table (`ClientStream.keywordNames`).
    var keyword: Int32
    /// Seconds of stream time (since audio-start) where the keyword ends.
    var time: Double
    var score: Float
}

/// A fixed-capacity list the streams append detections to. Allocates: at `init` only.
final class DetectionList {
    let capacity: Int
    private(set) var count = 0
    /// Detections that did not fit (never expected: the refractory period spaces them out).
    private(set) var dropped = 0
    private let storage: UnsafeMutablePointer<StreamDetection>

    init(capacity: Int) {
        self.capacity = capacity
        storage = .allocate(capacity: capacity)
        storage.initialize(repeating: StreamDetection(keyword: 0, time: 0, score: 0), count: capacity)
    }

    deinit { storage.deallocate() }

    func append(_ detection: StreamDetection) {
        guard count < capacity else { dropped &+= 1; return }
        storage[count] = detection
        count &+= 1
    }

    func removeAll() { count = 0 }

    /// Keeps the first `kept` detections.
    func truncate(to kept: Int) { count = min(count, max(0, kept)) }

    var items: UnsafeBufferPointer<StreamDetection> { UnsafeBufferPointer(start: storage, count: count) }
}

/// One model's chain over a client's mono audio: resampler (when the client's rate differs from
/// the model's) -> front end -> network (streaming, or windowed) -> detector -> keyword end.
///
/// The same building blocks and timing as `listen`'s `KeywordSpotter` (Sources/Listener): event
/// times are where the keyword ends (`KeywordEndFinder`), else the detector's onset time;
/// a posterior after feature frame f is stamped (windowLength + f·hop) / rate. Serve cannot use
/// Listener (it links ALSA); this type is what the shared Pipeline module will replace.
///
/// All buffers are allocated at `init`; `process`, `flush` and `reset` allocate nothing.
final class ModelStream {
    private let network: Network
    private let windowed: WindowedNetwork?
    private let extractor: FeatureExtractor
    /// The voice-activity gate (`ServedModel.vad`), or nil.
    private let gate: SpeechGate?
    private let detector: Detector
    private let resampler: PolyphaseResampler?
    private let endFinder: KeywordEndFinder?
    private let resampled: UnsafeMutablePointer<Float>
    private let resampledCapacity = 4096
    private let frame: UnsafeMutablePointer<Float>
    private let featureCount: Int
    private let lookbackSeconds: Double
    /// Output label index -> client keyword index, or -1 for ignored labels.
    private let keywordIndex: UnsafeMutablePointer<Int32>
    private let labelCount: Int
    private var pendingLabel = 0
    private var pendingScore: Float = 0

    /// - Parameters:
    ///   - keywordIndex: per output label, the client's keyword index (-1: not a keyword).
    /// - Throws: `ServeError.model` when a stage cannot be built.
    init(model: ServedModel, inputRate: Int, keywordIndex table: [Int32]) throws(ServeError) {
        let description = model.file.description
        let settings = model.settings
        guard let frontend = description.frontend else { throw .model(name: model.name, reason: "no front end") }
        do {
            network = try Network(model: model.file)
            extractor = try FeatureExtractor(config: frontend)
        } catch {
            throw .model(name: model.name, reason: "\(error)")
        }
        featureCount = extractor.featureCount
        if let vad = model.vad {
            guard case .streaming = model.file.description.execution else {
                throw .model(name: model.name, reason: "the VAD gate runs in front of streaming models; this one runs on windows")
            }
            do {
                gate = try SpeechGate(vad: vad.model, settings: vad.settings, frontend: frontend, outputCount: model.file.description.outputSize)
            } catch {
                throw .model(name: model.name, reason: "VAD gate: \(error)")
            }
        } else {
            gate = nil
        }
        guard featureCount == network.inputSize else {
            throw .model(name: model.name, reason: "\(featureCount) features for a network input of \(network.inputSize)")
        }
        let rate = Double(frontend.sampleRate)
        let frameHop = Double(frontend.hopLength) / rate
        let firstFrameEnd = Double(frontend.windowLength) / rate
        let posteriorHop: Double
        let timeOffset: Double
        let lookback: Double
        switch description.execution {
        case .streaming:
            windowed = nil
            posteriorHop = frameHop
            timeOffset = firstFrameEnd
            lookback = 1.5
        case let .windowed(frames, modelHop):
            let hop = settings.windowHopFrames ?? min(modelHop, max(1, min(frames, 2)))
            guard hop >= 1 && hop <= frames else {
                throw .model(name: model.name, reason: "window hop \(hop) outside 1...\(frames)")
            }
            do {
                windowed = try WindowedNetwork(network: network, frames: frames, hop: hop)
            } catch {
                throw .model(name: model.name, reason: "\(error)")
            }
            posteriorHop = frameHop * Double(hop)
            timeOffset = firstFrameEnd + frameHop * Double(frames - 1)
            lookback = timeOffset
        }
        lookbackSeconds = lookback + settings.smoothingSeconds
        let configuration = DetectorConfiguration(
            labels: model.labels, ignoredLabels: Set(settings.ignoredLabels), thresholds: settings.thresholds,
            defaultThreshold: settings.threshold,
            smoothingFrames: max(1, Int((settings.smoothingSeconds / posteriorHop).rounded())),
            hopSeconds: posteriorHop, timeOffsetSeconds: timeOffset,
            refractorySeconds: settings.refractorySeconds, refractoryScope: settings.refractoryScope)
        do {
            detector = try Detector(configuration: configuration)
        } catch {
            throw .model(name: model.name, reason: "\(error)")
        }
        if inputRate != frontend.sampleRate {
            do {
                resampler = try PolyphaseResampler(inputRate: inputRate, outputRate: frontend.sampleRate)
            } catch {
                throw .unsupportedAudio("cannot resample \(inputRate) Hz to \(frontend.sampleRate) Hz: \(error)")
            }
        } else {
            resampler = nil
        }
        endFinder = settings.endSilenceSeconds > 0
            ? KeywordEndFinder(sampleRate: frontend.sampleRate, lookbackSeconds: lookbackSeconds,
                               silenceSeconds: settings.endSilenceSeconds,
                               maximumWaitSeconds: max(settings.endMaximumWaitSeconds, settings.endSilenceSeconds))
            : nil
        resampled = .allocate(capacity: resampledCapacity)
        resampled.initialize(repeating: 0, count: resampledCapacity)
        frame = .allocate(capacity: featureCount)
        frame.initialize(repeating: 0, count: featureCount)
        labelCount = table.count
        keywordIndex = .allocate(capacity: table.count)
        keywordIndex.initialize(from: table, count: table.count)
    }

    deinit {
        resampled.deallocate()
        frame.deallocate()
        keywordIndex.deallocate()
    }

    /// Forgets all audio. Allocates: never.
    func reset() {
        resampler?.reset()
        extractor.reset()
        gate?.reset()
        network.reset()
        windowed?.reset()
        detector.reset()
        endFinder?.reset()
    }

    /// Mono samples in [-1, 1] at the client's rate. Allocates: never.
    func process(_ samples: UnsafeBufferPointer<Float>, into list: DetectionList) {
        guard let resampler else { return spot(samples, list) }
        var offset = 0
        let output = UnsafeMutableBufferPointer(start: resampled, count: resampledCapacity)
        while offset < samples.count {
            let step = resampler.process(UnsafeBufferPointer(rebasing: samples[offset...]), into: output)
            offset &+= step.consumed
            spot(UnsafeBufferPointer(start: resampled, count: step.produced), list)
        }
    }

    private func spot(_ samples: UnsafeBufferPointer<Float>, _ list: DetectionList) {
        var offset = 0
        let output = UnsafeMutableBufferPointer(start: frame, count: featureCount)
        while offset < samples.count {
            let step = extractor.process(UnsafeBufferPointer(rebasing: samples[offset...]), into: output)
            gate?.listen(UnsafeBufferPointer(rebasing: samples[offset..<(offset &+ step.consumed)]))
            if let endFinder {
                endFinder.push(UnsafeBufferPointer(rebasing: samples[offset..<(offset &+ step.consumed)]))
                if endFinder.isSearching, let end = endFinder.poll() { emit(pendingLabel, end, pendingScore, list) }
            }
            offset &+= step.consumed
            guard step.produced else { continue }
            if let gate, let silence = gate.route(frame, network: network) {
                // Gate closed: the detector sees silence, so its clock and smoothing go on.
                _ = detector.process(silence)
                continue
            }
            let scores: UnsafeBufferPointer<Float>
            if let windowed {
                guard windowed.push(frame) else { continue }
                scores = windowed.output
            } else {
                scores = network.step(frame)
            }
            guard let event = detector.process(scores) else { continue }
            guard let endFinder else {
                emit(event.labelIndex, event.time, event.score, list)
                continue
            }
            if endFinder.isSearching, let end = endFinder.poll(force: true) { emit(pendingLabel, end, pendingScore, list) }
            pendingLabel = event.labelIndex
            pendingScore = event.score
            // As `KeywordSpotter`: the word's loud part lies shortly before the score's onset.
            let searchStart = max(event.decisionTime - lookbackSeconds, event.time - 0.75)
            endFinder.begin(searchStartSeconds: searchStart, decisionSeconds: event.decisionTime, fallbackSeconds: event.time)
            if let end = endFinder.poll() { emit(pendingLabel, end, pendingScore, list) }
        }
    }

    /// Places a detection still waiting for its keyword's end with the audio so far (call at
    /// audio-stop). Allocates: never.
    func flush(into list: DetectionList) {
        guard let endFinder, endFinder.isSearching, let end = endFinder.poll(force: true) else { return }
        emit(pendingLabel, end, pendingScore, list)
    }

    private func emit(_ label: Int, _ time: Double, _ score: Float, _ list: DetectionList) {
        guard label >= 0 && label < labelCount else { return }
        let keyword = keywordIndex[label]
        guard keyword >= 0 else { return }
        list.append(StreamDetection(keyword: keyword, time: time, score: score))
    }
}
