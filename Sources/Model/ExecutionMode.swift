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

// MARK: - Decoding

// Embedded Swift (the static aarch64 build, tools/build_aarch64.sh) has no Codable.
#if !hasFeature(Embedded)
extension ExecutionMode: Decodable {
    private enum Key: String, CodingKey {
        case mode
        case windowFrames = "window_frames"
        case windowHop = "window_hop"
    }

    /// Decodes a manifest's `"execution"` object: `{"mode": "streaming"}` or
    /// `{"mode": "windowed", "window_frames": 49, "window_hop": 49}` (window_hop defaults to
    /// window_frames). Ranges are checked when the model is written.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        let mode = try container.decode(String.self, forKey: .mode)
        switch mode {
        case "streaming":
            self = .streaming
        case "windowed":
            let frames = try container.decode(Int.self, forKey: .windowFrames)
            let hop = try container.decodeIfPresent(Int.self, forKey: .windowHop) ?? frames
            self = .windowed(frames: frames, hop: hop)
        default:
            throw DecodingError.dataCorruptedError(
                forKey: .mode, in: container,
                debugDescription: "execution mode '\(mode)' is not 'streaming' or 'windowed'")
        }
    }
}
#endif  // !hasFeature(Embedded)
