import Frontend
import Model
import Runtime
import Spotter

/// Why a pipeline could not be built for a model, as a sentence.
public enum PipelineError: Error, Sendable, CustomStringConvertible {
    /// The model file has no `earshot.frontend.*` keys, so audio cannot be turned into its input.
    case modelHasNoFrontend
    /// The model's labels and outputs differ in number.
    case labelCountMismatch(labels: Int, outputs: Int)
    /// The front end makes frames of a size the network does not take.
    case featureSizeMismatch(features: Int, networkInput: Int)
    /// `window_hop_frames` must lie in 1...W for a window of W frames.
    case windowHopOutOfRange(hop: Int, windowFrames: Int)
    /// A pipeline needs at least one model.
    case modelCount(Int)
    case runtime(RuntimeError)
    case frontend(FrontendError)
    case detector(SpotterError)
    /// A threshold the model file stores (`StoredThresholds`) is not a number in 0...1 or names
    /// a keyword the model does not have.
    case storedThreshold(key: String, problem: String)
    /// Anything else, already a sentence.
    case other(String)

    public var description: String {
        switch self {
        case .modelHasNoFrontend:
            return "the model has no front end (earshot.frontend.* keys), so it cannot listen to audio; "
                + "convert it again with its front end (convert --frontend PRESET, or a manifest's \"frontend\" object)"
        case let .labelCountMismatch(labels, outputs):
            return "the model has \(labels) labels for \(outputs) outputs"
        case let .featureSizeMismatch(features, input):
            return "the model's front end makes \(features) features per frame but its network takes \(input)"
        case let .windowHopOutOfRange(hop, frames):
            return "window_hop_frames is \(hop); for this model's window of \(frames) frames it must be 1 to \(frames)"
        case let .modelCount(count):
            return "a pipeline needs at least one model (\(count) given)"
        case let .runtime(error): return "\(error)"
        case let .frontend(error): return "\(error)"
        case let .detector(error): return "detector settings: \(error)"
        case let .storedThreshold(key, problem):
            return "stored threshold \(key): \(problem)"
        case let .other(text): return text
        }
    }
}
