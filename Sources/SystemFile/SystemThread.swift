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
