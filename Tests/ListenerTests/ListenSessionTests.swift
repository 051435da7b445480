import AllocationCounter
import Audio
import CALSA
import FakeCapture
import Glibc
import Listener
import Model
import Spotter
import Testing

/// Everything the session pushed, drained from its queue.
private func drain(_ queue: EventQueue) -> [QueuedEvent] {
    var events: [QueuedEvent] = []
    while let event = queue.pop() { events.append(event) }
    return events
}

@Suite("Listen session: ALSA capture through the pipeline")
struct ListenSessionTests {
    init() { setALSADiagnosticsEnabled(false) }

    private var settings: DetectorSettings {
        var settings = DetectorSettings()
        settings.smoothingSeconds = 0
        settings.threshold = 0.5
        settings.refractorySeconds = 0.5
        return settings
    }

    /// A session reading `samples` (16 kHz S16 mono) through alsa-lib's file plugin.
    private func fileSession(
        _ samples: [Float], model: ModelFile, directory: TemporaryDirectory, period: Int = 160
    ) throws -> ListenSession {
        let raw = try directory.write(s16Bytes(samples), to: "stream.raw")
        let alsa = try ALSAConfiguration(text: filePluginPCM(named: "earshot_session", infile: raw))
        let parameters = CaptureParameters(format: .s16LE, rate: 16_000, channels: 1, periodFrames: period)
        let open: ListenSession.DeviceOpener = { () throws(AudioError) -> CaptureDevice in
            try CaptureDevice(device: "earshot_session", parameters: parameters, configuration: alsa)
        }
        let settings = self.settings
        return try ListenSession(
            device: try open(), reopen: open,
            makeSpotter: { (rate: Int) throws(ListenerError) -> KeywordSpotter in
                try KeywordSpotter(model: model, inputRate: rate, detector: settings)
            },
            queue: EventQueue(capacity: 64), log: { _ in })
    }

    @Test("capture through the file plugin gives the same events as the recording run offline")
    func fileCaptureMatchesOffline() throws {
        let directory = try TemporaryDirectory()
        let signal = quantized(burstSignal(seconds: 6, starts: [0.5, 1.73, 3.011, 4.9], length: 0.25))
        let model = try burstDetectorModel()
        let session = try fileSession(signal, model: model, directory: directory)
        let summary = try session.run(stop: StopRequest(), durationSeconds: 6)
        #expect(summary.stopReason == "duration reached")
        #expect(summary.periods == 600)
        #expect(summary.overruns == 0)
        let live = drain(session.queue).filter { $0.kind == .detection }
        let (offline, _) = try StreamDetection.detect(samples: signal, rate: 16_000, model: model, detector: settings)
        #expect(live.count == 4)
        #expect(live.map { keywordLabels[Int($0.labelIndex)] } == offline.map(\.keyword))
        #expect(zip(live, offline).allSatisfy { abs($0.time - $1.time) < 1e-9 && $0.score == $1.score })
    }

    @Test("steady state allocates nothing per period: capture, resampling, features, step, detector",
          arguments: ["streaming", "windowed", "resampled", "statistics"])
    func allocationFree(variant: String) throws {
        let directory = try TemporaryDirectory()
        let model: ModelFile
        var rate = 16_000
        var channels = 1
        switch variant {
        case "windowed": model = try randomLSTMModel(execution: .windowed(frames: 25, hop: 2))
        case "resampled":
            model = try randomLSTMModel()
            rate = 48_000
            channels = 2
        default: model = try randomLSTMModel()
        }
        // Bursts every 0.5 s so the detector fires (and pushes events) during the count.
        let starts = stride(from: 0.2, to: 29.0, by: 0.5).map { $0 }
        let mono = quantized(burstSignal(seconds: 30, starts: starts, length: 0.2, rate: rate))
        var interleaved: [Float] = []
        for x in mono { for _ in 0..<channels { interleaved.append(x) } }
        let raw = try directory.write(s16Bytes(interleaved), to: "stream.raw")
        let alsa = try ALSAConfiguration(text: filePluginPCM(named: "earshot_alloc", infile: raw))
        let parameters = CaptureParameters(format: .s16LE, rate: rate, channels: channels, periodFrames: rate / 100)
        let open: ListenSession.DeviceOpener = { () throws(AudioError) -> CaptureDevice in
            try CaptureDevice(device: "earshot_alloc", parameters: parameters, configuration: alsa)
        }
        var settings = DetectorSettings()
        settings.threshold = 0.1
        settings.refractorySeconds = 0.05
        settings.smoothingSeconds = 0.04
        let session = try ListenSession(
            device: try open(), reopen: open,
            makeSpotter: { (r: Int) throws(ListenerError) -> KeywordSpotter in
                try KeywordSpotter(model: model, inputRate: r, detector: settings)
            },
            queue: EventQueue(capacity: 4096), log: { _ in })
        // `listen --stats`: every hop timed, a summary published about every millisecond.
        if variant == "statistics" { session.enableStatistics(intervalSeconds: 0.001) }
        for _ in 0..<200 { try session.capturePeriod() }
        _ = session.statisticsMailbox.take()
        let before = session.spotter.posteriors
        let pushedBefore = drain(session.queue).count
        allocation_counter_begin()
        var frames = 0
        var i = 0
        while i < 2_000 {
            frames &+= try session.capturePeriod()
            i &+= 1
        }
        let allocations = allocation_counter_end()
        let queued = drain(session.queue)
        let pushed = queued.filter { $0.kind != .statistics }.count
        if variant == "statistics" {
            #expect(queued.contains { $0.kind == .statistics }, "statistics summaries were published")
            // A summary covers the wall time since the last one: on a slow machine (sanitizers, load) that
            // can be a single period without a hop, so the hops are summed over the summaries of a few
            // periods, the last one published after a pause that outlasts the interval.
            _ = session.statisticsMailbox.take()
            var hops = 0
            for period in 0..<11 {
                if period == 10 { usleep(3_000) }
                _ = try session.capturePeriod()
                if let summary = session.statisticsMailbox.take() {
                    #expect(summary.step.count == summary.hops)
                    hops += summary.hops
                }
            }
            #expect(hops > 0, "the summaries of 11 periods (110 ms of audio) counted no hop")
        }
        #expect(frames == 2_000 * rate / 100)
        #expect(session.spotter.posteriors - before >= (variant == "windowed" ? 450 : 900))
        #expect(pushed > 10, "events were pushed during the counted periods (\(pushedBefore) before)")
        #expect(allocations == 0, "\(allocations) allocations in 2000 periods (\(variant))")
    }

