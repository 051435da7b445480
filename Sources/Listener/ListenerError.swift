import Audio
import Model
import Pipeline

/// Why listening could not start or had to stop, as a sentence.
public enum ListenerError: Error, Sendable, CustomStringConvertible {
    /// The model cannot be run on audio (see `PipelineError`).
    case pipeline(PipelineError)
    /// The capture device failed.
    case audio(AudioError)
    case configuration(BoardConfigurationError)
    /// Anything else, already a sentence.
    case other(String)

    public var description: String {
        switch self {
        case let .pipeline(error): return "\(error)"
        case let .audio(error): return "\(error)"
        case let .configuration(error): return "\(error)"
        case let .other(text): return text
        }
    }
}
