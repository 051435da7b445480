/// Settings for a `Detector`.
public struct DetectorConfiguration: Sendable, Equatable {
    /// Which keywords a detection suppresses during the refractory period.
    public enum RefractoryScope: String, Sendable, Equatable {
        /// Only the keyword that was detected.
        case sameKeyword
        /// Every keyword.
        case anyKeyword
    }

    /// The network's output labels, in output order (one score per label per frame).
    public var labels: [String]
    /// Labels never reported (non-keyword classes). Default `_silence_`, `_unknown_`.
    public var ignoredLabels: Set<String>
    /// The threshold a keyword's smoothed score must reach, per keyword label; keywords not
    /// listed use `defaultThreshold`.
    public var thresholds: [String: Float]
    /// The threshold for keywords without their own entry in `thresholds`.
    public var defaultThreshold: Float
    /// N: scores are averaged over the last N frames.
    public var smoothingFrames: Int
    /// Seconds between consecutive frames (the front end's hop).
    public var hopSeconds: Double
    /// Added to every event time; e.g. the front end's window length, so that times mark the end
    /// of the newest audio a frame has seen.
    public var timeOffsetSeconds: Double
    /// R: after an event, seconds during which no further event is reported (see `refractoryScope`).
    public var refractorySeconds: Double
    /// Whether the refractory period silences the detected keyword only or every keyword.
    public var refractoryScope: RefractoryScope

    public init(
        labels: [String], ignoredLabels: Set<String> = ["_silence_", "_unknown_"],
        thresholds: [String: Float] = [:], defaultThreshold: Float = 0.8,
        smoothingFrames: Int = 10, hopSeconds: Double = 0.02, timeOffsetSeconds: Double = 0,
        refractorySeconds: Double = 1.0, refractoryScope: RefractoryScope = .anyKeyword
    ) {
        self.labels = labels
        self.ignoredLabels = ignoredLabels
        self.thresholds = thresholds
        self.defaultThreshold = defaultThreshold
        self.smoothingFrames = smoothingFrames
        self.hopSeconds = hopSeconds
        self.timeOffsetSeconds = timeOffsetSeconds
        self.refractorySeconds = refractorySeconds
        self.refractoryScope = refractoryScope
    }

    /// Checks every field.
    ///
    /// - Throws: `SpotterError` naming the first bad value.
    public func validate() throws(SpotterError) {
        if labels.isEmpty { throw .noLabels }
        var seen = Set<String>()
        for label in labels {
            if !seen.insert(label).inserted { throw .duplicateLabel(label) }
        }
        let keywords = labels.filter { !ignoredLabels.contains($0) }
        if keywords.isEmpty { throw .noKeywords(labels: labels) }
        for name in thresholds.keys.sorted() {
            guard keywords.contains(name) else { throw .unknownKeyword(name) }
            let value = thresholds[name]!
            if !(value >= 0 && value <= 1) { throw .thresholdOutOfRange(keyword: name, value: value) }
        }
        if !(defaultThreshold >= 0 && defaultThreshold <= 1) {
            throw .thresholdOutOfRange(keyword: "(default)", value: defaultThreshold)
        }
        if smoothingFrames < 1 || smoothingFrames > 10_000 { throw .smoothingWindowOutOfRange(smoothingFrames) }
        if !(hopSeconds > 0 && hopSeconds.isFinite) { throw .hopOutOfRange(hopSeconds) }
        if !(refractorySeconds >= 0 && refractorySeconds.isFinite) { throw .refractoryOutOfRange(refractorySeconds) }
    }
}
