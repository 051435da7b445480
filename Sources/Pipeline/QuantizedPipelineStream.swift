import Frontend
import Model
import Runtime
import Spotter

/// One stream through imported microWakeWord models (`earshot-qgraph` files): mono samples
/// at the capture rate -> resampler (when the rate is not the model's) -> the model's `micro`
/// front end -> `framesPerStep` feature frames per network step, quantized as pymicro-wakeword
/// quantizes them -> `QuantizedNetwork` -> the manifest's rule (`SlidingMeanDetector`: mean of
/// the last `sliding_window_size` probabilities above `probability_cutoff`) -> events.
///
/// After a detection the stream does what pymicro-wakeword's `MicroWakeWord.reset()` does: the
/// frames of an unfinished step and the probability window are dropped and the network's state
/// is restored to its initial values (the front end keeps running), so the next detection needs
/// a full window of new steps.
///
/// Event times: the end of the newest audio the network has seen, (windowLength + f·hop) / rate
/// for feature frame f (as `PipelineStream` stamps posteriors), plus `timeShiftSeconds`.
///
/// Several models (`init(graphs:)`) share one front end, computed once per hop; each keeps its
/// own step buffer, network and rule, and its events carry its index (`modelIndex`, and
/// `labelIndex`: `labels` holds one wake word per model).
///
/// All buffers are allocated at `init`; `process` allocates nothing. Not thread-safe.
public final class QuantizedPipelineStream {
    /// Each model's wake word (its manifest's), in model order.
    public let labels: [String]
    public let frontend: FrontendConfig
    /// Samples per second handed to `process`.
    public let inputRate: Int
    /// The first model's rule (cutoff: a per-keyword threshold override, else the manifest's).
    public var detector: SlidingMeanDetector { detectors[0] }
    /// Each model's rule, in model order.
    public let detectors: [SlidingMeanDetector]
    /// Seconds between the first model's network steps.
    public let posteriorHopSeconds: Double
    /// Added to every event time.
    public var timeShiftSeconds: Double = 0

    /// Feature frames computed since the start (or `reset`).
    public private(set) var featureFrames = 0
    /// The first model's network steps run since the start (or `reset`).
    public private(set) var posteriors = 0
    /// Samples at `inputRate` consumed since the start (or `reset`).
    public private(set) var samplesConsumed = 0
    /// Events beyond `eventCapacity` in one call, dropped, since the start (or `reset`).
    public private(set) var droppedEvents = 0

    /// The events of the last `process` call, in order (valid until the next call).
    public var events: UnsafeBufferPointer<PipelineEvent> { UnsafeBufferPointer(start: eventBuffer, count: eventCount) }
    public let eventCapacity: Int
    private let eventBuffer: UnsafeMutablePointer<PipelineEvent>
    private var eventCount = 0

    private let networks: [QuantizedNetwork]
    private let extractor: FeatureExtractor
    private let resampler: PolyphaseResampler?
    private let resampled: UnsafeMutablePointer<Float>
    private let resampledCapacity = 4096
    /// Per model, `framesPerStep` frames of features, filled one frame at a time.
    private let stepFeatures: [UnsafeMutablePointer<Float>]
    /// Per model, frames in its step buffer.
    private let framesFilled: UnsafeMutablePointer<Int>
    /// The front end's output frame.
    private let frame: UnsafeMutablePointer<Float>
    private let firstFrameEnd: Double
    private let frameHop: Double

    /// Builds the stream for `graph` fed at `inputRate`.
    ///
    /// - Parameters:
    ///   - detector: only its per-keyword `thresholds` apply (an entry for the wake word's name
    ///     replaces the manifest's cutoff); smoothing and refractory settings are the manifest's rule.
    /// - Throws: `PipelineError` when the model's front end is not `micro`, its feature width or
    ///   window differs from what the network or rule accepts, or the resampler cannot be built.
    /// Allocates: everything (set-up only).
    public convenience init(graph: QuantizedGraph, inputRate: Int, detector settings: DetectorSettings = DetectorSettings(),
                            eventCapacity: Int = 256) throws(PipelineError) {
        try self.init(graphs: [graph], inputRate: inputRate, detector: settings, eventCapacity: eventCapacity)
    }

