import JSON
import Pipeline
import Timing

/// Profiles a `PipelineStream` as deployed, one audio chunk per `process` call: what `listen`
/// and `serve` run for openWakeWord models (resampler when the input rate differs, mel frames,
/// the shared embedding CNN once per chunk, every head, the detection rule). openWakeWord's
/// networks have no step-by-step or layer-by-layer entry, so the figure is the whole chunk.
public enum ChunkProfiler {
    /// Runs `warmup` untimed chunks, then `steps` timed ones of `chunkSamples` input samples.
    /// Input: `samples` at the stream's input rate (looped), or seeded noise (normal, σ 0.1).
    /// Nothing in the timed loop allocates.
    public static func run(_ stream: PipelineStream, label: String, chunkSamples: Int, steps: Int, warmup: Int,
                           seed: UInt64, samples given: [Float]?, inputDescription: String) throws(ProfilerError) -> ChunkProfileReport {
        guard steps >= 1 else { throw .invalidSetting(name: "steps", value: String(steps)) }
        guard warmup >= 0 else { throw .invalidSetting(name: "warmup", value: String(warmup)) }
        guard chunkSamples >= 1 else { throw .invalidSetting(name: "chunk", value: String(chunkSamples)) }
        if let given, given.isEmpty { throw .emptyAudio(label) }
        var source = given ?? []
        if given == nil {
            var random = SplitMix64(state: seed)
            source = (0..<(stream.inputRate * 2)).map { _ in 0.1 * random.normal() }
        }
        // At least one whole chunk, so every call sees a contiguous slice.
        while source.count < chunkSamples { source += source }
        let overhead = MonotonicClock.readOverhead()
        let histogram = LatencyHistogram()
        stream.reset()
        var busy: UInt64 = 0
        var misses = 0
        let budget = UInt64((Double(chunkSamples) * 1e9 / Double(stream.inputRate)).rounded())
        source.withUnsafeBufferPointer { all in
            var cursor = 0
            var iteration = 0
            while iteration < warmup &+ steps {
                if cursor &+ chunkSamples > all.count { cursor = 0 }
                let chunk = UnsafeBufferPointer(rebasing: all[cursor..<(cursor &+ chunkSamples)])
                cursor &+= chunkSamples
                let start = MonotonicClock.now()
                stream.process(samples: chunk)
                let time = MonotonicClock.interval(from: start, to: MonotonicClock.now(), overhead: overhead)
                if iteration >= warmup {
                    histogram.record(time)
                    busy &+= time
                    if time > budget { misses &+= 1 }
                }
                iteration &+= 1
            }
        }
        return ChunkProfileReport(
            model: label, steps: steps, warmup: warmup, input: inputDescription, timerOverheadNanoseconds: overhead,
            chunk: histogram.summary, chunkSamples: chunkSamples, inputRate: stream.inputRate,
            chunkAudioNanoseconds: Double(budget), realtimeFactor: Double(busy) / (Double(steps) * Double(budget)),
            deadlineMisses: misses, peakRSSBytes: MemoryUsage.peakResidentBytes())
    }
}

/// What `ChunkProfiler` measured (nanoseconds; the JSON's `_us` fields are microseconds).
public struct ChunkProfileReport {
    public var model: String
    public var steps: Int
    public var warmup: Int
    public var input: String
    public var timerOverheadNanoseconds: UInt64
    /// One `process` call of `chunkSamples` input samples.
    public var chunk: LatencySummary
    public var chunkSamples: Int
    public var inputRate: Int
    /// Audio one chunk stands for.
    public var chunkAudioNanoseconds: Double
    /// Busy time over audio time, over the timed chunks.
    public var realtimeFactor: Double
    /// Chunks that took longer than the audio they stand for.
    public var deadlineMisses: Int
    public var peakRSSBytes: Int

    static func micro(_ nanoseconds: Double) -> String { Format.fixed(nanoseconds / 1000, decimals: 2) }

    public var text: String {
        [
            "earshot profile: \(model) (openWakeWord, through the Pipeline one chunk at a time)",
            "  run       \(steps) timed chunks of \(chunkSamples) samples at \(inputRate) Hz, \(warmup) warm-up",
            "  input     \(input)",
            "  chunk     p50 \(Self.micro(chunk.p50)) us, p90 \(Self.micro(chunk.p90)), p99 \(Self.micro(chunk.p99)), "
                + "max \(Self.micro(chunk.maximum)), mean \(Self.micro(chunk.mean))",
            "  real-time factor \(Format.fixed(realtimeFactor, decimals: 5)) (chunk audio \(Self.micro(chunkAudioNanoseconds)) us); "
                + "deadline misses \(deadlineMisses) of \(steps)",
            "  memory    peak RSS \(Format.grouped(peakRSSBytes)) bytes",
        ].joined(separator: "\n")
    }

    public var json: JSON {
        .members([
            ("model", .string(model)),
            ("format", .string("earshot-oww")),
            ("steps", .int(steps)),
            ("warmup", .int(warmup)),
            ("input", .string(input)),
            ("clock", .string(MonotonicClock.name)),
            ("timer_overhead_us", .fixed(Double(timerOverheadNanoseconds) / 1000, decimals: 4)),
            ("chunk_samples", .int(chunkSamples)),
            ("input_rate", .int(inputRate)),
            ("chunk_us", ProfileReport.summaryJSON(chunk)),
            ("chunk_audio_us", .fixed(chunkAudioNanoseconds / 1000, decimals: 3)),
            ("realtime_factor", .fixed(realtimeFactor, decimals: 6)),
            ("deadline_misses", .int(deadlineMisses)),
            ("peak_rss_bytes", .int(peakRSSBytes)),
        ])
    }
}
