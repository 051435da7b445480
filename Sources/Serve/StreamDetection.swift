/// One detection found in a client's stream.
struct StreamDetection: Equatable, Sendable {
    /// Index into the client's keyword table (`KeywordCatalog.entries`).
    var keyword: Int32
    /// Seconds of stream time (since audio-start) where the keyword ends.
    var time: Double
    var score: Float
}

/// A fixed-capacity list the client streams append detections to. Allocates: at `init` only.
final class DetectionList {
    let capacity: Int
    private(set) var count = 0
    /// Detections that did not fit (never expected: the refractory period spaces them out).
    private(set) var dropped = 0
    private let storage: UnsafeMutablePointer<StreamDetection>

    init(capacity: Int) {
        self.capacity = capacity
        storage = .allocate(capacity: capacity)
        storage.initialize(repeating: StreamDetection(keyword: 0, time: 0, score: 0), count: capacity)
    }

    deinit { storage.deallocate() }

    func append(_ detection: StreamDetection) {
        guard count < capacity else { dropped &+= 1; return }
        storage[count] = detection
        count &+= 1
    }

    func removeAll() { count = 0 }

    var items: UnsafeBufferPointer<StreamDetection> { UnsafeBufferPointer(start: storage, count: count) }
}
