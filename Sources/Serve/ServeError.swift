import SystemFile

/// Why the server could not start, or why one connection was closed.
public enum ServeError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The `--wyoming` address is not tcp://HOST:PORT or unix://PATH.
    case invalidAddress(String)
    /// A socket call failed: the call, what it was for, and errno's text.
    case system(call: String, detail: String, errno: Int32)
    /// A model cannot be served (no front end, labels, detector settings ...).
    case model(name: String, reason: String)
    /// The client broke the protocol (bad JSON, a length that is too large, an unknown event ...).
    case protocolViolation(String)
    /// The client announced audio this server cannot take.
    case unsupportedAudio(String)
    /// The client sent nothing for the stall timeout in the middle of an event.
    case stalled(seconds: Double, waitingFor: String)
    /// The client closed the connection in the middle of an event.
    case closedMidEvent(String)

    public var description: String {
        switch self {
        case let .invalidAddress(text): return "'\(text)' is not an address: use tcp://HOST:PORT or unix://PATH"
        case let .system(call, detail, number): return "\(call) (\(detail)) failed: \(ServeError.errnoText(number))"
        case let .model(name, reason): return "model '\(name)' cannot be served: \(reason)"
        case let .protocolViolation(reason): return "protocol violation: \(reason)"
        case let .unsupportedAudio(reason): return "unsupported audio: \(reason)"
        case let .stalled(seconds, what): return "stalled: no data for \(seconds) s while reading \(what)"
        case let .closedMidEvent(what): return "the client closed the connection while sending \(what)"
        }
    }

    static func errnoText(_ number: Int32) -> String { SystemErrno.text(number) }

    /// A failed socket call, described as `detail` unless the call gave its own reason.
    static func system(_ error: SystemCallError, detail: String) -> ServeError {
        .system(call: error.call, detail: error.reason ?? detail, errno: error.errno)
    }
}
