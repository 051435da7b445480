/// An invalid detector configuration, with the offending value.
public enum SpotterError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The label list is empty.
    case noLabels
    /// A label appears twice.
    case duplicateLabel(String)
    /// Every label is ignored (`_silence_`, `_unknown_`, ...): nothing could ever be detected.
    case noKeywords(labels: [String])
    /// A threshold was given for a name that is not a keyword label.
    case unknownKeyword(String)
    /// A threshold outside [0, 1].
    case thresholdOutOfRange(keyword: String, value: Float)
    /// The smoothing window must hold 1 to 10 000 frames.
    case smoothingWindowOutOfRange(Int)
    /// The hop between frames must be positive and finite.
    case hopOutOfRange(Double)
    /// The refractory period must be zero or positive and finite.
    case refractoryOutOfRange(Double)

    public var description: String {
        switch self {
        case .noLabels: return "the detector needs at least one label"
        case let .duplicateLabel(label): return "the label '\(label)' appears more than once"
        case let .noKeywords(labels):
            return "none of the labels \(labels) is a keyword (all are ignored labels)"
        case let .unknownKeyword(name): return "a threshold is given for '\(name)', which is not a keyword label"
        case let .thresholdOutOfRange(keyword, value):
            return "the threshold for '\(keyword)' is \(value); it must lie in [0, 1]"
        case let .smoothingWindowOutOfRange(frames):
            return "the smoothing window is \(frames) frames; it must be 1 to 10000"
        case let .hopOutOfRange(seconds): return "the hop is \(seconds) s; it must be positive"
        case let .refractoryOutOfRange(seconds):
            return "the refractory period is \(seconds) s; it must be zero or positive"
        }
    }
}
