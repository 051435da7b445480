/// Detector settings in seconds, independent of any model's hop (converted to frames when a
/// model is loaded; see `DetectorSettings.configuration(labels:posteriorHopSeconds:timeOffsetSeconds:)`).
public struct DetectorSettings: Equatable, Sendable {
    /// Posteriors are averaged over this many seconds (at least one posterior).
    public var smoothingSeconds: Double = 0.2
    /// The threshold for keywords without their own entry in `thresholds`; nil: the model's
    /// stored threshold where a pipeline knows one (see `Pipeline.Part.threshold(for:)`), else
    /// `DetectorSettings.defaultThreshold`.
    public var threshold: Float?
    /// The threshold when neither the settings nor the model name one.
    public static let defaultThreshold: Float = 0.8
    /// Per-keyword thresholds.
    public var thresholds: [String: Float] = [:]
    /// Seconds of silence after an event.
    public var refractorySeconds: Double = 1.0
    /// Whether the refractory period silences every keyword or only the one detected.
    public var refractoryScope: DetectorConfiguration.RefractoryScope = .anyKeyword
    /// Labels never reported.
    public var ignoredLabels: [String] = ["_silence_", "_unknown_"]
    /// Event times mark where the keyword ends in the audio (see `KeywordEndFinder`): an event is
    /// reported once this much quiet followed the keyword's last loud 10 ms (0.3 s: longer than the
    /// closure before a final stop consonant, as in "stop" or "up"). 0: no end finding;
    /// events are reported at once, stamped where the keyword's score first reached its threshold.
    public var endSilenceSeconds: Double = 0.3
    /// With end finding, an event is reported at most this long after its score crossed the
    /// threshold; if no quiet followed by then (speech went on, or a noisy room), it is stamped
    /// where the score crossed, as without end finding.
    public var endMaximumWaitSeconds: Double = 1.0

    public init() {}

    /// The smoothing window in posteriors: round(smoothingSeconds / hop), at least 1.
    public func smoothingFrames(posteriorHopSeconds hop: Double) -> Int {
        max(1, Int((smoothingSeconds / hop).rounded()))
    }

    /// The detector configuration for a model with these labels and posterior timing.
    public func configuration(labels: [String], posteriorHopSeconds hop: Double, timeOffsetSeconds: Double) -> DetectorConfiguration {
        DetectorConfiguration(
            labels: labels, ignoredLabels: Set(ignoredLabels), thresholds: thresholds,
            defaultThreshold: threshold ?? Self.defaultThreshold, smoothingFrames: smoothingFrames(posteriorHopSeconds: hop),
            hopSeconds: hop, timeOffsetSeconds: timeOffsetSeconds,
            refractorySeconds: refractorySeconds, refractoryScope: refractoryScope)
    }
}
