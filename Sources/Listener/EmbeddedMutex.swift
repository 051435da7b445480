#if hasFeature(Embedded)
import SystemFile

/// The static aarch64 build's stand-in for Synchronization's `Mutex`, which Embedded Swift's
/// Synchronization module lacks: SystemFile's `SystemLock` around a value, with the same
/// `withLock`. The host build uses Synchronization's own (this file compiles to nothing there).
final class Mutex<Value>: @unchecked Sendable {
    private let lock = SystemLock()
    private var value: Value

    init(_ value: Value) {
        self.value = value
    }

    /// Runs `body` on the value with the lock held. Allocates: never.
    func withLock<Result>(_ body: (inout Value) -> Result) -> Result {
        lock.lock()
        defer { lock.unlock() }
        return body(&value)
    }
}
#endif
