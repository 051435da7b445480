import Model
import Runtime
import Spotter

/// One imported microWakeWord model inside a `PipelineStream`: `framesPerStep` feature frames
/// per network step, quantized as pymicro-wakeword quantizes them -> `QuantizedNetwork` -> the
/// manifest's rule (`SlidingMeanDetector`: mean of the last `sliding_window_size` probabilities
/// above the cutoff) -> events.
///
/// After a detection the runner does what pymicro-wakeword's `MicroWakeWord.reset()` does: the
/// frames of an unfinished step and the probability window are dropped and the network's state
/// is restored to its initial values (the front end keeps running), so the next detection needs
/// a full window of new steps.
///
/// Event times: the end of the newest audio the network has seen, (windowLength + f·hop) / rate
/// for feature frame f (as Earshot's models stamp posteriors).
///
/// All buffers are allocated at `init`; the per-frame calls allocate nothing.
final class MicroWakeWordRunner {
    let network: QuantizedNetwork
    /// The rule (cutoff: `Pipeline.Part.threshold(for:)`, the manifest's unless overridden).
    let detector: SlidingMeanDetector
    let posteriorHopSeconds: Double
    /// Network steps run since the start (or `reset`).
    private(set) var posteriors = 0
    private let modelIndex: Int
    private let keywordOffset: Int
    /// `framesPerStep` frames of features, filled one frame at a time.
    private let stepFeatures: UnsafeMutablePointer<Float>
    private var framesFilled = 0
    private let width: Int
    private let firstFrameEnd: Double
    private let frameHop: Double

    /// Why a microWakeWord graph takes no voice-activity gate.
    static let gateRefused = PipelineError.other(
        "the VAD gate runs in front of Earshot's own streaming models, not imported microWakeWord models")

    /// - Throws: `PipelineError` when the graph's output is not one probability, its feature width
    ///   differs from the front end's, or its cutoff or window is out of range.
    init(graph: QuantizedGraph, part: Pipeline.Part, frontend: FrontendConfig, featureCount: Int,
         modelIndex: Int, keywordOffset: Int) throws(PipelineError) {
        guard part.gate == nil else { throw Self.gateRefused }
        do {
            network = try QuantizedNetwork(graph: graph)
        } catch {
            throw .other("\(error)")
        }
        guard network.outputSize == 1 else { throw .labelCountMismatch(labels: 1, outputs: network.outputSize) }
        guard featureCount == network.featureWidth else {
            throw .featureSizeMismatch(features: featureCount, networkInput: network.featureWidth)
        }
        let wake = graph.wakeWord
        do {
            detector = try SlidingMeanDetector(
                windowSize: wake.slidingWindow, cutoff: part.threshold(for: wake.name), keyword: wake.name)
        } catch {
            throw .detector(error)
        }
        self.modelIndex = modelIndex
        self.keywordOffset = keywordOffset
        width = featureCount
        let rate = Double(frontend.sampleRate)
        frameHop = Double(frontend.hopLength) / rate
        firstFrameEnd = Double(frontend.windowLength) / rate
        posteriorHopSeconds = frameHop * Double(network.framesPerStep)
        let count = network.framesPerStep * width
        stepFeatures = .allocate(capacity: count)
        stepFeatures.initialize(repeating: 0, count: count)
    }

    deinit { stepFeatures.deallocate() }

    /// Forgets all audio. Allocates: never.
    func reset() {
        network.reset()
        detector.reset()
        framesFilled = 0
        posteriors = 0
    }

    /// One feature frame, the `frameIndex`-th (0-based) of its front end; runs a network step
    /// when `framesPerStep` frames are in. Returns 1 for a detection, else 0. Allocates: never.
    @inline(__always)
    func frame(_ features: UnsafeMutablePointer<Float>, frameIndex: Int, into events: EventList, shift: Double) -> Int {
        (stepFeatures + framesFilled &* width).update(from: features, count: width)
        framesFilled &+= 1
        guard framesFilled == network.framesPerStep else { return 0 }
        framesFilled = 0
        network.setInput(features: stepFeatures)
        let probability = network.step()[0]
        posteriors &+= 1
        guard let mean = detector.push(probability) else { return 0 }
        let time = firstFrameEnd + frameHop * Double(frameIndex)
        events.append(PipelineEvent(
            modelIndex: modelIndex, labelIndex: 0, keywordIndex: keywordOffset, time: time + shift, score: Float(mean)))
        // As pymicro-wakeword's reset(): partial step, window and network state start over.
        network.reset()
        detector.reset()
        return 1
    }
}
