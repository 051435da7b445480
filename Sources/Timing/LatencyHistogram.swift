import JSON

/// A log-linear histogram of latencies in nanoseconds, for percentiles without keeping samples.
///
/// The layout is HdrHistogram's idea, written for this project: values below 2·M (M =
/// 2^`subBucketBits`) each get their own bucket; above that, every power-of-two range
/// [2^e, 2^(e+1)) is cut into M equal buckets. So a value is known to within 1/M of itself
/// (0.1 % for the default 10 bits), whatever its size, in a fixed, small table:
/// ```
///   index 0 ..< 2M            value = index                      (width 1)
///   index s·M + m, s >= 1     value in [m << s, (m + 1) << s)    (m in M ..< 2M, width 2^s)
/// ```
/// Values above `highestTrackable` are counted in the last bucket; `maximum` stays exact.
/// `record` never allocates: the table is allocated once in `init`.
///
/// Percentiles use the nearest-rank definition (the smallest value with at least p % of the
/// samples at or below it, as numpy's `percentile(method="inverted_cdf")`) and report the
/// midpoint of the bucket that holds that rank, clamped to the exact minimum and maximum.
public final class LatencyHistogram {
    /// Bits of resolution within each power-of-two range (4...14).
    public let subBucketBits: Int
    /// Values at or above 2^`valueBits` share the last bucket.
    public let valueBits: Int
    /// Number of buckets in the table.
    public let bucketCount: Int
    /// Samples recorded.
    public private(set) var count: UInt64 = 0
    /// Sum of all recorded values (ns), for the mean.
    public private(set) var sum: UInt64 = 0
    /// Smallest recorded value (exact); `UInt64.max` while empty.
    public private(set) var minimum: UInt64 = .max
    /// Largest recorded value (exact); 0 while empty.
    public private(set) var maximum: UInt64 = 0

    private let counts: UnsafeMutablePointer<UInt64>
    private let subBucketCount: Int

    /// - Parameters:
    ///   - subBucketBits: resolution: values are resolved to 2^-subBucketBits of themselves.
    ///   - valueBits: the largest distinct value is 2^valueBits − 1 ns (40 bits: about 18 minutes).
    /// Allocates: the bucket table ((valueBits + 1 − subBucketBits) · 2^subBucketBits counters).
    public init(subBucketBits: Int = 10, valueBits: Int = 40) {
        precondition((4...14).contains(subBucketBits), "subBucketBits must be in 4...14")
        precondition(valueBits > subBucketBits + 1 && valueBits <= 63, "valueBits must be in subBucketBits+2...63")
        self.subBucketBits = subBucketBits
        self.valueBits = valueBits
        subBucketCount = 1 << subBucketBits
        bucketCount = (valueBits + 1 - subBucketBits) << subBucketBits
        counts = .allocate(capacity: bucketCount)
        counts.initialize(repeating: 0, count: bucketCount)
    }

    deinit {
        counts.deallocate()
    }

    /// The largest value with a bucket of its own range; larger values land in the last bucket.
    public var highestTrackable: UInt64 { (UInt64(1) << UInt64(valueBits)) &- 1 }

    // MARK: - Recording

    /// The bucket a value falls in.
    @inline(__always)
    public func bucketIndex(of value: UInt64) -> Int {
        let clamped = value > highestTrackable ? highestTrackable : value
        if clamped >> UInt64(subBucketBits + 1) == 0 { return Int(truncatingIfNeeded: clamped) }
        let topBit = 63 &- clamped.leadingZeroBitCount
        let shift = topBit &- subBucketBits
        return shift &* subBucketCount &+ Int(truncatingIfNeeded: clamped >> UInt64(shift))
    }

    /// The values [lower, upper) that bucket `index` holds.
    public func bucketRange(_ index: Int) -> (lower: UInt64, upper: UInt64) {
        precondition(index >= 0 && index < bucketCount, "bucket index \(index) out of 0..<\(bucketCount)")
        if index < 2 &* subBucketCount { return (UInt64(index), UInt64(index) &+ 1) }
        let shift = index / subBucketCount &- 1
        let sub = UInt64(index &- shift &* subBucketCount)
        return (sub << UInt64(shift), (sub &+ 1) << UInt64(shift))
    }

    /// Adds one sample (ns). Allocates: never.
    @inline(__always)
    public func record(_ value: UInt64) {
        counts[bucketIndex(of: value)] &+= 1
        count &+= 1
        sum &+= value
        if value < minimum { minimum = value }
        if value > maximum { maximum = value }
    }

    /// Forgets every sample. Allocates: never.
    public func reset() {
        counts.update(repeating: 0, count: bucketCount)
        count = 0
        sum = 0
        minimum = .max
        maximum = 0
    }

