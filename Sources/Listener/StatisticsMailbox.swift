import Timing
import Synchronization

/// Hands a `LiveStatistics.Summary` from the capture thread to the reporting thread for
/// `listen --stats`: the capture thread puts the newest summary (a value; no allocation, a lock
/// held only for the copy) and queues a `.statistics` notice; the reporter takes and prints it.
/// A summary not yet taken is replaced by the next one.
public final class StatisticsMailbox: Sendable {
    private let slot = Mutex<LiveStatistics.Summary?>(nil)

    public init() {}

    /// Stores `summary`, replacing one not yet taken. Allocates: never.
    public func put(_ summary: LiveStatistics.Summary) {
        slot.withLock { $0 = summary }
    }

    /// The summary put last, or nil when it was taken already.
    public func take() -> LiveStatistics.Summary? {
        slot.withLock { value in
            defer { value = nil }
            return value
        }
    }
}
