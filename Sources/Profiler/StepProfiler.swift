import Timing
import Frontend
import Model
import Runtime

/// One model to profile: a planned network and the label reports show for it (its path).
public struct ProfileTarget {
    public var label: String
    public var network: Network
    /// A windowed model's window runner as deployed (from the `Pipeline`, with its hop); nil: the
    /// profiler makes one with the model's own hop.
    public var windowed: WindowedNetwork?

    public init(label: String, network: Network, windowed: WindowedNetwork? = nil) {
        self.label = label
        self.network = network
        self.windowed = windowed
    }
}

/// Audio streamed through a front end: one network step per hop, the front end timed per hop.
public struct AudioInput {
    /// Shown in reports (the WAV path).
    public var label: String
    /// Mono samples at the front end's sample rate; looped when the run needs more hops.
    public var samples: [Float]
    /// The rate the samples were recorded at (must equal the front end's).
    public var sampleRate: Int
    /// The streaming front end (its state is used and left changed).
    public var extractor: FeatureExtractor
    /// Where the front end's parameters came from, for the report.
    public var frontendDescription: String

    public init(label: String, samples: [Float], sampleRate: Int, extractor: FeatureExtractor, frontendDescription: String) {
        self.label = label
        self.samples = samples
        self.sampleRate = sampleRate
        self.extractor = extractor
        self.frontendDescription = frontendDescription
    }

    /// The front end's hop in nanoseconds.
    public var hopNanoseconds: UInt64 {
        UInt64((Double(extractor.config.hopLength) * 1e9 / Double(extractor.config.sampleRate)).rounded())
    }
}

/// Where the profiled steps' input frames come from.
public enum FrameSource {
    /// Seeded standard-normal frames (a ring of up to 1024 frames, cycled).
    case random(seed: UInt64)
    /// Real features: audio through a front end.
    case audio(AudioInput)
}

/// How long to run and what to compare against.
public struct ProfileSettings: Sendable {
    /// Timed steps of each kind: `steps` whole steps and `steps` layer-by-layer steps.
    public var steps: Int
    /// Untimed steps first (caches, branch predictors, page faults of the mapped weights).
    public var warmup: Int
    /// The real-time budget of one step in ns (the hop), when the input is not audio.
    public var hopNanoseconds: UInt64
    /// Where that hop came from, for the report ("model metadata", "--hop-ms", ...).
    public var hopSource: String
    /// Histogram resolution (see `LatencyHistogram`).
    public var subBucketBits: Int

    public init(steps: Int = 10_000, warmup: Int = 1_000, hopNanoseconds: UInt64 = 20_000_000,
                hopSource: String = "default", subBucketBits: Int = 10) {
        self.steps = steps
        self.warmup = warmup
        self.hopNanoseconds = hopNanoseconds
        self.hopSource = hopSource
        self.subBucketBits = subBucketBits
    }
}

