#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A failed system call: its name, `errno` (or the call's own error code), and for calls that
/// report errors their own way (getaddrinfo) that text.
///
/// `description` reads as a sentence: `bind failed: Address already in use (errno 98)`.
public struct SystemCallError: Error, Equatable, Sendable, CustomStringConvertible {
    public var call: String
    public var errno: Int32
    /// Text that replaces `strerror(errno)`, or nil.
    public var reason: String?

    public init(call: String, errno: Int32, reason: String? = nil) {
        self.call = call
        self.errno = errno
        self.reason = reason
    }

    /// The failed call named, with the calling thread's current `errno`.
    public static func last(_ call: String) -> SystemCallError { SystemCallError(call: call, errno: SystemErrno.current) }

    public var description: String { "\(call) failed: \(reason ?? SystemErrno.text(errno))" }
}

/// The calling thread's `errno` and the C library's text for error codes.
public enum SystemErrno {
    /// The calling thread's `errno` now.
    public static var current: Int32 { errno }

    /// `strerror(code)` with the number: "No such file or directory (errno 2)".
    public static func text(_ code: Int32) -> String {
        guard let text = strerror(code) else { return "errno \(code)" }
        return String(cString: text) + " (errno \(code))"
    }

    /// `strerror(code)` alone: "Operation not permitted".
    public static func message(_ code: Int32) -> String {
        guard let text = strerror(code) else { return "error \(code)" }
        return String(cString: text)
    }
}
