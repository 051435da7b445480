/// Turns a stream of per-frame class scores (posteriors) into keyword events.
///
/// Per frame t with scores p[t, c] for the C labels:
/// 1. Smoothing: s[t, c] = (1/N) · Σ_{j=0}^{N-1} p[t-j, c], where frames before the stream
///    started count as 0 (a zero-padded moving average over the last N frames).
/// 2. Among keyword labels k (labels not in `ignoredLabels`) whose s[t, k] ≥ threshold_k and
///    that are not in a refractory period, the one with the highest s[t, k] fires an event
///    at time t · hop + offset.
/// 3. Refractory: for R seconds after an event at frame t_e — that is, while
///    t − t_e < ⌈R / hop⌉ — the same keyword (or every keyword, per `refractoryScope`) stays silent.
///
/// All memory (the N × C ring of recent scores and the running sums) is allocated at `init`;
/// `process` allocates nothing.
public final class Detector {
    /// The validated configuration.
    public let configuration: DetectorConfiguration
    /// C: scores expected per frame.
    public let labelCount: Int
    /// Frames processed since the start or the last `reset()`.
    public private(set) var frameIndex: Int = 0

    private let window: Int
    private let refractoryFrames: Int
    /// N × C ring of the last N frames' scores, row `frameIndex mod N` is the oldest.
    private let ring: UnsafeMutablePointer<Float>
    /// C running sums of the ring's rows (in Double so adding and removing does not drift).
    private let sums: UnsafeMutablePointer<Double>
    /// C thresholds; ignored labels get +infinity.
    private let thresholds: UnsafeMutablePointer<Float>
    /// C frame indices of each keyword's last event (or `Int.min / 2` for none).
    private let lastEvent: UnsafeMutablePointer<Int>
    private var lastAnyEvent: Int = Int.min / 2
    private let labels: [String]

    /// - Throws: `SpotterError` for an invalid configuration.
    public init(configuration: DetectorConfiguration) throws(SpotterError) {
        try configuration.validate()
        self.configuration = configuration
        labels = configuration.labels
        labelCount = labels.count
        window = configuration.smoothingFrames
        let ratio = configuration.refractorySeconds / configuration.hopSeconds
        // Round up, but forgive floating-point noise such as 1.0 / 0.02 = 50.000000000000007.
        refractoryFrames = Int((ratio - 1e-9).rounded(.up))
        ring = .allocate(capacity: window * labelCount)
        sums = .allocate(capacity: labelCount)
        thresholds = .allocate(capacity: labelCount)
        lastEvent = .allocate(capacity: labelCount)
        for c in 0..<labelCount {
            let label = labels[c]
            if configuration.ignoredLabels.contains(label) {
                thresholds[c] = .infinity
            } else {
                thresholds[c] = configuration.thresholds[label] ?? configuration.defaultThreshold
            }
        }
        reset()
    }

    deinit {
        ring.deallocate()
        sums.deallocate()
        thresholds.deallocate()
        lastEvent.deallocate()
    }

    /// Forgets all history: the next frame is frame 0 at time `timeOffsetSeconds`.
    public func reset() {
        ring.initialize(repeating: 0, count: window * labelCount)
        sums.initialize(repeating: 0, count: labelCount)
        lastEvent.initialize(repeating: Int.min / 2, count: labelCount)
        lastAnyEvent = Int.min / 2
        frameIndex = 0
    }

    /// The smoothed score s[t, c] of the last processed frame for label `index`.
    public func smoothedScore(_ index: Int) -> Float {
        precondition(index >= 0 && index < labelCount, "label index out of range")
        return Float(sums[index] / Double(window))
    }

    /// Processes one frame of scores and returns the event it triggers, if any.
    ///
    /// - Parameter scores: C = `labelCount` scores in label order (probabilities, typically
    ///   a softmax output).
    /// Allocates: never.
    public func process(_ scores: UnsafeBufferPointer<Float>) -> DetectionEvent? {
        precondition(scores.count == labelCount, "expected one score per label")
        let t = frameIndex
        let row = ring + (t % window) &* labelCount
        let invWindow = 1 / Double(window)
        var best = -1
        var bestScore: Float = -.infinity
        let anyBlocked = configuration.refractoryScope == .anyKeyword && t &- lastAnyEvent < refractoryFrames
        for c in 0..<labelCount {
            let value = scores[c]
            sums[c] += Double(value) - Double(row[c])
            row[c] = value
            let smoothed = Float(sums[c] * invWindow)
            if smoothed >= thresholds[c] && smoothed > bestScore && !anyBlocked
                && t &- lastEvent[c] >= refractoryFrames {
                best = c
                bestScore = smoothed
            }
        }
        frameIndex = t &+ 1
        guard best >= 0 else { return nil }
        lastEvent[best] = t
        lastAnyEvent = t
        return DetectionEvent(
            keyword: labels[best], labelIndex: best, frameIndex: t,
            time: Double(t) * configuration.hopSeconds + configuration.timeOffsetSeconds,
            score: bestScore)
    }

    /// Processes one frame given as an array (convenience for tests and tools).
    public func process(_ scores: [Float]) -> DetectionEvent? {
        scores.withUnsafeBufferPointer { process($0) }
    }
}
