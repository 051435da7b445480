/// Why a profiling run could not start. Thrown before anything is timed.
public enum ProfilerError: Error, Equatable, Sendable, CustomStringConvertible {
    /// No model was given.
    case noModels
    /// `--compare` variants must be the same network: same input and output sizes and layers.
    case notVariants(first: String, other: String, difference: String)
    /// The front end makes frames of a different size than the model takes.
    case featureSizeMismatch(model: String, modelInput: Int, frontendFeatures: Int)
    /// The audio holds no samples.
    case emptyAudio(String)
    /// The audio's sample rate differs from the front end's.
    case sampleRateMismatch(audio: String, audioRate: Int, frontendRate: Int)
    /// Steps, warm-up or hop out of range.
    case invalidSetting(name: String, value: String)
    /// The model cannot be stepped frame by frame (a conv2d front stage runs whole windows only).
    case unsupportedModel(model: String, reason: String)

    public var description: String {
        switch self {
        case .noModels:
            return "no model to profile"
        case .notVariants(let first, let other, let difference):
            return "'\(other)' is not a variant of '\(first)': \(difference)"
        case .featureSizeMismatch(let model, let modelInput, let features):
            return "'\(model)' takes \(modelInput) features per frame but the front end makes \(features)"
        case .emptyAudio(let name):
            return "'\(name)' holds no audio samples"
        case .sampleRateMismatch(let audio, let audioRate, let frontendRate):
            return "'\(audio)' is sampled at \(audioRate) Hz but the front end expects \(frontendRate) Hz"
        case .invalidSetting(let name, let value):
            return "\(name) has an invalid value \(value)"
        case .unsupportedModel(let model, let reason):
            return "'\(model)' cannot be profiled: \(reason)"
        }
    }
}