/// Times `Network.step` as a whole and layer by layer (with `stepLayer`), in one run.
///
/// Each iteration takes the next frame (random, or the front end's output for the next hop of
/// audio, timed), then steps every target once. Iterations alternate between timing the whole
/// `step` and timing each layer (`stepLayer` 0, 1, …, each between two clock reads), so both
/// see the same inputs, state trajectory and machine conditions; every target gets `steps`
/// samples of each. With several targets (`--compare`) the order rotates every iteration so
/// that no variant always runs first. The measured cost of one clock read is subtracted from
/// every interval. Nothing in the timed loop allocates.
///
/// Per-layer timing uses only `stepLayer`, so the runtime's `step` pays nothing for it.
public enum StepProfiler {
    /// Runs the profile and returns one report per target, in the order given.
    ///
    /// - Throws: `ProfilerError` when the targets are not variants of one model, the front end's
    ///   frames do not fit the model, or a setting is out of range.
    public static func run(_ targets: [ProfileTarget], source: FrameSource, settings: ProfileSettings) throws(ProfilerError) -> [ProfileReport] {
        guard let first = targets.first else { throw .noModels }
        guard settings.steps >= 1 else { throw .invalidSetting(name: "steps", value: String(settings.steps)) }
        guard settings.warmup >= 0 else { throw .invalidSetting(name: "warmup", value: String(settings.warmup)) }
        guard settings.hopNanoseconds > 0 else { throw .invalidSetting(name: "hop", value: "0") }
        for target in targets where target.network.runsWholeWindows {
            var reason = target.network.isSequenceModel
                ? "its bidirectional/attention layers run over whole windows, not one step per frame"
                : "its conv2d first layer runs over whole windows, not one step per frame"
            if case let .windowed(frames, hop) = target.network.model.description.execution {
                reason += " (window \(frames) frames every \(hop): latency bound \(frames + hop) frames; "
                    + "time its windows with tools/bench/bench_window.py)"
            }
            throw .unsupportedModel(model: target.label, reason: reason)
        }
        for target in targets.dropFirst() {
            if let difference = variantDifference(first.network.model.description, target.network.model.description) {
                throw .notVariants(first: first.label, other: target.label, difference: difference)
            }
        }
        let inputSize = first.network.inputSize
        var audio: AudioInput? = nil
        if case .audio(let input) = source {
            guard !input.samples.isEmpty else { throw .emptyAudio(input.label) }
            guard input.sampleRate == input.extractor.config.sampleRate else {
                throw .sampleRateMismatch(audio: input.label, audioRate: input.sampleRate, frontendRate: input.extractor.config.sampleRate)
            }
            guard input.extractor.featureCount == inputSize else {
                throw .featureSizeMismatch(model: first.label, modelInput: inputSize, frontendFeatures: input.extractor.featureCount)
            }
            audio = input
        }
        let hop = audio?.hopNanoseconds ?? settings.hopNanoseconds
        let overhead = MonotonicClock.readOverhead()
        let states = targets.map { TargetState($0, subBucketBits: settings.subBucketBits) }
        let frontendHistogram = LatencyHistogram(subBucketBits: settings.subBucketBits)

        // Frames: a ring of random ones, or one buffer the front end writes every hop.
        let iterations = settings.warmup + 2 * settings.steps
        let ringCount = audio == nil ? min(iterations, 1024) : 1
        let frames = UnsafeMutablePointer<Float>.allocate(capacity: ringCount * inputSize)
        frames.initialize(repeating: 0, count: ringCount * inputSize)
        defer { frames.deallocate() }
        if case .random(let seed) = source {
            var random = SplitMix64(state: seed)
            for index in 0..<(ringCount * inputSize) { frames[index] = random.normal() }
        }
        let sampleCount = audio?.samples.count ?? 0
        let samples = UnsafeMutablePointer<Float>.allocate(capacity: max(sampleCount, 1))
        defer { samples.deallocate() }
        if let audio { samples.initialize(from: audio.samples, count: sampleCount) }
        let extractor = audio?.extractor
        extractor?.reset()
        let featureBuffer = UnsafeMutableBufferPointer(start: frames, count: inputSize)

        let maxLayers = states.reduce(0) { max($0, $1.network.layerCount) }
        let stamps = UnsafeMutablePointer<UInt64>.allocate(capacity: maxLayers + 1)
        defer { stamps.deallocate() }

        var cursor = 0
        var iteration = 0
        while iteration < iterations {
            let timed = iteration >= settings.warmup
            var frontendTime: UInt64 = 0
            let frame: UnsafePointer<Float>
            if let extractor {
                let start = MonotonicClock.now()
                while true {
                    let result = extractor.process(
                        UnsafeBufferPointer(start: samples + cursor, count: sampleCount &- cursor), into: featureBuffer)
                    cursor &+= result.consumed
                    if cursor == sampleCount { cursor = 0 }
                    if result.produced { break }
                }
                frontendTime = MonotonicClock.interval(from: start, to: MonotonicClock.now(), overhead: overhead)
                if timed { frontendHistogram.record(frontendTime) }
                frame = UnsafePointer(frames)
            } else {
                frame = UnsafePointer(frames + (iteration % ringCount) &* inputSize)
            }
            let wholeStep = (iteration &- settings.warmup) & 1 == 0
            var slot = 0
            while slot < states.count {
                let state = states[(slot &+ iteration) % states.count]
                let network = state.network
                var stepTime: UInt64 = 0
                if wholeStep {
                    let start = MonotonicClock.now()
                    _ = network.step(frame)
                    let end = MonotonicClock.now()
                    stepTime = MonotonicClock.interval(from: start, to: end, overhead: overhead)
                    if timed { state.step.record(stepTime) }
                } else {
                    let layerCount = network.layerCount
                    stamps[0] = MonotonicClock.now()
                    var layer = 0
                    while layer < layerCount {
                        network.stepLayer(layer, frame: frame)
                        layer &+= 1
                        stamps[layer] = MonotonicClock.now()
                    }
                    layer = 0
                    while layer < layerCount {
                        let time = MonotonicClock.interval(from: stamps[layer], to: stamps[layer &+ 1], overhead: overhead)
                        stepTime &+= time
                        if timed { state.layers[layer].record(time) }
                        layer &+= 1
                    }
                    if timed { state.layerSum.record(stepTime) }
                }
                if timed {
                    let busy = frontendTime &+ stepTime
                    state.busy &+= busy
                    state.hops &+= 1
                    if busy > hop { state.deadlineMisses &+= 1 }
                }
                slot &+= 1
            }
            iteration &+= 1
        }

        // Windowed models run W steps from zero state every K hops: time those runs as deployed.
        let frontendMean = audio == nil ? 0 : frontendHistogram.mean
        for state in states {
            guard case .windowed = state.network.model.description.execution else { continue }
            let windowed: WindowedNetwork
            if let given = state.windowed {
                windowed = given
            } else {
                guard case let .windowed(frames, hop) = state.network.model.description.execution,
                      let made = try? WindowedNetwork(network: state.network, frames: frames, hop: hop)
                else { continue }  // the ring would not fit; the per-step figures still stand
                windowed = made
            }
            windowed.reset()
            let windowFrames = windowed.windowFrames, windowHop = windowed.hopFrames
            var filled = 0
            while filled < windowFrames {
                if let extractor {
                    while true {
                        let result = extractor.process(
                            UnsafeBufferPointer(start: samples + cursor, count: sampleCount &- cursor), into: featureBuffer)
                        cursor &+= result.consumed
                        if cursor == sampleCount { cursor = 0 }
                        if result.produced { break }
                    }
                    windowed.push(UnsafePointer(frames))
                } else {
                    windowed.push(UnsafePointer(frames + (filled % ringCount) &* inputSize))
                }
                filled &+= 1
            }
            let runs = max(20, min(2_000, settings.steps / windowFrames))
            let histogram = LatencyHistogram(subBucketBits: settings.subBucketBits)
            var misses = 0
            var run = 0
            while run < runs {
                let start = MonotonicClock.now()
                _ = windowed.evaluate()
                let time = MonotonicClock.interval(from: start, to: MonotonicClock.now(), overhead: overhead)
                histogram.record(time)
                if frontendMean + Double(time) > Double(hop) { misses &+= 1 }
                run &+= 1
            }
            state.window = WindowFigures(
                frames: windowFrames, hop: windowHop, histogram: histogram, deadlineMisses: misses,
                realtimeFactor: (Double(windowHop) * frontendMean + histogram.mean) / (Double(windowHop) * Double(hop)))
        }

        let peakRSS = MemoryUsage.peakResidentBytes()
        let input: String
        if let audio {
            input = "features of \(audio.label) (\(audio.samples.count) samples at \(audio.sampleRate) Hz, looped) from the front end: \(audio.frontendDescription)"
        } else if case .random(let seed) = source {
            input = "seeded standard-normal frames (seed \(seed), a ring of \(ringCount))"
        } else {
            input = ""
        }
        return states.map { state in
            ProfileReport(
                state: state, settings: settings, input: input,
                frontend: audio == nil ? nil : frontendHistogram,
                frontendDescription: audio?.frontendDescription,
                hopNanoseconds: hop,
                hopSource: audio.map { "front end: \($0.extractor.config.hopLength) samples at \($0.extractor.config.sampleRate) Hz" } ?? settings.hopSource,
                timerOverhead: overhead, peakRSSBytes: peakRSS)
        }
    }

