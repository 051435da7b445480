import SystemFile
import Timing
import Model
import Audio

/// What a listening session did, for the closing report.
public struct ListenSummary: Sendable, Equatable {
    /// Seconds since the stream started (audio processed plus the time a device was away).
    public var streamSeconds: Double = 0
    /// Seconds of audio captured and processed.
    public var audioSeconds: Double = 0
    /// Periods processed.
    public var periods: Int = 0
    /// Overruns recovered from (all devices opened).
    public var overruns: Int = 0
    /// Suspends recovered from.
    public var suspends: Int = 0
    /// Times the device disappeared and was opened again.
    public var reopens: Int = 0
    /// Detections pushed to the reporter.
    public var detections: Int = 0
    /// Seconds spent in the pipeline (front end, network, detector; not the wait for audio).
    public var processingSeconds: Double = 0
    /// The longest time one period took in the pipeline.
    public var longestPeriodSeconds: Double = 0
    /// Why the session ended: "duration reached", "stopped by SIGINT", ...
    public var stopReason: String = ""

    public init() {}
}

/// The capture loop: reads periods from an ALSA device, runs them through a `KeywordSpotter`,
/// and keeps going through overruns (recovered and counted by `CaptureDevice`) and through a
/// device that disappears (it waits for it to come back, then reopens it).
///
/// `capturePeriod()` is one turn of the loop; in the steady state it allocates nothing.
public final class ListenSession {
    /// Opens (or reopens) the capture device.
    public typealias DeviceOpener = () throws(AudioError) -> CaptureDevice
    /// Builds the pipeline for a capture rate.
    public typealias SpotterFactory = (Int) throws(ListenerError) -> KeywordSpotter

    public private(set) var device: CaptureDevice
    public private(set) var spotter: KeywordSpotter
    public let queue: EventQueue
    /// How long a running stream may deliver nothing before it is treated as gone.
    public var stallSeconds: Double = 5
    /// Waits between attempts to reopen a device that went away.
    public var reopenPolicy = CaptureDevice.ReopenPolicy(initialDelayMilliseconds: 250, maximumDelayMilliseconds: 2_000)

    private let open: DeviceOpener
    private let makeSpotter: SpotterFactory
    private let log: (String) -> Void
    private var buffer: UnsafeMutablePointer<Float>
    private var bufferCapacity: Int
    private var summary = ListenSummary()
    /// Overruns and suspends of devices already closed.
    private var earlierOverruns = 0
    private var earlierSuspends = 0
    private var reportedOverruns = 0
    private var idleSeconds = 0.0
    /// `listen --stats`: the live figures, the interval between summaries (ns), and where
    /// the summaries go; nil when statistics are off.
    private var statistics: LiveStatistics?
    private var statisticsInterval: UInt64 = 0
    private var statisticsOverruns = 0
    /// Where `listen --stats` summaries wait for the reporting thread.
    public let statisticsMailbox = StatisticsMailbox()

    /// - Parameters:
    ///   - device: the open capture device.
    ///   - reopen: opens the device again after it went away.
    ///   - makeSpotter: builds the pipeline for the device's granted rate (called now, and again
    ///     if a reopened device grants another rate).
    ///   - queue: where detections (and overrun notices) go.
    ///   - log: diagnostics (device lost, back); not called in the steady state.
    public init(
        device: CaptureDevice, reopen: @escaping DeviceOpener, makeSpotter: @escaping SpotterFactory,
        queue: EventQueue, log: @escaping (String) -> Void
    ) throws(ListenerError) {
        self.device = device
        self.open = reopen
        self.makeSpotter = makeSpotter
        self.queue = queue
        self.log = log
        spotter = try makeSpotter(device.rate)
        bufferCapacity = device.periodFrames
        buffer = .allocate(capacity: bufferCapacity)
        buffer.initialize(repeating: 0, count: bufferCapacity)
    }

    deinit {
        buffer.deallocate()
        device.close()
    }

    /// Seconds since the stream started.
    public var streamSeconds: Double { spotter.timeShiftSeconds + spotter.secondsConsumed }

    /// Reads one period (waiting up to the device's timeout) and runs it through the pipeline.
    ///
    /// - Returns: frames processed; 0 when no period arrived within the timeout.
    /// - Throws: `AudioError` from the device (`deviceDisconnected`, unrecoverable errors).
    /// Allocates: never.
    @discardableResult
    public func capturePeriod() throws(AudioError) -> Int {
        let frames = try device.read(into: UnsafeMutableBufferPointer(start: buffer, count: bufferCapacity))
        guard frames > 0 else { return 0 }
        let start = monotonicSeconds()
        summary.detections &+= spotter.process(UnsafeBufferPointer(start: buffer, count: frames), into: queue)
        let elapsed = monotonicSeconds() - start
        summary.processingSeconds += elapsed
        if elapsed > summary.longestPeriodSeconds { summary.longestPeriodSeconds = elapsed }
        summary.periods &+= 1
        let overruns = earlierOverruns &+ device.xrunCount
        if overruns != reportedOverruns {
            reportedOverruns = overruns
            queue.push(QueuedEvent(kind: .overrun, time: streamSeconds, count: overruns))
        }
        if let statistics { publishStatistics(statistics, detections: summary.detections, overruns: overruns) }
        return frames
    }

