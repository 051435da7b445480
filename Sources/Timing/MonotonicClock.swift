import SystemFile

/// The profiler's clock (`CLOCK_MONOTONIC_RAW`, ns). The OS call lives in SystemFile, with the
/// process's other OS reads; the name stays here so Timing's users need no other import.
public typealias MonotonicClock = SystemClock
