import SystemFile

/// Buffered reads from a connected socket with two timeouts: `idle` while waiting for the
/// next event to start (0: wait for ever), `stall` once an event has begun (a client that
/// stops in the middle of an event is cut off).
///
/// The buffer is allocated at `init`; reads allocate nothing.
final class SocketReader {
    let descriptor: Int32
    let capacity: Int
    private let buffer: UnsafeMutableRawPointer
    private var start = 0
    private var end = 0
    private let idleMilliseconds: Int32
    private let stallMilliseconds: Int32
    private let stallSeconds: Double
    /// Checked about twice a second while waiting, so a stopping server is not held up.
    private let shouldStop: @Sendable () -> Bool

    init(descriptor: Int32, capacity: Int, idleSeconds: Double, stallSeconds: Double, shouldStop: @escaping @Sendable () -> Bool) {
        self.descriptor = descriptor
        self.capacity = capacity
        buffer = .allocate(byteCount: capacity, alignment: 16)
        idleMilliseconds = idleSeconds > 0 ? Int32(min(idleSeconds * 1000, 2e9)) : -1
        stallMilliseconds = Int32(min(max(stallSeconds, 0.001) * 1000, 2e9))
        self.stallSeconds = stallSeconds
        self.shouldStop = shouldStop
    }

    deinit { buffer.deallocate() }

    enum Outcome {
        case data
        /// The peer closed the connection (or the server is stopping).
        case closed
    }

    /// Waits for and reads more bytes into the buffer's free end.
    /// - Parameter midEvent: which timeout applies; `what` names the part being read for errors.
    private func fill(midEvent: Bool, what: String) throws(ServeError) -> Outcome {
        if start == end { start = 0; end = 0 }
        if end == capacity && start > 0 {
            (buffer + 0).copyMemory(from: buffer + start, byteCount: end - start)
            end -= start
            start = 0
        }
        precondition(end < capacity, "fill called on a full buffer")
        let limit = midEvent ? stallMilliseconds : idleMilliseconds
        var waited: Int32 = 0
        while true {
            if shouldStop() { return .closed }
            let slice: Int32 = limit < 0 ? 500 : min(500, limit - waited)
            let ready: Bool
            do { ready = try SystemSocket.waitReadable(descriptor, milliseconds: slice) } catch {
                throw .system(error, detail: "client socket")
            }
            if !ready {
                waited += slice
                if limit >= 0 && waited >= limit {
                    if midEvent { throw .stalled(seconds: stallSeconds, waitingFor: what) }
                    throw .stalled(seconds: Double(limit) / 1000, waitingFor: "the next event (idle timeout)")
                }
                continue
            }
            switch SystemSocket.receive(descriptor, into: buffer + end, count: capacity - end) {
            case .interrupted, .timedOut: continue
            case .reset, .bytes(0): return .closed
            case let .bytes(got):
                end += got
                return .data
            case let .failed(error): throw .system(error, detail: "client socket")
            }
        }
    }

    /// The next line without its newline (valid until the next read), or nil when the peer
    /// closed the connection between events.
    /// - Throws: `.protocolViolation` for a line longer than the buffer, `.closedMidEvent`,
    ///   `.stalled`.
    func readLine() throws(ServeError) -> UnsafeRawBufferPointer? {
        var scanned = start
        while true {
            while scanned < end {
                if buffer.load(fromByteOffset: scanned, as: UInt8.self) == 0x0A {
                    let line = UnsafeRawBufferPointer(start: buffer + start, count: scanned - start)
                    start = scanned + 1
                    return line
                }
                scanned += 1
            }
            if start == 0 && end == capacity {
                throw .protocolViolation("a header line longer than \(capacity) bytes (no newline)")
            }
            let begun = end > start
            let shift = start
            guard try fill(midEvent: begun, what: "a header line") == .data else {
                if begun { throw .closedMidEvent("a header line") }
                return nil
            }
            scanned -= shift - start   // the buffer may have moved its contents to the front
        }
    }

    /// Reads exactly `count` bytes into `destination`.
    func read(into destination: UnsafeMutableRawPointer, count: Int, what: String) throws(ServeError) {
        var copied = 0
        while copied < count {
            if start == end {
                guard try fill(midEvent: true, what: what) == .data else { throw .closedMidEvent(what) }
            }
            let take = min(count - copied, end - start)
            (destination + copied).copyMemory(from: buffer + start, byteCount: take)
            start += take
            copied += take
        }
    }
}