    /// Why two model descriptions are not variants of one network (nil when they are):
    /// weight types may differ, sizes and layer kinds may not.
    public static func variantDifference(_ a: ModelDescription, _ b: ModelDescription) -> String? {
        if a.inputSize != b.inputSize { return "input size \(b.inputSize), not \(a.inputSize)" }
        if a.outputSize != b.outputSize { return "output size \(b.outputSize), not \(a.outputSize)" }
        if a.layers.count != b.layers.count { return "\(b.layers.count) layers, not \(a.layers.count)" }
        for (index, (x, y)) in zip(a.layers, b.layers).enumerated() {
            if x.kind != y.kind { return "layer \(index) is \(y.kind.rawValue), not \(x.kind.rawValue)" }
            if x.inputSize != y.inputSize || x.hiddenSize != y.hiddenSize || x.projectionSize != y.projectionSize {
                return "layer \(index) has sizes \(y.inputSize)->\(y.hiddenSize), not \(x.inputSize)->\(x.hiddenSize)"
            }
        }
        return nil
    }
}

/// One target's histograms and counters during a run.
final class TargetState {
    let label: String
    let network: Network
    let windowed: WindowedNetwork?
    let step: LatencyHistogram
    let layerSum: LatencyHistogram
    let layers: [LatencyHistogram]
    var busy: UInt64 = 0
    var hops = 0
    var deadlineMisses = 0
    var window: WindowFigures?

    init(_ target: ProfileTarget, subBucketBits: Int) {
        label = target.label
        network = target.network
        windowed = target.windowed
        step = LatencyHistogram(subBucketBits: subBucketBits)
        layerSum = LatencyHistogram(subBucketBits: subBucketBits)
        layers = (0..<target.network.layerCount).map { _ in LatencyHistogram(subBucketBits: subBucketBits) }
    }
}

/// Timed runs of a windowed model as it is deployed: `frames` steps from zero state every
/// `hop` hops (see `WindowedNetwork`).
public struct WindowFigures {
    /// W: steps per run.
    public var frames: Int
    /// K: hops between runs.
    public var hop: Int
    /// One run (W steps, with the reset), ns.
    public var histogram: LatencyHistogram
    /// Runs for which the front end's mean cost plus the run exceeded one hop (the hop that
    /// triggers a run has to fit all W steps).
    public var deadlineMisses: Int
    /// (K · front end mean + mean run) / (K · hop): the share of real time the model needs.
    public var realtimeFactor: Double

    /// The latency bound of windowed execution, window plus hop: W + K frames.
    public var latencyBoundFrames: Int { frames + hop }

    /// `latencyBoundFrames` in milliseconds at one frame per `hopNanoseconds`.
    public func latencyBoundMilliseconds(hopNanoseconds: UInt64) -> Double {
        Double(latencyBoundFrames) * Double(hopNanoseconds) / 1_000_000
    }
}
