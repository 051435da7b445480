import Timing
import AllocationCounter
import Foundation
import Testing

@Suite("LiveStatistics")
struct LiveStatisticsTests {
    @Test("hops, misses, xruns, events and capture latency are counted; reset starts over")
    func counts() throws {
        let stats = LiveStatistics(hopNanoseconds: 1000)
        stats.recordHop(frontendNanoseconds: 100, stepNanoseconds: 200)    // 300: in time
        stats.recordHop(frontendNanoseconds: 600, stepNanoseconds: 500)    // 1100: miss
        stats.recordHop(frontendNanoseconds: 0, stepNanoseconds: 1000)     // 1000: exactly the hop, in time
        stats.recordXruns(2)
        stats.recordEvent()
        stats.recordCaptureToEvent(25_000_000)
        let summary = stats.summary()
        #expect(summary.hops == 3)
        #expect(summary.deadlineMisses == 1)
        #expect(summary.xruns == 2)
        #expect(summary.events == 1)
        #expect(summary.step.count == 3)
        #expect(summary.step.maximum == 1000)
        #expect(summary.frontend.maximum == 600)
        #expect(summary.busy.maximum == 1100)
        #expect(summary.captureToEvent?.p50 == 25_000_000)
        #expect(abs(summary.realtimeFactor - 2400.0 / 3000.0) < 1e-12)
        #expect(summary.text.contains("3 hops"))
        #expect(summary.text.contains("misses 1, xruns 2, events 1"))
        let json = try JSONSerialization.jsonObject(with: Data(summary.json.serialized().utf8)) as? [String: Any]
        #expect(json?["hops"] as? Int == 3)
        #expect(json?["type"] as? String == "stats")
        stats.reset()
        let cleared = stats.summary()
        #expect(cleared.hops == 0 && cleared.deadlineMisses == 0 && cleared.xruns == 0 && cleared.events == 0)
        #expect(cleared.captureToEvent == nil)
        #expect(cleared.realtimeFactor == 0)
    }

    @Test("recording and summarizing allocate nothing")
    func allocationFree() {
        let stats = LiveStatistics(hopNanoseconds: 20_000_000)
        stats.recordHop(frontendNanoseconds: 1, stepNanoseconds: 1)
        allocation_counter_begin()
        var index: UInt64 = 0
        while index < 5000 {
            stats.recordHop(frontendNanoseconds: 30_000 &+ index, stepNanoseconds: 17_000 &+ index &* 3)
            if index % 100 == 0 { stats.recordCaptureToEvent(20_000_000 &+ index); stats.recordEvent() }
            if index % 1000 == 0 { stats.recordXruns() }
            index &+= 1
        }
        let summary = stats.summary()
        stats.reset()
        let count = allocation_counter_end()
        #expect(count == 0)
        #expect(summary.hops == 5001)
    }
}
