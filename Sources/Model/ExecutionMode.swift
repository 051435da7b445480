/// How a network is run over a stream of feature frames (the model file's
/// `earshot.execution.*` keys).
public enum ExecutionMode: Equatable, Sendable, CustomStringConvertible {
    /// Stateful streaming: one `step` per frame, state carried forever (models trained to stream).
    case streaming
    /// Models trained on fixed windows that classify the last step from zero state (ARM's
    /// ML-KWS models): every `hop` frames, the network is reset and run over the last `frames`
    /// frames; the output of the window's last step is the prediction.
    case windowed(frames: Int, hop: Int)

    /// The most frames a window may hold.
    public static let maxWindowFrames = 1 << 16

    /// Stable name stored in `earshot.execution.mode`.
    public var name: String {
        switch self {
        case .streaming: return "streaming"
        case .windowed: return "windowed"
        }
    }

    public var description: String {
        switch self {
        case .streaming: return "streaming"
        case let .windowed(frames, hop): return "windowed (\(frames) frames, every \(hop))"
        }
    }
}
