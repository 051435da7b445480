import JSON

/// Running latency figures for a live stream (`earshot listen --stats`, `profile --device`):
/// record every hop as it happens, print a summary every few seconds, start again.
///
/// Every `record…` call is allocation-free (the histograms are allocated in `init`), so it can
/// sit on the audio path. Not thread-safe: record and summarize from the same thread.
///
///     let stats = LiveStatistics(hopNanoseconds: 20_000_000)
///     // per hop:
///     let t0 = MonotonicClock.now()
///     ... front end ...
///     let t1 = MonotonicClock.now()
///     network.step(frame)
///     let t2 = MonotonicClock.now()
///     stats.recordHop(frontendNanoseconds: t1 &- t0, stepNanoseconds: t2 &- t1)
///     // now and then:
///     print(stats.summary().text); stats.reset()
public final class LiveStatistics {
    /// The real-time budget of one hop (ns); a hop whose front end + step exceeds it is a miss.
    public let hopNanoseconds: UInt64
    /// Network steps, ns.
    public let step: LatencyHistogram
    /// The front end per hop, ns.
    public let frontend: LatencyHistogram
    /// Front end + step per hop, ns.
    public let busy: LatencyHistogram
    /// Capture to event: from the moment the hop's last sample was captured to the moment its
    /// result (or detection event) was ready, ns.
    public let captureToEvent: LatencyHistogram

    /// Hops recorded since `reset`.
    public private(set) var hops = 0
    /// Hops whose front end + step took longer than `hopNanoseconds`.
    public private(set) var deadlineMisses = 0
    /// Capture overruns (xruns) reported since `reset`.
    public private(set) var xruns = 0
    /// Detection events reported since `reset`.
    public private(set) var events = 0
    /// `MonotonicClock.now()` at `init` or the last `reset`.
    public private(set) var periodStart: UInt64

    /// - Parameters:
    ///   - hopNanoseconds: the hop (the front end's stride in time).
    ///   - subBucketBits: histogram resolution (see `LatencyHistogram`).
    /// Allocates: four histograms (here only).
    public init(hopNanoseconds: UInt64, subBucketBits: Int = 10) {
        self.hopNanoseconds = hopNanoseconds
        step = LatencyHistogram(subBucketBits: subBucketBits)
        frontend = LatencyHistogram(subBucketBits: subBucketBits)
        busy = LatencyHistogram(subBucketBits: subBucketBits)
        captureToEvent = LatencyHistogram(subBucketBits: subBucketBits)
        periodStart = MonotonicClock.now()
    }

    /// One hop: the front end's and the step's time (ns). Allocates: never.
    @inline(__always)
    public func recordHop(frontendNanoseconds: UInt64, stepNanoseconds: UInt64) {
        frontend.record(frontendNanoseconds)
        step.record(stepNanoseconds)
        let total = frontendNanoseconds &+ stepNanoseconds
        busy.record(total)
        hops &+= 1
        if total > hopNanoseconds { deadlineMisses &+= 1 }
    }

    /// The time from capture of a hop's last sample to its result or event (ns). Allocates: never.
    @inline(__always)
    public func recordCaptureToEvent(_ nanoseconds: UInt64) {
        captureToEvent.record(nanoseconds)
    }

    /// `count` more capture overruns. Allocates: never.
    @inline(__always)
    public func recordXruns(_ count: Int = 1) {
        xruns &+= count
    }

    /// One more detection event. Allocates: never.
    @inline(__always)
    public func recordEvent() {
        events &+= 1
    }

    /// Starts a new period: clears every figure. Allocates: never.
    public func reset() {
        step.reset()
        frontend.reset()
        busy.reset()
        captureToEvent.reset()
        hops = 0
        deadlineMisses = 0
        xruns = 0
        events = 0
        periodStart = MonotonicClock.now()
    }

    /// The figures since the last `reset`. Allocates: never.
    public func summary() -> Summary {
        let elapsed = MonotonicClock.now() &- periodStart
        let audio = Double(hops) * Double(hopNanoseconds)
        return Summary(
            seconds: Double(elapsed) / 1e9, hops: hops, step: step.summary, frontend: frontend.summary,
            busy: busy.summary, captureToEvent: captureToEvent.count == 0 ? nil : captureToEvent.summary,
            realtimeFactor: audio > 0 ? Double(busy.sum) / audio : 0,
            deadlineMisses: deadlineMisses, xruns: xruns, events: events, hopNanoseconds: hopNanoseconds)
    }

    /// A period's figures (ns for latencies).
    public struct Summary: Sendable {
        /// Wall time of the period.
        public var seconds: Double
        public var hops: Int
        public var step: LatencySummary
        public var frontend: LatencySummary
        /// Front end + step per hop.
        public var busy: LatencySummary
        /// Nil when nothing was recorded.
        public var captureToEvent: LatencySummary?
        public var realtimeFactor: Double
        public var deadlineMisses: Int
        public var xruns: Int
        public var events: Int
        public var hopNanoseconds: UInt64

        /// One line for a terminal, e.g.
        /// `stats 10.0 s: 500 hops, step p50 17.6 p99 40.1 max 80.2 µs, front end p50 30.0 µs, rtf 0.0024, misses 0, xruns 0, events 1, capture→event p50 21.3 ms`.
        public var text: String {
            func us(_ ns: Double) -> String { DecimalText.fixed(ns / 1000, decimals: 1) }
            var line = "stats \(DecimalText.fixed(seconds, decimals: 1)) s: \(hops) hops"
            line += ", step p50 \(us(step.p50)) p99 \(us(step.p99)) max \(us(step.maximum)) µs"
            line += ", front end p50 \(us(frontend.p50)) p99 \(us(frontend.p99)) µs"
            line += ", rtf \(DecimalText.fixed(realtimeFactor, decimals: 4)), misses \(deadlineMisses), xruns \(xruns), events \(events)"
            if let c = captureToEvent {
                line += ", capture→event p50 \(DecimalText.fixed(c.p50 / 1e6, decimals: 2)) max \(DecimalText.fixed(c.maximum / 1e6, decimals: 2)) ms"
            }
            return line
        }

        /// The same as one JSON object (µs for latencies), for a JSON-lines stream.
        public var json: JSON {
            var members: [(String, JSON)] = [
                ("type", .string("stats")),
                ("seconds", .fixed(seconds, decimals: 3)),
                ("hops", .int(hops)),
                ("step_us", LatencySummary.microsecondsJSON(step)),
                ("frontend_us", LatencySummary.microsecondsJSON(frontend)),
                ("busy_us", LatencySummary.microsecondsJSON(busy)),
                ("realtime_factor", .fixed(realtimeFactor, decimals: 7)),
                ("deadline_misses", .int(deadlineMisses)),
                ("xruns", .int(xruns)),
                ("events", .int(events)),
                ("hop_us", .fixed(Double(hopNanoseconds) / 1000, decimals: 3)),
            ]
            members.append(("capture_to_event_us", captureToEvent.map { LatencySummary.microsecondsJSON($0) } ?? .null))
            return .members(members)
        }
    }
}