    /// Builds one stream for several models that share a front end (computed once per hop).
    ///
    /// - Throws: as `init(graph:...)`, `.modelCount(0)` for no model, and `.other` when the
    ///   models' front ends differ or two share a wake word name.
    /// Allocates: everything (set-up only).
    public init(graphs: [QuantizedGraph], inputRate: Int, detector settings: DetectorSettings = DetectorSettings(),
                eventCapacity: Int = 256) throws(PipelineError) {
        guard let first = graphs.first else { throw .modelCount(0) }
        var configs: [FrontendConfig] = []
        for graph in graphs {
            let wake = graph.wakeWord
            guard wake.frontendPreset == FrontendPreset.micro.rawValue else {
                throw .other("the model '\(wake.name)' has front end '\(wake.frontendPreset)'; Earshot computes only 'micro' for imported models")
            }
            configs.append(FrontendConfig.micro(stepMilliseconds: wake.featureStepMilliseconds, channelCount: graph.input.width))
        }
        let config = configs[0]
        guard configs.allSatisfy({ $0 == config }) else {
            throw .other("the models' front ends differ (feature step or width); one stream runs models that share a front end")
        }
        frontend = config
        self.inputRate = inputRate
        labels = graphs.map { $0.wakeWord.name }
        guard Set(labels).count == labels.count else { throw .other("two models have the same wake word name (\(labels))") }
        var networks: [QuantizedNetwork] = []
        // Typed catches, one per call (Embedded Swift has no dynamic casts).
        do throws(ModelError) {
            for graph in graphs { networks.append(try QuantizedNetwork(graph: graph)) }
        } catch {
            throw .other("\(error)")
        }
        do throws(FrontendError) {
            extractor = try FeatureExtractor(config: config)
        } catch {
            throw .frontend(error)
        }
        for network in networks {
            guard network.outputSize == 1 else { throw .labelCountMismatch(labels: 1, outputs: network.outputSize) }
            guard extractor.featureCount == network.featureWidth else {
                throw .featureSizeMismatch(features: extractor.featureCount, networkInput: network.featureWidth)
            }
        }
        self.networks = networks
        for name in settings.thresholds.keys where !labels.contains(name) { throw .detector(.unknownKeyword(name)) }
        var detectors: [SlidingMeanDetector] = []
        for graph in graphs {
            let wake = graph.wakeWord
            let cutoff = settings.thresholds[wake.name].map(Double.init) ?? wake.probabilityCutoff
            do {
                detectors.append(try SlidingMeanDetector(windowSize: wake.slidingWindow, cutoff: cutoff, keyword: wake.name))
            } catch {
                throw .detector(error)
            }
        }
        self.detectors = detectors
        let rate = Double(config.sampleRate)
        frameHop = Double(config.hopLength) / rate
        firstFrameEnd = Double(config.windowLength) / rate
        posteriorHopSeconds = frameHop * Double(first.input.frames)
        if inputRate != config.sampleRate {
            do {
                resampler = try PolyphaseResampler(inputRate: inputRate, outputRate: config.sampleRate)
            } catch {
                throw .frontend(error)
            }
        } else {
            resampler = nil
        }
        resampled = .allocate(capacity: resampledCapacity)
        resampled.initialize(repeating: 0, count: resampledCapacity)
        stepFeatures = networks.map { network in
            let count = network.framesPerStep * network.featureWidth
            let buffer = UnsafeMutablePointer<Float>.allocate(capacity: count)
            buffer.initialize(repeating: 0, count: count)
            return buffer
        }
        framesFilled = .allocate(capacity: networks.count)
        framesFilled.initialize(repeating: 0, count: networks.count)
        frame = .allocate(capacity: extractor.featureCount)
        frame.initialize(repeating: 0, count: extractor.featureCount)
        self.eventCapacity = max(1, eventCapacity)
        eventBuffer = .allocate(capacity: self.eventCapacity)
        eventBuffer.initialize(repeating: PipelineEvent(labelIndex: 0, time: 0, score: 0), count: self.eventCapacity)
    }

    deinit {
        resampled.deallocate()
        for buffer in stepFeatures { buffer.deallocate() }
        framesFilled.deallocate()
        frame.deallocate()
        eventBuffer.deallocate()
    }

    /// Forgets all audio (front end, network state, window, resampler history); counters
    /// restart at 0. Allocates: never.
    public func reset() {
        resampler?.reset()
        extractor.reset()
        for index in 0..<networks.count {
            networks[index].reset()
            detectors[index].reset()
            framesFilled[index] = 0
        }
        featureFrames = 0
        posteriors = 0
        samplesConsumed = 0
        droppedEvents = 0
        eventCount = 0
    }

    /// Runs `samples` (mono, [-1, 1], at `inputRate`) through the stream; its detections are in
    /// `events` afterwards.
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

    private func spot(_ samples: UnsafeBufferPointer<Float>) -> Int {
        var detections = 0
        var offset = 0
        let width = extractor.featureCount
        let output = UnsafeMutableBufferPointer(start: frame, count: width)
        while offset < samples.count {
            let step = extractor.process(UnsafeBufferPointer(rebasing: samples[offset...]), into: output)
            offset &+= step.consumed
            guard step.produced else { continue }
            featureFrames &+= 1
            for index in 0..<networks.count {
                detections &+= advance(index, width: width)
            }
        }
        return detections
    }

    /// Hands the new frame to model `index`; runs its step when it has `framesPerStep` frames.
    @inline(__always)
    private func advance(_ index: Int, width: Int) -> Int {
        let network = networks[index]
        let filled = framesFilled[index]
        (stepFeatures[index] + filled &* width).update(from: frame, count: width)
        guard filled &+ 1 == network.framesPerStep else {
            framesFilled[index] = filled &+ 1
            return 0
        }
        framesFilled[index] = 0
        network.setInput(features: stepFeatures[index])
        let probability = network.step()[0]
        if index == 0 { posteriors &+= 1 }
        let detector = detectors[index]
        guard let mean = detector.push(probability) else { return 0 }
        let time = firstFrameEnd + frameHop * Double(featureFrames &- 1)
        append(PipelineEvent(modelIndex: index, labelIndex: index, time: time + timeShiftSeconds, score: Float(mean)))
        // As pymicro-wakeword's reset(): partial step, window and network state start over.
        network.reset()
        detector.reset()
        return 1
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
