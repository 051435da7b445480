import SystemFile
import Synchronization

/// A stop request shared by the capture loop, the signal handlers and the reporter.
public final class StopRequest: Sendable {
    private let flag = Atomic<Bool>(false)
    private let signalNumber = Atomic<Int32>(0)

    public init() {}

    /// True once `request()` was called or a handled signal arrived.
    public var isRequested: Bool { flag.load(ordering: .acquiring) }

    /// The signal that asked to stop (SIGINT, SIGTERM), or 0.
    public var signal: Int32 { signalNumber.load(ordering: .acquiring) }

    /// Asks the capture loop to stop after the current period. Async-signal-safe.
    public func request(signal: Int32 = 0) {
        if signal != 0 { signalNumber.store(signal, ordering: .releasing) }
        flag.store(true, ordering: .releasing)
    }

    /// The instance the process's SIGINT/SIGTERM handlers set.
    public static let process = StopRequest()

    /// Installs handlers for SIGINT and SIGTERM that set `StopRequest.process` (without
    /// SA_RESTART, so blocking calls return EINTR), unblocks both on the calling thread, and
    /// ignores SIGPIPE (a closed standard output is then an EPIPE error the reporter notices).
    /// Call it on the capture thread before starting other threads (they inherit the mask).
    public static func installSignalHandlers() {
        // Initialize the shared instance now: a first access inside a handler would run
        // Swift's lazy initialization there, which is not async-signal-safe.
        _ = StopRequest.process.isRequested
        SystemProcess.installStopHandler { number in
            StopRequest.process.request(signal: number)
        }
    }
}
