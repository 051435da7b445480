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

    /// This model's side of the stream's voice-activity gate, or nil.
    var preRoll: GatePreRoll?

    /// - Throws: `PipelineError` when the graph's output is not one probability, its feature width
    ///   differs from the front end's, or its cutoff or window is out of range.
    init(graph: QuantizedGraph, part: Pipeline.Part, frontend: FrontendConfig, featureCount: Int,
         modelIndex: Int, keywordOffset: Int) throws(PipelineError) {
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
        preRoll?.reset()
        network.reset()
        detector.reset()
        framesFilled = 0
        posteriors = 0
    }

    /// One feature frame, the `frameIndex`-th (0-based) of its front end; runs a network step
    /// when `framesPerStep` frames are in (behind a closed gate the frame goes into the pre-roll).
    /// Returns the detections made. Allocates: never.
    @inline(__always)
    func frame(_ features: UnsafeMutablePointer<Float>, frameIndex: Int, into events: EventList, shift: Double) -> Int {
        guard let preRoll else { return consume(features, frameIndex: frameIndex, scored: true, into: events, shift: shift) }
        if (frameIndex &+ 1) % network.framesPerStep == 0 { preRoll.unitsSeen &+= 1 }
        guard preRoll.gate.isOpen else {
            preRoll.keep(UnsafeBufferPointer(start: features, count: width))
            return 0
        }
        var detections = 0
        if preRoll.takeOpening() { detections = replay(preRoll, into: events, shift: shift) }
        preRoll.fed(1)
        return detections &+ consume(features, frameIndex: frameIndex, scored: true, into: events, shift: shift)
    }

    /// Adds a frame to the step; steps when full and, when `scored`, feeds the rule.
    @inline(__always)
    private func consume(_ features: UnsafePointer<Float>, frameIndex: Int, scored: Bool, into events: EventList, shift: Double) -> Int {
        (stepFeatures + framesFilled &* width).update(from: features, count: width)
        framesFilled &+= 1
        guard framesFilled == network.framesPerStep else { return 0 }
        framesFilled = 0
        network.setInput(features: stepFeatures)
        let probability = network.step()[0]
        posteriors &+= 1
        preRoll?.unitsRun &+= 1
        guard scored, let mean = detector.push(probability) else { return 0 }
        let time = firstFrameEnd + frameHop * Double(frameIndex)
        events.append(PipelineEvent(
            modelIndex: modelIndex, labelIndex: 0, keywordIndex: keywordOffset, time: time + shift, score: Float(mean)))
        // As pymicro-wakeword's reset(): partial step, window and network state start over.
        network.reset()
        detector.reset()
        return 1
    }

    /// On an opening: the frames skipped while closed, replayed in their step grouping. When the
    /// pre-roll covers the whole gap the network sees exactly the ungated frames; otherwise its
    /// state is rebuilt over the first `warmUp` frames (stepped, not scored) and the rule's window
    /// starts empty. Allocates: never.
    private func replay(_ preRoll: GatePreRoll, into events: EventList, shift: Double) -> Int {
        let (start, exact) = preRoll.replayStart(alignment: network.framesPerStep)
        if !exact { detector.reset() }
        let firstIndex = preRoll.position &- preRoll.held
        var detections = 0
        var offset = start
        while offset < preRoll.held {
            let rows = preRoll.segment(from: offset)
            var row = 0
            while row < rows.count {
                let scored = exact || offset &- start >= preRoll.warmUp
                detections &+= consume(rows.baseAddress! + row, frameIndex: firstIndex &+ offset, scored: scored, into: events, shift: shift)
                row &+= width
                offset &+= 1
            }
        }
        preRoll.replayed()
        return detections
    }
}

extension MicroWakeWordRunner {
    /// Seconds of audio a microWakeWord streaming network's state depends on (an upper bound for
    /// the wheel's models: their strided, dilated convolutions reach about 1.5–2 s back).
    static let contextSeconds = 2.0

    /// Puts this model behind the stream's voice-activity gate (see `GatePreRoll`).
    /// Allocates: the pre-roll (set-up only).
    func attach(_ gate: SpeechGate) {
        let seconds = gate.settings.preRollSeconds ?? GatePreRoll.microWakeWordSeconds
        let framesPerSecond = 1 / frameHop
        preRoll = GatePreRoll(gate: gate, rows: GatePreRoll.rows(seconds: seconds, rowsPerSecond: framesPerSecond),
                              width: width, warmUp: GatePreRoll.rows(seconds: Self.contextSeconds, rowsPerSecond: framesPerSecond))
    }
}
