/// Element type of a tensor stored in a model file.
///
/// Raw values are GGML type ids, so GGUF tools outside Earshot
/// (e.g. Python's `gguf` package) read the same tensors.
public enum TensorType: UInt32, Sendable, CaseIterable, CustomStringConvertible {
    case float32 = 0
    case float16 = 1
    case int8 = 24

    /// Bytes per element.
    public var byteSize: Int {
        switch self {
        case .float32: return 4
        case .float16: return 2
        case .int8: return 1
        }
    }

    /// Short lower-case name used in the CLI and in `inspect`: fp32, fp16, int8.
    public var description: String {
        switch self {
        case .float32: return "fp32"
        case .float16: return "fp16"
        case .int8: return "int8"
        }
    }

    /// Parses the CLI name (`fp32`, `fp16`, `int8`).
    public init?(name: String) {
        switch name {
        case "fp32", "f32", "float32": self = .float32
        case "fp16", "f16", "float16": self = .float16
        case "int8", "i8": self = .int8
        default: return nil
        }
    }
}
