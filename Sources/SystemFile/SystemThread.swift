#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A thread of the process (`pthread_create`), for work that must not share the caller's
/// thread: the server's clients, the listener's reporter.
public struct SystemThread: @unchecked Sendable {
    private let handle: pthread_t

    /// The closure a new thread runs, kept alive until it starts.
    private final class Body {
        let run: () -> Void
        init(_ run: @escaping () -> Void) { self.run = run }
    }

    /// Starts `body` on a new thread with the default attributes; it inherits the caller's signal
    /// mask, CPU affinity and scheduling. `pthread_create`.
    ///
    /// - Throws: `SystemCallError` with pthread_create's error code (e.g. EAGAIN: thread limit).
    public static func start(_ body: @escaping () -> Void) throws(SystemCallError) -> SystemThread {
        let context = Unmanaged.passRetained(Body(body)).toOpaque()
        var handle = pthread_t()
        let code = pthread_create(&handle, nil, { context in
            Unmanaged<Body>.fromOpaque(context!).takeRetainedValue().run()
            return nil
        }, context)
        guard code == 0 else {
            Unmanaged<Body>.fromOpaque(context).release()
            throw SystemCallError(call: "pthread_create", errno: code)
        }
        return SystemThread(handle: handle)
    }

    /// Waits for the thread to end. `pthread_join`.
    public func join() { pthread_join(handle, nil) }

    /// Lets the thread's resources go when it ends (it is never joined). `pthread_detach`.
    public func detach() { pthread_detach(handle) }

    /// Sleeps the calling thread for `milliseconds`. `usleep`.
    public static func sleep(milliseconds: Int) { usleep(useconds_t(max(milliseconds, 0) * 1000)) }

    /// Ignores SIGPIPE for the process: writing to a socket or pipe whose reader went away is
    /// then an EPIPE error for the writer, not the end of the process. `signal(SIGPIPE, SIG_IGN)`.
    public static func ignoreBrokenPipe() { _ = signal(SIGPIPE, SIG_IGN) }
}

/// A counting semaphore between threads of this process (`sem_t`): `post` is async-signal-safe
/// and never blocks, so a real-time thread can wake another without a lock.
public final class SystemSemaphore: @unchecked Sendable {
    private let semaphore: UnsafeMutablePointer<sem_t>

    /// Starts at 0. Allocates: the semaphore (set-up only). `sem_init`.
    public init() {
        semaphore = .allocate(capacity: 1)
        sem_init(semaphore, 0, 0)
    }

    deinit {
        sem_destroy(semaphore)
        semaphore.deallocate()
    }

    /// Adds one, waking a waiter. Allocates: never; locks: none. `sem_post`.
    @inline(__always)
    public func post() { sem_post(semaphore) }

    /// Waits until the count is above 0 and takes one (retried after signals). `sem_wait`.
    public func wait() {
        while sem_wait(semaphore) != 0 && errno == EINTR {}
    }
}

/// A mutual-exclusion lock (`pthread_mutex_t`), for the static aarch64 build, whose Embedded
/// Swift has no Synchronization `Mutex`.
public final class SystemLock: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>

    /// Allocates: the mutex (set-up only). `pthread_mutex_init`.
    public init() {
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    /// `pthread_mutex_lock`.
    @inline(__always)
    public func lock() { pthread_mutex_lock(mutex) }

    /// `pthread_mutex_unlock`.
    @inline(__always)
    public func unlock() { pthread_mutex_unlock(mutex) }
}
