import Timing
import JSON
import Audio
import Frontend
import Model
import Profiler
import Runtime

/// `earshot profile --device`: the same figures on a live ALSA stream, plus capture-to-result
/// latency and overruns. The timing and statistics are the Profiler module's `LiveStatistics`.
extension ProfileCommand {
    /// What one live run measured.
    struct LiveProfile {
        var device: String
        var granted: String
        var frontend: String
        var statistics: LiveStatistics.Summary
        var stepHistogram: LatencyHistogram
        var frontendHistogram: LatencyHistogram
        var captureHistogram: LatencyHistogram
    }

    /// Captures from `device` until `steps` hops were timed (after `warmup` untimed ones):
    /// per hop the front end and the network step, and the time from the capture of the hop's
    /// last sample to the step's result.
    ///
    /// The capture time of a sample is estimated from the moment its period was read, less the
    /// frames still waiting in ALSA's buffer (`snd_pcm_avail`) and the samples after it in the
    /// period, at the granted rate. It leaves out the converter's and driver's own FIFOs.
    func profileDevice(_ device: String, network: Network, extractor: FeatureExtractor, note: String,
                       alsaConfiguration: ALSAConfiguration?) throws -> LiveProfile {
        let config = extractor.config
        let parameters = CaptureParameters(rate: config.sampleRate, periodFrames: max(config.hopLength / 2, 64))
        let capture: CaptureDevice
        do {
            capture = try CaptureDevice(device: device, parameters: parameters, configuration: alsaConfiguration)
        } catch {
            throw CLIError("--device \(device): \(error)")
        }
        defer { capture.close() }
        guard capture.rate == config.sampleRate else {
            throw CLIError("--device \(device) granted \(capture.rate) Hz but the front end needs \(config.sampleRate) Hz; "
                           + "use a plughw: device (ALSA converts the rate) or one that offers \(config.sampleRate) Hz")
        }
        guard !network.runsWholeWindows else {
            throw CLIError("the model's \(network.isSequenceModel ? "bidirectional/attention layers run" : "conv2d first layer runs") over whole windows, not one step per frame: it cannot be profiled step by step")
        }
        guard extractor.featureCount == network.inputSize else {
            throw CLIError("the front end makes \(extractor.featureCount) features per frame but the model takes \(network.inputSize)")
        }
        let hop = UInt64((Double(config.hopLength) * 1e9 / Double(config.sampleRate)).rounded())
        let stats = LiveStatistics(hopNanoseconds: hop)
        let overhead = MonotonicClock.readOverhead()
        let period = capture.periodFrames
        let samples = UnsafeMutableBufferPointer<Float>.allocate(capacity: period)
        samples.initialize(repeating: 0)
        defer { samples.deallocate() }
        let frame = UnsafeMutableBufferPointer<Float>.allocate(capacity: extractor.featureCount)
        frame.initialize(repeating: 0)
        defer { frame.deallocate() }
        let nanosecondsPerFrame = 1e9 / Double(capture.rate)

        var hops = 0
        var xruns = capture.xrunCount
        var emptyReads = 0
        while hops < warmup + steps {
            let frames = try capture.read(into: samples)
            let readAt = MonotonicClock.now()
            if frames == 0 {
                emptyReads += 1
                if emptyReads >= 50 { throw CLIError("--device \(device): no audio arrived for 50 waits of \(capture.waitTimeoutMilliseconds) ms") }
                continue
            }
            emptyReads = 0
            let pending = max(capture.handle.availableFrames(), 0)
            if capture.xrunCount != xruns {
                if hops >= warmup { stats.recordXruns(capture.xrunCount - xruns) }
                xruns = capture.xrunCount
            }
            var offset = 0
            var frontendTime: UInt64 = 0
            while offset < frames {
                let start = MonotonicClock.now()
                let result = extractor.process(UnsafeBufferPointer(rebasing: samples[offset..<frames]), into: frame)
                let end = MonotonicClock.now()
                offset += result.consumed
                frontendTime &+= MonotonicClock.interval(from: start, to: end, overhead: overhead)
                guard result.produced else { continue }
                _ = network.step(UnsafePointer(frame.baseAddress!))
                let done = MonotonicClock.now()
                if hops >= warmup {
                    stats.recordHop(frontendNanoseconds: frontendTime,
                                    stepNanoseconds: MonotonicClock.interval(from: end, to: done, overhead: overhead))
                    // The hop's last sample: `frames - offset` samples before the period's end,
                    // which was `pending` frames before the newest captured one.
                    let age = Double(pending + frames - offset) * nanosecondsPerFrame
                    let captured = Double(readAt) - age
                    stats.recordCaptureToEvent(UInt64(max(Double(done) - captured, 0)))
                } else if hops + 1 == warmup {
                    stats.reset()
                }
                frontendTime = 0
                hops += 1
            }
        }
        return LiveProfile(
            device: device, granted: capture.configuration.granted.description, frontend: note,
            statistics: stats.summary(), stepHistogram: stats.step, frontendHistogram: stats.frontend,
            captureHistogram: stats.captureToEvent)
    }

