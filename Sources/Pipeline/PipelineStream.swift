import Frontend
import Model
import Runtime
import Spotter
import Timing

/// One stream through a `Pipeline`: mono samples at the capture rate -> resampler (when the
/// rate differs from the models') -> each distinct front end, once per hop -> every model reading
/// it (Earshot's networks, streaming or windowed, and imported microWakeWord graphs) -> its
/// detector -> events. Made by `Pipeline.makeStream(inputRate:)`; a server makes one per client,
/// all sharing the pipeline's immutable parts.
///
/// `listen` (samples from ALSA), `detect --stream` (samples from a WAV file) and `serve` (samples
/// from a socket) all run this class, so they report the same events for the same audio. Event
/// timing per model kind: see `NetworkRunner` (keyword end, else the detector's onset) and
/// `MicroWakeWordRunner` (the newest audio seen). The resampler's output sample k is the signal at
/// k / rate (zero phase), so resampling shifts no time stamp; `timeShiftSeconds` is added to all.
///
/// Within one `process` call, events are grouped: the openWakeWord models' first, then by front
/// end (in `Pipeline.frontends` order), each group in time order.
///
/// All buffers are allocated at `init`; `process`, `flush` and `reset` allocate nothing.
/// Not thread-safe: one instance per stream.
public final class PipelineStream {
    /// What this stream runs.
    public let pipeline: Pipeline
    /// Every model's labels, model after model (`PipelineEvent.keywordIndex` indexes this).
    public let labels: [String]
    /// Where each model's labels start in `labels`.
    public let labelOffsets: [Int]
    /// The first front end; for a pipeline of openWakeWord models only, the geometry of their
    /// own mel frames (16 kHz, 512-sample frames every 10 ms, 32 mels), for reports and `--stats`.
    public var frontend: FrontendConfig {
        pipeline.frontends.first ?? .librosaMelSpectrogram(sampleRate: Pipeline.openWakeWordRate, fftLength: 512, hopLength: 160, melBandCount: 32)
    }
    /// Samples per second handed to `process`.
    public let inputRate: Int
    /// Added to every event time (e.g. the time a reopened device was away).
    public var timeShiftSeconds: Double = 0
    /// The stream's voice-activity gate (`attachGate`, `Pipeline.Part.gate`): one VAD for all the
    /// models it gates; nil when every network runs on all audio.
    public internal(set) var gate: SpeechGate?
    /// Where the gate's pieces stand: samples at the models' rate since the last VAD chunk boundary.
    var gatePhase = 0

    /// The first front end's feature frames since the start (or `reset`); 0 without one.
    public var featureFrames: Int { extractors.isEmpty ? 0 : frameCounts[0] }
    /// The first model's posteriors (network outputs) since the start (or `reset`).
    public var posteriors: Int { posteriors(model: 0) }
    /// Samples at `inputRate` consumed since the start (or `reset`).
    public private(set) var samplesConsumed = 0
    /// Events beyond `eventCapacity` in one call, dropped, since the start (or `reset`).
    public var droppedEvents: Int { eventList.dropped }

    /// The events of the last `process` or `flush` call (valid until the next call).
    public var events: UnsafeBufferPointer<PipelineEvent> { eventList.items }
    /// The most events one call keeps.
    public var eventCapacity: Int { eventList.capacity }

    /// When set (`listen --stats`), every hop's front-end and network time is recorded here;
    /// nil costs one check per front-end step.
    public var statistics: LiveStatistics?

    /// A model's runner: a closed set switched over, no existential on the hot path.
    enum Runner {
        case earshot(NetworkRunner)
        case microWakeWord(MicroWakeWordRunner)
        /// Model `m` of the shared `openWakeWord` runner.
        case openWakeWord(Int)
    }

    let runners: ContiguousArray<Runner>
    let extractors: ContiguousArray<FeatureExtractor>
    /// All openWakeWord models, on one backbone (nil without any).
    let openWakeWord: OpenWakeWordRunner?
    /// Per front end, the indices of the models that read it.
    private let readers: ContiguousArray<ContiguousArray<Int>>
    /// Per front end, its frames since the start (or `reset`).
    private let frameCounts: UnsafeMutablePointer<Int>
    /// Per front end, its output frame.
    let frames: ContiguousArray<UnsafeMutablePointer<Float>>
    let resampler: PolyphaseResampler?
    /// Resampler output, `resampledCapacity` floats.
    private let resampled: UnsafeMutablePointer<Float>
    private let resampledCapacity = 4096
    private let eventList: EventList

