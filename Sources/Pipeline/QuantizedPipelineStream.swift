import Frontend
import Model
import Runtime
import Spotter

/// One stream through an imported microWakeWord model (an `earshot-qgraph` file): mono samples
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
/// All buffers are allocated at `init`; `process` allocates nothing. Not thread-safe.
public final class QuantizedPipelineStream {
    /// The one keyword: the manifest's wake word.
    public let labels: [String]
    public let frontend: FrontendConfig
    /// Samples per second handed to `process`.
    public let inputRate: Int
    /// The rule in use (cutoff: a per-keyword threshold override, else the manifest's).
    public let detector: SlidingMeanDetector
    /// Seconds between network steps.
    public let posteriorHopSeconds: Double
    /// Added to every event time.
    public var timeShiftSeconds: Double = 0

    /// Feature frames computed since the start (or `reset`).
    public private(set) var featureFrames = 0
    /// Network steps run since the start (or `reset`).
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

    private let network: QuantizedNetwork
    private let extractor: FeatureExtractor
    private let resampler: PolyphaseResampler?
    private let resampled: UnsafeMutablePointer<Float>
    private let resampledCapacity = 4096
    /// `framesPerStep` frames of features, filled one frame at a time.
    private let stepFeatures: UnsafeMutablePointer<Float>
    private var framesFilled = 0
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
    public init(graph: QuantizedGraph, inputRate: Int, detector settings: DetectorSettings = DetectorSettings(),
                eventCapacity: Int = 256) throws(PipelineError) {
        let wake = graph.wakeWord
        guard wake.frontendPreset == FrontendPreset.micro.rawValue else {
            throw .other("the model's front end is '\(wake.frontendPreset)'; Earshot computes only 'micro' for imported models")
        }
        let config = FrontendConfig.micro(stepMilliseconds: wake.featureStepMilliseconds, channelCount: graph.input.width)
        frontend = config
        self.inputRate = inputRate
        labels = [wake.name]
        do {
            network = try QuantizedNetwork(graph: graph)
            extractor = try FeatureExtractor(config: config)
        } catch let error as RuntimeError {
            throw .runtime(error)
        } catch let error as FrontendError {
            throw .frontend(error)
        } catch {
            throw .other("\(error)")
        }
        guard network.outputSize == 1 else { throw .labelCountMismatch(labels: 1, outputs: network.outputSize) }
        guard extractor.featureCount == network.featureWidth else {
            throw .featureSizeMismatch(features: extractor.featureCount, networkInput: network.featureWidth)
        }
        for name in settings.thresholds.keys where name != wake.name { throw .detector(.unknownKeyword(name)) }
        let cutoff = settings.thresholds[wake.name].map(Double.init) ?? wake.probabilityCutoff
        do {
            detector = try SlidingMeanDetector(windowSize: wake.slidingWindow, cutoff: cutoff, keyword: wake.name)
        } catch {
            throw .detector(error)
        }
        let rate = Double(config.sampleRate)
        frameHop = Double(config.hopLength) / rate
        firstFrameEnd = Double(config.windowLength) / rate
        posteriorHopSeconds = frameHop * Double(network.framesPerStep)
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
        let stepCount = network.framesPerStep * network.featureWidth
        stepFeatures = .allocate(capacity: stepCount)
        stepFeatures.initialize(repeating: 0, count: stepCount)
        self.eventCapacity = max(1, eventCapacity)
        eventBuffer = .allocate(capacity: self.eventCapacity)
        eventBuffer.initialize(repeating: PipelineEvent(labelIndex: 0, time: 0, score: 0), count: self.eventCapacity)
    }

    deinit {
        resampled.deallocate()
        stepFeatures.deallocate()
        eventBuffer.deallocate()
    }

    /// Forgets all audio (front end, network state, window, resampler history); counters
    /// restart at 0. Allocates: never.
    public func reset() {
        resampler?.reset()
        extractor.reset()
        network.reset()
        detector.reset()
        framesFilled = 0
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
        let width = network.featureWidth
        let perStep = network.framesPerStep
        while offset < samples.count {
            let frame = UnsafeMutableBufferPointer(start: stepFeatures + framesFilled &* width, count: width)
            let step = extractor.process(UnsafeBufferPointer(rebasing: samples[offset...]), into: frame)
            offset &+= step.consumed
            guard step.produced else { continue }
            featureFrames &+= 1
            framesFilled &+= 1
            guard framesFilled == perStep else { continue }
            framesFilled = 0
            network.setInput(features: stepFeatures)
            let probability = network.step()[0]
            posteriors &+= 1
            guard let mean = detector.push(probability) else { continue }
            detections &+= 1
            let time = firstFrameEnd + frameHop * Double(featureFrames &- 1)
            append(PipelineEvent(labelIndex: 0, time: time + timeShiftSeconds, score: Float(mean)))
            // As pymicro-wakeword's reset(): partial step, window and network state start over.
            network.reset()
            detector.reset()
        }
        return detections
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
