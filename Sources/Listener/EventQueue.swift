import SystemFile
import Synchronization

/// What the capture thread hands to the reporting thread: plain values only, so pushing one
/// allocates nothing and touches no reference count.
public struct QueuedEvent: Sendable, Equatable {
    public enum Kind: UInt8, Sendable {
        /// A detection: `labelIndex`, `time`, `score`.
        case detection
        /// Overruns were recovered from: `count` is the total so far, `time` the stream time.
        case overrun
        /// `listen --stats`: a new summary waits in the session's `StatisticsMailbox`.
        case statistics
    }

    public var kind: Kind
    /// The keyword's index in the model's labels (detections).
    public var labelIndex: Int32
    /// Seconds since the stream started.
    public var time: Double
    /// The smoothed score (detections).
    public var score: Float
    /// Running total (overruns).
    public var count: Int

    public init(kind: Kind, labelIndex: Int32 = -1, time: Double, score: Float = 0, count: Int = 0) {
        self.kind = kind
        self.labelIndex = labelIndex
        self.time = time
        self.score = score
        self.count = count
    }
}

/// A bounded single-producer, single-consumer queue of `QueuedEvent`s with a wake-up
/// semaphore: the capture thread pushes without allocating, locking or waiting; the reporting
/// thread waits on the semaphore and pops.
///
/// When the queue is full the new event is dropped and counted (`droppedCount`), so a slow
/// consumer (a hung `--exec` hook, a blocked stdout) never stalls capture.
public final class EventQueue: @unchecked Sendable {
    /// Slots (a power of two).
    public let capacity: Int
    private let mask: Int
    private let slots: UnsafeMutablePointer<QueuedEvent>
    /// Next slot the producer writes (monotonic).
    private let head = Atomic<Int>(0)
    /// Next slot the consumer reads (monotonic).
    private let tail = Atomic<Int>(0)
    private let dropped = Atomic<Int>(0)
    private let closed = Atomic<Bool>(false)
    private let semaphore = SystemSemaphore()

    /// - Parameter capacity: rounded up to a power of two, at least 2.
    /// Allocates: the slots and the semaphore (set-up only).
    public init(capacity: Int = 256) {
        var size = 2
        while size < capacity { size <<= 1 }
        self.capacity = size
        mask = size - 1
        slots = .allocate(capacity: size)
        slots.initialize(repeating: QueuedEvent(kind: .detection, time: 0), count: size)
    }

    deinit {
        slots.deallocate()
    }

    /// Events dropped because the queue was full.
    public var droppedCount: Int { dropped.load(ordering: .relaxed) }

    /// Adds an event (producer side). Returns false, and counts a drop, when the queue is full.
    /// Allocates: never. Locks: none (`sem_post` only).
    @discardableResult
    public func push(_ event: QueuedEvent) -> Bool {
        let h = head.load(ordering: .relaxed)
        let t = tail.load(ordering: .acquiring)
        if h &- t >= capacity {
            dropped.add(1, ordering: .relaxed)
            return false
        }
        slots[h & mask] = event
        head.store(h &+ 1, ordering: .releasing)
        semaphore.post()
        return true
    }

    /// Takes the oldest event (consumer side), or nil when the queue is empty.
    public func pop() -> QueuedEvent? {
        let t = tail.load(ordering: .relaxed)
        let h = head.load(ordering: .acquiring)
        guard t != h else { return nil }
        let event = slots[t & mask]
        tail.store(t &+ 1, ordering: .releasing)
        return event
    }

    /// Marks the end of the stream (producer side) and wakes the consumer.
    public func close() {
        closed.store(true, ordering: .releasing)
        semaphore.post()
    }

    /// True once `close()` was called.
    public var isClosed: Bool { closed.load(ordering: .acquiring) }

    /// Waits (consumer side) until an event may be available or the queue is closed.
    public func wait() {
        semaphore.wait()
    }
}