    /// Builds the stream (see `Pipeline.makeStream(inputRate:eventCapacity:)`).
    /// Allocates: everything (set-up only).
    init(pipeline: Pipeline, inputRate: Int, eventCapacity: Int) throws(PipelineError) {
        self.pipeline = pipeline
        self.inputRate = inputRate
        var extractors = ContiguousArray<FeatureExtractor>()
        do {
            for config in pipeline.frontends { extractors.append(try FeatureExtractor(config: config)) }
        } catch {
            throw .frontend(error)
        }
        var runners = ContiguousArray<Runner>()
        var readers = ContiguousArray(repeating: ContiguousArray<Int>(), count: extractors.count)
        var labels: [String] = []
        var offsets: [Int] = []
        var wakeParts: [(part: Pipeline.Part, model: OpenWakeWordModel, modelIndex: Int, keywordOffset: Int)] = []
        for (index, part) in pipeline.parts.enumerated() {
            offsets.append(labels.count)
            if case let .openWakeWord(model) = part.network {
                runners.append(.openWakeWord(wakeParts.count))
                wakeParts.append((part, model, index, labels.count))
                labels += part.labels
                continue
            }
            let f = pipeline.frontendIndex[index]
            let config = pipeline.frontends[f]
            let featureCount = extractors[f].featureCount
            switch part.network {
            case let .earshot(model):
                runners.append(.earshot(try NetworkRunner(
                    model: model, part: part, frontend: config, featureCount: featureCount,
                    modelIndex: index, keywordOffset: labels.count)))
            case let .microWakeWord(graph):
                runners.append(.microWakeWord(try MicroWakeWordRunner(
                    graph: graph, part: part, frontend: config, featureCount: featureCount,
                    modelIndex: index, keywordOffset: labels.count)))
            case .openWakeWord:
                break
            }
            readers[f].append(index)
            labels += part.labels
        }
        self.runners = runners
        self.extractors = extractors
        openWakeWord = wakeParts.isEmpty ? nil : try OpenWakeWordRunner(parts: wakeParts)
        self.readers = readers
        self.labels = labels
        labelOffsets = offsets
        frameCounts = .allocate(capacity: Swift.max(extractors.count, 1))
        frameCounts.initialize(repeating: 0, count: extractors.count)
        frames = ContiguousArray(extractors.map { extractor in
            let frame = UnsafeMutablePointer<Float>.allocate(capacity: extractor.featureCount)
            frame.initialize(repeating: 0, count: extractor.featureCount)
            return frame
        })
        let modelRate = pipeline.sampleRate
        if inputRate != modelRate {
            do {
                resampler = try PolyphaseResampler(inputRate: inputRate, outputRate: modelRate)
            } catch {
                throw .frontend(error)
            }
        } else {
            resampler = nil
        }
        resampled = .allocate(capacity: resampledCapacity)
        resampled.initialize(repeating: 0, count: resampledCapacity)
        eventList = EventList(capacity: eventCapacity)
        // One VAD for the stream: the parts that ask for a gate share it (so they share its settings).
        let gated = pipeline.parts.indices.filter { pipeline.parts[$0].gate != nil }
        if let first = gated.first, let option = pipeline.parts[first].gate {
            for index in gated where pipeline.parts[index].gate?.settings != option.settings {
                throw .other("model \(index + 1) asks for other VAD gate settings than model \(first + 1); a stream has one gate")
            }
            try attachGate(vad: option.model, settings: option.settings, models: gated)
        }
    }

    deinit {
        resampled.deallocate()
        frameCounts.deallocate()
        for frame in frames { frame.deallocate() }
    }

    /// Model `index`'s posteriors (network outputs or steps) since the start (or `reset`).
    public func posteriors(model index: Int) -> Int {
        switch runners[index] {
        case let .earshot(runner): return runner.posteriors
        case let .microWakeWord(runner): return runner.posteriors
        case .openWakeWord: return openWakeWord?.chunksRun ?? 0
        }
    }

