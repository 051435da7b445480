#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The profiler's clock: `clock_gettime(CLOCK_MONOTONIC_RAW)`, in nanoseconds.
///
/// CLOCK_MONOTONIC_RAW is the hardware counter without NTP slewing, so a step timed across an
/// NTP adjustment is not stretched or shrunk. On Linux it is read through the vDSO (no syscall)
/// on x86-64 and aarch64 with the usual clock sources; `readOverhead()` measures what one read
/// costs here, and the profiler subtracts that from every interval.
public enum SystemClock {
    /// The clock's name, for reports.
    public static let name = "CLOCK_MONOTONIC_RAW"

    /// Now, in nanoseconds since an arbitrary start. Allocates: never.
    @inline(__always)
    public static func now() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC_RAW, &time)
        return UInt64(truncatingIfNeeded: time.tv_sec) &* 1_000_000_000 &+ UInt64(truncatingIfNeeded: time.tv_nsec)
    }

    /// The clock's resolution in nanoseconds (`clock_getres`).
    public static func resolution() -> UInt64 {
        var time = timespec()
        clock_getres(CLOCK_MONOTONIC_RAW, &time)
        return UInt64(truncatingIfNeeded: time.tv_sec) &* 1_000_000_000 &+ UInt64(truncatingIfNeeded: time.tv_nsec)
    }

    /// The cost, in ns, that one clock read adds to a timed interval: the median of `samples`
    /// intervals between two back-to-back reads (the median ignores reads hit by an interrupt).
    /// Allocates: one buffer of `samples` values.
    public static func readOverhead(samples: Int = 20_001) -> UInt64 {
        let count = max(samples, 1)
        let intervals = UnsafeMutablePointer<UInt64>.allocate(capacity: count)
        defer { intervals.deallocate() }
        var index = 0
        while index < count {
            let start = now()
            let end = now()
            intervals[index] = end &- start
            index &+= 1
        }
        var buffer = UnsafeMutableBufferPointer(start: intervals, count: count)
        buffer.sort()
        return buffer[count / 2]
    }

    /// `end - start - overhead`, or 0 when the interval is shorter than the overhead.
    @inline(__always)
    public static func interval(from start: UInt64, to end: UInt64, overhead: UInt64) -> UInt64 {
        let raw = end &- start
        return raw > overhead ? raw &- overhead : 0
    }
}