    func printLive(_ live: LiveProfile, model: String, network: Network) throws {
        let s = live.statistics
        if json {
            var members: [(String, JSON)] = [
                ("model", .string(model)), ("device", .string(live.device)), ("granted", .string(live.granted)),
                ("frontend", .string(live.frontend)), ("steps", .int(steps)), ("warmup", .int(warmup)),
                ("arena_bytes", .int(network.arenaByteCount)), ("model_mapped_bytes", .int(network.model.fileByteCount)),
                ("peak_rss_bytes", .int(MemoryUsage.peakResidentBytes())),
                ("frontend_us_per_hop", .fixed(s.frontend.mean / 1000, decimals: 4)),
            ]
            if case .object(let statistics) = s.json { members += statistics.filter { $0.key != "type" }.map { ($0.key, $0.value) } }
            print(JSON.members(members).serialized(indent: 2))
        } else {
            func row(_ label: String, _ x: LatencySummary) -> [String] {
                [label] + [x.p50, x.p90, x.p99, x.p999, x.maximum, x.mean].map { Format.fixed($0 / 1000, decimals: 2) }
            }
            print("earshot profile --device \(live.device): \(model)")
            print("  granted   \(live.granted)")
            print("  front end \(live.frontend)")
            print("  run       \(s.hops) hops timed after \(warmup) warm-up, \(Format.fixed(s.seconds, decimals: 1)) s of wall time")
            print("")
            var rows = [["latency µs", "p50", "p90", "p99", "p99.9", "max", "mean"],
                        row("step", s.step), row("front end / hop", s.frontend), row("front end + step", s.busy)]
            if let c = s.captureToEvent { rows.append(row("capture → result", c)) }
            print(ProfileReport.table(rows).joined(separator: "\n"))
            print("")
            print("  real-time factor \(Format.fixed(s.realtimeFactor, decimals: 5)); deadline misses \(s.deadlineMisses) of \(s.hops) hops "
                  + "(budget \(Format.fixed(Double(s.hopNanoseconds) / 1000, decimals: 0)) µs); xruns \(s.xruns)")
            print("  memory: arena \(Format.grouped(network.arenaByteCount)) bytes; model mapped \(Format.grouped(network.model.fileByteCount)) bytes; "
                  + "peak RSS \(Format.grouped(MemoryUsage.peakResidentBytes())) bytes")
        }
        if let plot {
            let svg = LatencyPlot.svg(
                title: "earshot profile --device \(live.device)", subtitle: "\(s.hops) hops, \(live.granted)",
                histograms: [PlotSeries(label: "step", histogram: live.stepHistogram, emphasized: true)],
                cdfs: [PlotSeries(label: "step", histogram: live.stepHistogram, emphasized: true),
                       PlotSeries(label: "front end / hop", histogram: live.frontendHistogram),
                       PlotSeries(label: "capture → result", histogram: live.captureHistogram)])
            try writePlot(svg, to: plot)
            if !json { print("\n  plot written to \(plot)") }
        }
    }
}
