#if hasFeature(Embedded)
import Glibc

/// The static aarch64 build's stand-in for Synchronization's `Mutex`, which Embedded Swift's
/// Synchronization module lacks: a pthread mutex around a value, with the same `withLock`.
/// The host build uses Synchronization's own (this file compiles to nothing there).
final class Mutex<Value>: @unchecked Sendable {
    private let lock = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private var value: Value

    init(_ value: Value) {
        self.value = value
        lock.initialize(to: pthread_mutex_t())
        pthread_mutex_init(lock, nil)
    }

    deinit {
        pthread_mutex_destroy(lock)
        lock.deallocate()
    }

    /// Runs `body` on the value with the mutex held. Allocates: never.
    func withLock<Result>(_ body: (inout Value) -> Result) -> Result {
        pthread_mutex_lock(lock)
        defer { pthread_mutex_unlock(lock) }
        return body(&value)
    }
}
#endif