    /// Model `index`'s detector, for an Earshot model (nil for a microWakeWord graph).
    public func detector(model index: Int) -> Detector? {
        guard case let .earshot(runner) = runners[index] else { return nil }
        return runner.detector
    }

    /// Model `index`'s sliding-mean rule, for a microWakeWord graph (nil for an Earshot model).
    public func microWakeWordRule(model index: Int) -> SlidingMeanDetector? {
        guard case let .microWakeWord(runner) = runners[index] else { return nil }
        return runner.detector
    }

    /// Model `index`'s rule, for an openWakeWord model (nil otherwise): a chunk's score at or above
    /// a keyword's threshold (the labels that give events, each with its threshold, in output
    /// order), then `refractorySeconds` without detections from that model. Allocates (reports only).
    public func openWakeWordRule(model index: Int) -> (keywords: [(label: String, threshold: Float)], refractorySeconds: Double)? {
        guard case let .openWakeWord(m) = runners[index], let openWakeWord else { return nil }
        let first = openWakeWord.columnOffsets[m]
        let names = pipeline.parts[index].labels
        var keywords: [(label: String, threshold: Float)] = []
        for (c, name) in names.enumerated() where openWakeWord.thresholds[first + c].isFinite {
            keywords.append((label: name, threshold: openWakeWord.thresholds[first + c]))
        }
        return (keywords, Double(openWakeWord.refractoryChunks[m]) * openWakeWord.posteriorHopSeconds)
    }

    /// The refractory period of single-score openWakeWord models (wyoming-openwakeword's default).
    public static var openWakeWordRefractorySeconds: Double { OpenWakeWordRunner.refractorySeconds }

    /// Model `index`'s execution: streaming, or windowed with the hop actually used here
    /// (microWakeWord graphs are streaming, one step per `framesPerStep` frames).
    public func execution(model index: Int) -> ExecutionMode {
        guard case let .earshot(runner) = runners[index] else { return .streaming }
        return runner.execution
    }

    /// Seconds between model `index`'s posteriors.
    public func posteriorHopSeconds(model index: Int) -> Double {
        switch runners[index] {
        case let .earshot(runner): return runner.posteriorHopSeconds
        case let .microWakeWord(runner): return runner.posteriorHopSeconds
        case .openWakeWord: return openWakeWord?.posteriorHopSeconds ?? 0
        }
    }

    /// The first model's detector (nil when it is a microWakeWord graph).
    public var detector: Detector? { detector(model: 0) }
    /// The first model's execution.
    public var execution: ExecutionMode { execution(model: 0) }
    /// Seconds between the first model's posteriors.
    public var posteriorHopSeconds: Double { posteriorHopSeconds(model: 0) }

    /// Forgets all audio (front ends, network states, windows, detectors, resampler history);
    /// counters restart at 0. `timeShiftSeconds` is kept. Allocates: never.
    public func reset() {
        resampler?.reset()
        var index = 0
        while index < extractors.count {
            extractors[index].reset()
            frameCounts[index] = 0
            index &+= 1
        }
        index = 0
        while index < runners.count {
            switch runners[index] {
            case let .earshot(runner): runner.reset()
            case let .microWakeWord(runner): runner.reset()
            case .openWakeWord: break
            }
            index &+= 1
        }
        openWakeWord?.reset()
        gate?.reset()
        gatePhase = 0
        samplesConsumed = 0
        eventList.dropped = 0
        eventList.removeAll()
    }

    /// Seconds of input consumed since the start (or `reset`).
    public var secondsConsumed: Double { Double(samplesConsumed) / Double(inputRate) }

    /// Runs `samples` (mono, [-1, 1], at `inputRate`) through the pipeline; the detections it
    /// completes are in `events` afterwards, in time order.
    ///
    /// - Returns: the number of detections made (including any beyond `eventCapacity`).
    /// Allocates: never.
    @discardableResult
    public func process(samples: UnsafeBufferPointer<Float>) -> Int {
        eventList.removeAll()
        samplesConsumed &+= samples.count
        guard let resampler else {
            let detections = spot(samples)
            eventList.sortByTime()
            return detections
        }
        var detections = 0
        var offset = 0
        let output = UnsafeMutableBufferPointer(start: resampled, count: resampledCapacity)
        while offset < samples.count {
            let step = resampler.process(UnsafeBufferPointer(rebasing: samples[offset...]), into: output)
            offset &+= step.consumed
            detections &+= spot(UnsafeBufferPointer(start: resampled, count: step.produced))
        }
        eventList.sortByTime()
        return detections
    }

