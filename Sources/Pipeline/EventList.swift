/// The events of one `PipelineStream` call: a fixed-capacity list, so recording allocates nothing.
final class EventList {
    let capacity: Int
    private(set) var count = 0
    /// Events that did not fit, since the stream started (or `reset`).
    var dropped = 0
    let storage: UnsafeMutablePointer<PipelineEvent>

    /// Allocates: the storage (set-up only).
    init(capacity: Int) {
        self.capacity = max(1, capacity)
        storage = .allocate(capacity: self.capacity)
        storage.initialize(repeating: PipelineEvent(labelIndex: 0, time: 0, score: 0), count: self.capacity)
    }

    deinit { storage.deallocate() }

    func removeAll() { count = 0 }

    func append(_ event: PipelineEvent) {
        guard count < capacity else {
            dropped &+= 1
            return
        }
        storage[count] = event
        count &+= 1
    }

    /// Puts the events in time order, keeping the recorded order of equal times (an insertion
    /// sort: a call records few events, mostly in order already). Needed because a model that
    /// replays the gate's pre-roll reports its earlier events after other models' later ones.
    func sortByTime() {
        var i = 1
        while i < count {
            let event = storage[i]
            var j = i
            while j > 0 && storage[j &- 1].time > event.time {
                storage[j] = storage[j &- 1]
                j &-= 1
            }
            storage[j] = event
            i &+= 1
        }
    }

    var items: UnsafeBufferPointer<PipelineEvent> { UnsafeBufferPointer(start: storage, count: count) }
}
