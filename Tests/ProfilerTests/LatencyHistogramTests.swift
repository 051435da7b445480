import Timing
import AllocationCounter
import Profiler
import TestSupport
import Testing

/// The nearest-rank percentile of `sorted`, computed independently of the histogram: the
/// 1-based rank is ceil(p·n/1000) for p in tenths of a percent, in integer arithmetic.
private func exactPercentile(_ sorted: [UInt64], tenthsOfPercent p: Int) -> UInt64 {
    let n = sorted.count
    let rank = max(1, (p * n + 999) / 1000)
    return sorted[min(rank, n) - 1]
}

/// Latency-like samples: mostly near a few microseconds, a long tail up to milliseconds, and a
/// few values small enough to land in the exact buckets.
private func samples(count: Int, seed: UInt64) -> [UInt64] {
    var generator = SeededGenerator(seed: seed)
    return (0..<count).map { index in
        switch index % 10 {
        case 0: return generator.next() % 3000                                  // 0 ..< 3 µs
        case 1: return 200_000 + generator.next() % 5_000_000                   // tail to ~5 ms
        default: return 15_000 + generator.next() % 10_000                      // 15–25 µs
        }
    }
}

@Suite("LatencyHistogram")
struct LatencyHistogramTests {
    @Test("percentiles agree with a sorted array within the bucket resolution", arguments: [7, 10, 12])
    func percentilesMatchSortedArray(bits: Int) {
        let values = samples(count: 20_011, seed: UInt64(bits))
        let histogram = LatencyHistogram(subBucketBits: bits)
        for value in values { histogram.record(value) }
        let sorted = values.sorted()
        for (p, tenths) in [(0.1, 1), (1, 10), (10, 100), (50, 500), (90, 900), (99, 990), (99.9, 999), (100, 1000)] as [(Double, Int)] {
            let exact = Double(exactPercentile(sorted, tenthsOfPercent: tenths))
            let estimate = histogram.value(atPercentile: p)
            let tolerance = exact / Double(1 << bits) + 1
            #expect(abs(estimate - exact) <= tolerance, "p\(p): histogram \(estimate), sorted array \(exact), tolerance \(tolerance)")
        }
        #expect(histogram.count == UInt64(values.count))
        #expect(histogram.minimum == sorted.first!)
        #expect(histogram.maximum == sorted.last!)
        #expect(histogram.value(atPercentile: 100) == Double(sorted.last!))
        let mean = Double(values.reduce(0, +)) / Double(values.count)
        #expect(abs(histogram.mean - mean) < 1e-6 * mean)
    }

    @Test("values below 2^(bits+1) are exact: percentiles equal the sorted array's")
    func smallValuesExact() {
        let histogram = LatencyHistogram(subBucketBits: 8)
        var generator = SeededGenerator(seed: 5)
        let values = (0..<5001).map { _ in generator.next() % 512 }
        for value in values { histogram.record(value) }
        let sorted = values.sorted()
        for tenths in [1, 250, 500, 900, 990, 999] {
            #expect(histogram.value(atPercentile: Double(tenths) / 10) == Double(exactPercentile(sorted, tenthsOfPercent: tenths)))
        }
    }

    @Test("every value lands in a bucket whose range holds it, and buckets tile the line")
    func bucketsTile() {
        let histogram = LatencyHistogram(subBucketBits: 6, valueBits: 30)
        var previousUpper: UInt64 = 0
        for index in 0..<histogram.bucketCount {
            let range = histogram.bucketRange(index)
            #expect(range.lower == previousUpper, "bucket \(index) starts at \(range.lower), previous ended at \(previousUpper)")
            #expect(histogram.bucketIndex(of: range.lower) == index)
            #expect(histogram.bucketIndex(of: range.upper - 1) == index)
            previousUpper = range.upper
        }
        #expect(previousUpper == histogram.highestTrackable + 1)
        // Beyond the range: the last bucket, with the maximum still exact.
        histogram.record(1 << 40)
        #expect(histogram.count(inBucket: histogram.bucketCount - 1) == 1)
        #expect(histogram.maximum == 1 << 40)
    }

    @Test("nearest rank: 99.9 % of 10 000 is rank 9 990, 50 % of 3 is rank 2")
    func nearestRank() {
        #expect(LatencyHistogram.nearestRank(99.9, count: 10_000) == 9_990)
        #expect(LatencyHistogram.nearestRank(50, count: 3) == 2)
        #expect(LatencyHistogram.nearestRank(0, count: 7) == 1)
        #expect(LatencyHistogram.nearestRank(100, count: 7) == 7)
    }

    @Test("count above a threshold, reset and add")
    func countResetAdd() {
        let a = LatencyHistogram(subBucketBits: 8)
        let b = LatencyHistogram(subBucketBits: 8)
        for value in [10, 20, 30, 400] as [UInt64] { a.record(value) }
        for value in [5, 500] as [UInt64] { b.record(value) }
        #expect(a.count(above: 25) == 2)
        #expect(a.count(above: 400) == 0)
        a.add(b)
        #expect(a.count == 6)
        #expect(a.minimum == 5)
        #expect(a.maximum == 500)
        #expect(a.sum == 965)
        a.reset()
        #expect(a.count == 0)
        #expect(a.value(atPercentile: 50) == 0)
        #expect(a.nonEmptyBuckets().isEmpty)
    }

    @Test("record allocates nothing")
    func recordAllocationFree() {
        let histogram = LatencyHistogram()
        var generator = SeededGenerator(seed: 9)
        let values = (0..<4096).map { _ in generator.next() % 10_000_000 }
        values.withUnsafeBufferPointer { buffer in
            histogram.record(buffer[0])
            allocation_counter_begin()
            var index = 0
            while index < buffer.count {
                histogram.record(buffer[index])
                index &+= 1
            }
            let count = allocation_counter_end()
            #expect(count == 0)
        }
        #expect(histogram.count == 4097)
    }

    @Test("control: the allocation counter sees an allocation on this path")
    func allocationControl() {
        allocation_counter_begin()
        let histogram = LatencyHistogram(subBucketBits: 4, valueBits: 10)
        let count = allocation_counter_end()
        histogram.record(1)
        #expect(count >= 1)
    }
}