    @Test("overruns injected by the fake ioplug device are recovered, counted and reported")
    func overruns() throws {
        let stats = UnsafeMutablePointer<fake_capture_stats_t>.allocate(capacity: 1)
        defer { stats.deallocate() }
        let open: ListenSession.DeviceOpener = { () throws(AudioError) -> CaptureDevice in
            var pcm: OpaquePointer? = nil
            let code = fake_capture_open(&pcm, "earshot-fake", 25, 0, 0, stats)
            guard code == 0, let pcm else { throw .open(device: "earshot-fake", code: code) }
            return try CaptureDevice(handle: PCMHandle(rawValue: pcm), device: "earshot-fake",
                                     parameters: CaptureParameters(periodFrames: 160))
        }
        let model = try burstDetectorModel()
        let settings = self.settings
        let session = try ListenSession(
            device: try open(), reopen: open,
            makeSpotter: { (rate: Int) throws(ListenerError) -> KeywordSpotter in
                try KeywordSpotter(model: model, inputRate: rate, detector: settings)
            },
            queue: EventQueue(capacity: 1024), log: { _ in })
        let summary = try session.run(stop: StopRequest(), durationSeconds: 10)
        #expect(summary.periods == 1_000)
        #expect(summary.overruns == Int(stats.pointee.xruns_injected))
        #expect(summary.overruns >= 39)
        let notices = drain(session.queue).filter { $0.kind == .overrun }
        #expect(notices.last?.count == summary.overruns)
        #expect(notices.count == summary.overruns)
    }

    @Test("a device that disappears is waited for and reopened; the stream goes on")
    func reopen() throws {
        let stats = UnsafeMutablePointer<fake_capture_stats_t>.allocate(capacity: 2)
        defer { stats.deallocate() }
        final class Attempts: @unchecked Sendable { var count = 0 }
        let attempts = Attempts()
        // First device: disconnects after 100 periods (1 s). Then "unplugged" for two attempts,
        // then a healthy device.
        let open: ListenSession.DeviceOpener = { () throws(AudioError) -> CaptureDevice in
            attempts.count += 1
            if attempts.count == 2 || attempts.count == 3 { throw .deviceNotFound(device: "earshot-fake", code: -ENODEV) }
            var pcm: OpaquePointer? = nil
            let slot = attempts.count == 1 ? stats : stats + 1
            let code = fake_capture_open(&pcm, "earshot-fake", 0, attempts.count == 1 ? 100 : 0, 0, slot)
            guard code == 0, let pcm else { throw .open(device: "earshot-fake", code: code) }
            return try CaptureDevice(handle: PCMHandle(rawValue: pcm), device: "earshot-fake",
                                     parameters: CaptureParameters(periodFrames: 160))
        }
        let model = try burstDetectorModel()
        let settings = self.settings
        var log: [String] = []
        let session = try ListenSession(
            device: try open(), reopen: open,
            makeSpotter: { (rate: Int) throws(ListenerError) -> KeywordSpotter in
                try KeywordSpotter(model: model, inputRate: rate, detector: settings)
            },
            queue: EventQueue(capacity: 1024), log: { log.append($0) })
        session.reopenPolicy = CaptureDevice.ReopenPolicy(initialDelayMilliseconds: 5, maximumDelayMilliseconds: 10)
        let summary = try session.run(stop: StopRequest(), durationSeconds: 3)
        #expect(attempts.count == 4)
        #expect(summary.reopens == 1)
        #expect(stats.pointee.disconnected == 1 && stats.pointee.closed == 1)
        #expect(summary.audioSeconds >= 2.9 && summary.audioSeconds <= 3.0)
        #expect(summary.streamSeconds >= 3)
        #expect(log.count == 2)
        #expect(log.first?.contains("audio device 'earshot-fake' disappeared at 1.0") == true, "\(log)")
        #expect(log.last?.contains("is back after") == true)
    }

    @Test("a stop request ends the session after the current period")
    func stop() throws {
        let directory = try TemporaryDirectory()
        let session = try fileSession(burstSignal(seconds: 1, starts: [], length: 0), model: try burstDetectorModel(), directory: directory)
        let stop = StopRequest()
        stop.request(signal: SIGTERM)
        let summary = try session.run(stop: stop, durationSeconds: nil)
        #expect(summary.stopReason == "stopped by SIGTERM")
        #expect(summary.periods == 0)
    }
}
