import Timing
import Testing

@Suite("MonotonicClock")
struct MonotonicClockTests {
    @Test("reads never go backwards")
    func monotonic() {
        var previous = MonotonicClock.now()
        for _ in 0..<10_000 {
            let now = MonotonicClock.now()
            #expect(now >= previous)
            previous = now
        }
    }

    @Test("intervals subtract the overhead and stop at zero")
    func intervals() {
        #expect(MonotonicClock.interval(from: 100, to: 150, overhead: 20) == 30)
        #expect(MonotonicClock.interval(from: 100, to: 110, overhead: 20) == 0)
        #expect(MonotonicClock.interval(from: 100, to: 120, overhead: 20) == 0)
    }

    @Test("the overhead is the median of back-to-back reads: at least the resolution's share, not absurd")
    func overhead() {
        // A property of the measurement, not a speed claim: the median of 1001 intervals lies
        // between the smallest and largest interval the clock produced in the same way.
        let overhead = MonotonicClock.readOverhead(samples: 1001)
        #expect(overhead < 1_000_000_000)
        #expect(MonotonicClock.resolution() >= 1)
    }
}