    /// Adds every sample of `other` (same `subBucketBits` and `valueBits`, precondition).
    public func add(_ other: LatencyHistogram) {
        precondition(other.subBucketBits == subBucketBits && other.valueBits == valueBits,
                     "histograms of different layouts")
        for index in 0..<bucketCount { counts[index] &+= other.counts[index] }
        count &+= other.count
        sum &+= other.sum
        minimum = min(minimum, other.minimum)
        maximum = max(maximum, other.maximum)
    }

    // MARK: - Reading

    /// Samples in bucket `index`.
    public func count(inBucket index: Int) -> UInt64 {
        precondition(index >= 0 && index < bucketCount, "bucket index \(index) out of 0..<\(bucketCount)")
        return counts[index]
    }

    /// The mean (ns), 0 while empty.
    public var mean: Double { count == 0 ? 0 : Double(sum) / Double(count) }

    /// The nearest-rank `percentile` (0...100) in ns: within 2^-subBucketBits of the exact
    /// sample value; 0 while empty. Percentile 100 is the exact maximum. Allocates: never.
    public func value(atPercentile percentile: Double) -> Double {
        guard count > 0 else { return 0 }
        let rank = LatencyHistogram.nearestRank(percentile, count: count)
        if rank >= count { return Double(maximum) }
        var seen: UInt64 = 0
        var index = 0
        while index < bucketCount {
            seen &+= counts[index]
            if seen >= rank { break }
            index &+= 1
        }
        let range = bucketRange(min(index, bucketCount - 1))
        let middle = Double(range.lower) + Double(range.upper &- range.lower &- 1) / 2
        return min(max(middle, Double(minimum)), Double(maximum))
    }

    /// The 1-based rank of the nearest-rank percentile among `count` sorted samples:
    /// ceil(p / 100 · count), at least 1. A relative 1e-12 is taken off first so that, say,
    /// 99.9 % of 10 000 is rank 9 990 and not 9 991 through binary rounding.
    public static func nearestRank(_ percentile: Double, count: UInt64) -> UInt64 {
        let p = min(max(percentile, 0), 100)
        let exact = p / 100 * Double(count)
        let rank = (exact - exact * 1e-12).rounded(.up)
        return max(1, min(count, UInt64(rank)))
    }

    /// Samples above `threshold` ns, to bucket resolution (exact when `threshold` is below
    /// 2^(subBucketBits+1) or on a bucket boundary). Allocates: never.
    public func count(above threshold: UInt64) -> UInt64 {
        if threshold >= maximum { return 0 }
        var total: UInt64 = 0
        var index = bucketIndex(of: threshold) &+ 1
        while index < bucketCount {
            total &+= counts[index]
            index &+= 1
        }
        return total
    }

    /// The non-empty buckets in order, for plots: lower and upper bound (ns) and count.
    /// Allocates: the result.
    public func nonEmptyBuckets() -> [(lower: UInt64, upper: UInt64, count: UInt64)] {
        var result: [(lower: UInt64, upper: UInt64, count: UInt64)] = []
        for index in 0..<bucketCount where counts[index] > 0 {
            let range = bucketRange(index)
            result.append((range.lower, range.upper, counts[index]))
        }
        return result
    }

    /// The usual figures, in ns.
    public var summary: LatencySummary {
        LatencySummary(
            count: Int(count),
            p50: value(atPercentile: 50), p90: value(atPercentile: 90), p99: value(atPercentile: 99),
            p999: value(atPercentile: 99.9), maximum: count == 0 ? 0 : Double(maximum),
            minimum: count == 0 ? 0 : Double(minimum), mean: mean)
    }
}

/// Percentiles and extremes of one latency histogram, in nanoseconds.
public struct LatencySummary: Equatable, Sendable {
    public var count: Int
    public var p50: Double
    public var p90: Double
    public var p99: Double
    public var p999: Double
    public var maximum: Double
    public var minimum: Double
    public var mean: Double

    public init(count: Int, p50: Double, p90: Double, p99: Double, p999: Double, maximum: Double, minimum: Double, mean: Double) {
        self.count = count
        self.p50 = p50
        self.p90 = p90
        self.p99 = p99
        self.p999 = p999
        self.maximum = maximum
        self.minimum = minimum
        self.mean = mean
    }
}

// MARK: - JSON

extension LatencySummary {
    /// `nanoseconds` as microseconds with at most 4 decimals.
    public static func microsecondsJSON(_ nanoseconds: Double) -> JSON { .fixed(nanoseconds / 1000, decimals: 4) }

    /// One summary as a JSON object, in microseconds: p50, p90, p99, p999, max, min, mean, count.
    public static func microsecondsJSON(_ s: LatencySummary) -> JSON {
        .members([
            ("p50", microsecondsJSON(s.p50)), ("p90", microsecondsJSON(s.p90)), ("p99", microsecondsJSON(s.p99)),
            ("p999", microsecondsJSON(s.p999)), ("max", microsecondsJSON(s.maximum)), ("min", microsecondsJSON(s.minimum)),
            ("mean", microsecondsJSON(s.mean)), ("count", .int(s.count)),
        ])
    }
}
