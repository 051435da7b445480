/// Turns a stream of per-frame class scores (posteriors) into keyword events.
///
/// Per frame t with scores p[t, c] for the C labels:
/// 1. Smoothing: s[t, c] = (1/N) · Σ_{j=0}^{N-1} p[t-j, c], where frames before the stream
///    started count as 0 (a zero-padded moving average over the last N frames). A NaN score
///    counts as 0.
/// 2. Among keyword labels k (labels not in `ignoredLabels`) whose s[t, k] ≥ threshold_k,
///    that are armed and not in a refractory period, the one with the highest s[t, k] (the
///    lowest index on a tie) fires an event with score s[t, k]. Its decision frame is t; its
///    onset frame t₀ is the earliest of the smoothed frames t−N+1 ... t (frames ≥ 0) whose own
///    score p[t₀, k] ≥ threshold_k (t if rounding leaves none), and the event's time is
///    t₀ · hop + offset: where in the stream the keyword was first scored above its threshold,
///    without the delay smoothing adds to the decision (`decisionTime` keeps that).
/// 3. Re-arming: a keyword that fired is disarmed until its smoothed score falls below its
///    threshold again, so one long utterance gives one event, however long it lasts.
/// 4. Refractory: for R seconds after an event at frame t_e — that is, while
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
    /// C flags: 1 while the keyword may fire (see re-arming), 0 after it fired.
    private let armed: UnsafeMutablePointer<UInt8>
    private var lastAnyEvent: Int = Int.min / 2
    private let labels: [String]
    private let silencesEveryKeyword: Bool
    private let hopSeconds: Double
    private let timeOffsetSeconds: Double

    /// - Throws: `SpotterError` for an invalid configuration.
    public init(configuration: DetectorConfiguration) throws(SpotterError) {
        try configuration.validate()
        self.configuration = configuration
        labels = configuration.labels
        labelCount = labels.count
        window = configuration.smoothingFrames
        silencesEveryKeyword = configuration.refractoryScope == .anyKeyword
        hopSeconds = configuration.hopSeconds
        timeOffsetSeconds = configuration.timeOffsetSeconds
        let ratio = configuration.refractorySeconds / configuration.hopSeconds
        // Round up, but forgive floating-point noise such as 1.0 / 0.02 = 50.000000000000007.
        refractoryFrames = Int((ratio - 1e-9).rounded(.up))
        ring = .allocate(capacity: window * labelCount)
        sums = .allocate(capacity: labelCount)
        thresholds = .allocate(capacity: labelCount)
        lastEvent = .allocate(capacity: labelCount)
        armed = .allocate(capacity: labelCount)
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
        armed.deallocate()
    }

    /// Forgets all history: the next frame is frame 0 at time `timeOffsetSeconds`.
    public func reset() {
        ring.initialize(repeating: 0, count: window * labelCount)
        sums.initialize(repeating: 0, count: labelCount)
        lastEvent.initialize(repeating: Int.min / 2, count: labelCount)
        armed.initialize(repeating: 1, count: labelCount)
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
    /// Allocates: never (the label is a copy of a stored string; the streaming pipeline uses
    /// `hit(_:)`, whose result holds no reference at all).
    public func process(_ scores: UnsafeBufferPointer<Float>) -> DetectionEvent? {
        guard let hit = hit(scores) else { return nil }
        return DetectionEvent(
            keyword: labels[hit.labelIndex], labelIndex: hit.labelIndex, frameIndex: hit.frameIndex,
            time: hit.time, score: hit.score, decisionFrameIndex: hit.decisionFrameIndex,
            decisionTime: hit.decisionTime)
    }

    /// `process(_:)` without the label's name: plain values only, so the hot path has no
    /// reference counting and needs no runtime type metadata (whose first instantiation, at the
    /// first detection after load, allocates).
    /// Allocates: never.
    public func hit(_ scores: UnsafeBufferPointer<Float>) -> DetectorHit? {
        precondition(scores.count == labelCount, "expected one score per label")
        let t = frameIndex
        let row = ring + (t % window) &* labelCount
        let invWindow = 1 / Double(window)
        var best = -1
        var bestScore: Float = -.infinity
        let anyBlocked = silencesEveryKeyword && t &- lastAnyEvent < refractoryFrames
        for c in 0..<labelCount {
            let raw = scores[c]
            let value: Float = raw.isFinite ? raw : 0
            sums[c] += Double(value) - Double(row[c])
            row[c] = value
            let smoothed = Float(sums[c] * invWindow)
            if smoothed < thresholds[c] {
                armed[c] = 1
            } else if armed[c] != 0 && smoothed > bestScore && !anyBlocked
                && t &- lastEvent[c] >= refractoryFrames {
                best = c
                bestScore = smoothed
            }
        }
        frameIndex = t &+ 1
        if (t &+ 1) % window == 0 {
            // Once per window, re-add the ring so rounding in the running sums cannot build up.
            for c in 0..<labelCount {
                var exact = 0.0
                for j in 0..<window { exact += Double(ring[j &* labelCount &+ c]) }
                sums[c] = exact
            }
        }
        guard best >= 0 else { return nil }
        armed[best] = 0
        lastEvent[best] = t
        lastAnyEvent = t
        let threshold = thresholds[best]
        var onset = t
        var u = t &- window &+ 1
        if u < 0 { u = 0 }
        while u < t {
            if ring[(u % window) &* labelCount &+ best] >= threshold {
                onset = u
                break
            }
            u &+= 1
        }
        return DetectorHit(
            labelIndex: best, frameIndex: onset, time: Double(onset) * hopSeconds + timeOffsetSeconds,
            score: bestScore, decisionFrameIndex: t, decisionTime: Double(t) * hopSeconds + timeOffsetSeconds)
    }

    /// Processes one frame given as an array (convenience for tests and tools).
    public func process(_ scores: [Float]) -> DetectionEvent? {
        scores.withUnsafeBufferPointer { process($0) }
    }
}