    /// Turns on `listen --stats`: every hop's front-end and network time is recorded, and every
    /// `intervalSeconds` a summary is put in `statisticsMailbox` with a `.statistics` notice on
    /// the queue. Allocates: the histograms (here only).
    public func enableStatistics(intervalSeconds: Double) {
        let hop = Double(spotter.frontend.hopLength) / Double(spotter.frontend.sampleRate)
        let live = LiveStatistics(hopNanoseconds: UInt64(hop * 1e9))
        statistics = live
        statisticsInterval = UInt64(max(intervalSeconds, 0.001) * 1e9)
        statisticsDetections = summary.detections
        spotter.statistics = live
    }

    private var statisticsDetections = 0

    /// Counts the period's events and overruns; every interval, publishes and restarts.
    /// Allocates: never.
    private func publishStatistics(_ statistics: LiveStatistics, detections: Int, overruns: Int) {
        while statisticsDetections < detections {
            statistics.recordEvent()
            statisticsDetections &+= 1
        }
        if overruns > statisticsOverruns {
            statistics.recordXruns(overruns &- statisticsOverruns)
            statisticsOverruns = overruns
        }
        guard MonotonicClock.now() &- statistics.periodStart >= statisticsInterval else { return }
        statisticsMailbox.put(statistics.summary())
        statistics.reset()
        queue.push(QueuedEvent(kind: .statistics, time: streamSeconds))
    }

    /// Runs until `stop` is requested or `durationSeconds` of stream time have passed.
    ///
    /// - Throws: `ListenerError.audio` for device errors other than a disconnect (a disconnect
    ///   is waited out), and pipeline errors when a reopened device needs a new pipeline.
    public func run(stop: StopRequest, durationSeconds: Double?) throws(ListenerError) -> ListenSummary {
        let timeout = Double(max(device.waitTimeoutMilliseconds, 1)) / 1000
        while true {
            if stop.isRequested {
                summary.stopReason = stop.signal == SystemProcess.interruptSignal ? "stopped by SIGINT"
                    : stop.signal == SystemProcess.terminateSignal ? "stopped by SIGTERM" : "stopped on request"
                break
            }
            if let durationSeconds, streamSeconds >= durationSeconds {
                summary.stopReason = "duration reached"
                break
            }
            do {
                if try capturePeriod() > 0 {
                    idleSeconds = 0
                    continue
                }
                idleSeconds += timeout
                if idleSeconds < stallSeconds { continue }
                log("earshot: no audio from '\(device.device)' for \(EventFormatter.fixed(idleSeconds, 1)) s; reopening it")
            } catch {
                guard case .deviceDisconnected = error else { throw .audio(error) }
                log("earshot: audio device '\(device.device)' disappeared at \(EventFormatter.fixed(streamSeconds, 3)) s; "
                    + "waiting for it to come back")
            }
            guard try reopen(stop: stop) else {
                summary.stopReason = "stopped while waiting for the device"
                break
            }
        }
        spotter.flush(into: queue)
        return finishSummary()
    }

    /// Closes the device and opens it again, waiting while it is missing or busy.
    /// Returns false when a stop was requested while waiting.
    private func reopen(stop: StopRequest) throws(ListenerError) -> Bool {
        let lostAt = streamSeconds
        let wallStart = monotonicSeconds()
        earlierOverruns &+= device.xrunCount
        earlierSuspends &+= device.suspendCount
        device.close()
        var attempt = 1
        while true {
            if stop.isRequested { return false }
            do {
                let fresh = try open()
                fresh.waitTimeoutMilliseconds = device.waitTimeoutMilliseconds
                device = fresh
                break
            } catch {
                switch error {
                case .deviceNotFound, .deviceBusy, .deviceDisconnected: break
                default: throw .audio(error)
                }
            }
            attempt += 1
            // Sleep in short steps so a stop request is noticed quickly.
            var remaining = reopenPolicy.delayMilliseconds(beforeAttempt: attempt)
            while remaining > 0 && !stop.isRequested {
                let step = min(remaining, 100)
                SystemThread.sleep(milliseconds: step)
                remaining -= step
            }
        }
        let away = monotonicSeconds() - wallStart
        summary.reopens &+= 1
        // A detection still waiting for its keyword's end belongs to the audio before the loss.
        spotter.flush(into: queue)
        summary.audioSeconds += spotter.secondsConsumed
        if device.rate != spotter.inputRate || device.periodFrames > bufferCapacity {
            spotter = try makeSpotter(device.rate)
            spotter.statistics = statistics
            buffer.deallocate()
            bufferCapacity = device.periodFrames
            buffer = .allocate(capacity: bufferCapacity)
            buffer.initialize(repeating: 0, count: bufferCapacity)
        } else {
            spotter.reset()
        }
        spotter.timeShiftSeconds = lostAt + away
        idleSeconds = 0
        log("earshot: audio device '\(device.device)' is back after \(EventFormatter.fixed(away, 1)) s; listening again "
            + "(\(device.configuration.granted))")
        return true
    }

    private func finishSummary() -> ListenSummary {
        var result = summary
        result.streamSeconds = streamSeconds
        result.audioSeconds += spotter.secondsConsumed
        result.overruns = earlierOverruns &+ device.xrunCount
        result.suspends = earlierSuspends &+ device.suspendCount
        return result
    }
}

/// CLOCK_MONOTONIC in seconds (vDSO: no system call, no allocation).
@inline(__always)
func monotonicSeconds() -> Double { SystemProcess.monotonicSeconds() }