    /// Samples at the models' rate; with a gate, in pieces ending on the VAD's chunk boundaries,
    /// each heard by the VAD before the models get it.
    private func spot(_ samples: UnsafeBufferPointer<Float>) -> Int {
        guard let gate else { return spotPiece(samples) }
        let chunk = gate.chunkSamples
        var detections = 0
        var offset = 0
        while offset < samples.count {
            let end = Swift.min(samples.count, offset &+ (chunk &- gatePhase))
            let piece = UnsafeBufferPointer(rebasing: samples[offset..<end])
            gate.listen(piece)
            detections &+= spotPiece(piece)
            gatePhase = (gatePhase &+ piece.count) % chunk
            offset = end
        }
        return detections
    }

    /// The openWakeWord models' shared backbone and heads; then every front end, each frame to the
    /// models reading it.
    private func spotPiece(_ samples: UnsafeBufferPointer<Float>) -> Int {
        var detections = openWakeWord?.process(samples, into: eventList, shift: timeShiftSeconds) ?? 0
        var f = 0
        while f < extractors.count {
            detections &+= spot(samples, frontend: f)
            f &+= 1
        }
        return detections
    }

    private func spot(_ samples: UnsafeBufferPointer<Float>, frontend f: Int) -> Int {
        let extractor = extractors[f]
        let frame = frames[f]
        let models = readers[f]
        let output = UnsafeMutableBufferPointer(start: frame, count: extractor.featureCount)
        let statistics = self.statistics
        let timed = statistics != nil
        let shift = timeShiftSeconds
        var frontendNanoseconds: UInt64 = 0
        var detections = 0
        var offset = 0
        while offset < samples.count {
            let frontendStart = timed ? MonotonicClock.now() : 0
            let step = extractor.process(UnsafeBufferPointer(rebasing: samples[offset...]), into: output)
            let consumed = UnsafeBufferPointer(rebasing: samples[offset..<(offset &+ step.consumed)])
            offset &+= step.consumed
            var m = 0
            while m < models.count {
                if case let .earshot(runner) = runners[models[m]] { runner.push(consumed, into: eventList, shift: shift) }
                m &+= 1
            }
            let networkStart = timed ? MonotonicClock.now() : 0
            frontendNanoseconds &+= networkStart &- frontendStart
            guard step.produced else { continue }
            let frameIndex = frameCounts[f]
            frameCounts[f] = frameIndex &+ 1
            m = 0
            while m < models.count {
                switch runners[models[m]] {
                case let .earshot(runner):
                    detections &+= runner.frame(frame, into: eventList, shift: shift)
                case let .microWakeWord(runner):
                    detections &+= runner.frame(frame, frameIndex: frameIndex, into: eventList, shift: shift)
                case .openWakeWord:
                    break
                }
                m &+= 1
            }
            if let statistics {
                statistics.recordHop(frontendNanoseconds: frontendNanoseconds, stepNanoseconds: MonotonicClock.now() &- networkStart)
                frontendNanoseconds = 0
            }
        }
        return detections
    }

    /// Completes the detections that wait for their keyword's end, placed with the audio so far
    /// (they are then the entries of `events`); call when the stream ends (or before `reset`) so
    /// no detection is lost. Allocates: never.
    ///
    /// - Returns: the number of detections completed.
    @discardableResult
    public func flush() -> Int {
        eventList.removeAll()
        var completed = 0
        var index = 0
        while index < runners.count {
            if case let .earshot(runner) = runners[index] {
                completed &+= runner.flush(into: eventList, shift: timeShiftSeconds)
            }
            index &+= 1
        }
        if let openWakeWord { completed &+= openWakeWord.flush(into: eventList) }
        eventList.sortByTime()
        return completed
    }
}
