import JSON
import Model
import Runtime
import Timing

/// Profiles an imported TFLite int8 graph (`QuantizedNetwork`): whole steps and operation by
/// operation, alternating as `StepProfiler` does for Earshot's own models, and the `micro` front
/// end per hop when audio is given.
public enum QuantizedProfiler {
    /// Runs `warmup` untimed iterations, then `steps` timed whole steps and `steps` timed
    /// operation-by-operation steps. Input: seeded random int8 values, or `audio` through its
    /// front end (one network step every `framesPerStep` hops, features quantized as TFLite's
    /// callers do). Nothing in the timed loop allocates.
    public static func run(_ network: QuantizedNetwork, label: String, steps: Int, warmup: Int, seed: UInt64,
                           audio: AudioInput?) throws(ProfilerError) -> QuantizedProfileReport {
        guard steps >= 1 else { throw .invalidSetting(name: "steps", value: String(steps)) }
        guard warmup >= 0 else { throw .invalidSetting(name: "warmup", value: String(warmup)) }
        let width = network.featureWidth, framesPerStep = network.framesPerStep
        let hopMilliseconds = network.graph.wakeWord.featureStepMilliseconds
        if let audio {
            guard !audio.samples.isEmpty else { throw .emptyAudio(audio.label) }
            guard audio.sampleRate == audio.extractor.config.sampleRate else {
                throw .sampleRateMismatch(audio: audio.label, audioRate: audio.sampleRate, frontendRate: audio.extractor.config.sampleRate)
            }
            guard audio.extractor.featureCount == width else {
                throw .featureSizeMismatch(model: label, modelInput: width, frontendFeatures: audio.extractor.featureCount)
            }
        }
        let overhead = MonotonicClock.readOverhead()
        let step = LatencyHistogram(), operationSum = LatencyHistogram(), frontend = LatencyHistogram()
        let count = network.operationCount
        let operations = (0..<count).map { _ in LatencyHistogram() }
        let stamps = UnsafeMutablePointer<UInt64>.allocate(capacity: count + 1)
        defer { stamps.deallocate() }
        let features = UnsafeMutablePointer<Float>.allocate(capacity: framesPerStep * width)
        features.initialize(repeating: 0, count: framesPerStep * width)
        defer { features.deallocate() }
        let sampleCount = audio?.samples.count ?? 0
        let samples = UnsafeMutablePointer<Float>.allocate(capacity: max(sampleCount, 1))
        defer { samples.deallocate() }
        if let audio { samples.initialize(from: audio.samples, count: sampleCount) }
        let extractor = audio?.extractor
        extractor?.reset()
        network.reset()
        var random = SplitMix64(state: seed)
        var cursor = 0, busy: UInt64 = 0, timedSteps = 0
        let input = network.quantizedInput
        for iteration in 0..<(warmup + 2 * steps) {
            let timed = iteration >= warmup
            var frontendTime: UInt64 = 0
            if let extractor {
                for frame in 0..<framesPerStep {
                    let row = UnsafeMutableBufferPointer(start: features + frame * width, count: width)
                    let start = MonotonicClock.now()
                    while true {
                        let result = extractor.process(UnsafeBufferPointer(start: samples + cursor, count: sampleCount &- cursor), into: row)
                        cursor &+= result.consumed
                        if cursor == sampleCount { cursor = 0 }
                        if result.produced { break }
                    }
                    let time = MonotonicClock.interval(from: start, to: MonotonicClock.now(), overhead: overhead)
                    frontendTime &+= time
                    if timed { frontend.record(time) }
                }
                network.setInput(features: features)
            } else {
                for i in 0..<(framesPerStep * width) { input[i] = Int8(truncatingIfNeeded: random.next()) }
            }
            var stepTime: UInt64 = 0
            if (iteration &- warmup) & 1 == 0 {
                let start = MonotonicClock.now()
                _ = network.step()
                stepTime = MonotonicClock.interval(from: start, to: MonotonicClock.now(), overhead: overhead)
                if timed { step.record(stepTime) }
            } else {
                stamps[0] = MonotonicClock.now()
                for index in 0..<count {
                    network.runOperation(index)
                    stamps[index &+ 1] = MonotonicClock.now()
                }
                _ = network.dequantizedOutput()
                for index in 0..<count {
                    let time = MonotonicClock.interval(from: stamps[index], to: stamps[index &+ 1], overhead: overhead)
                    stepTime &+= time
                    if timed { operations[index].record(time) }
                }
                if timed { operationSum.record(stepTime) }
            }
            if timed {
                busy &+= stepTime &+ frontendTime
                timedSteps &+= 1
            }
        }
        let stepAudio = Double(framesPerStep * hopMilliseconds) * 1e6
        return QuantizedProfileReport(
            model: label, kernelPath: network.kernelPath.description, steps: steps, warmup: warmup,
            input: audio.map { "\($0.label), through the \(network.graph.wakeWord.frontendPreset) front end" }
                ?? "seeded random int8 inputs (seed \(seed))",
            timerOverheadNanoseconds: overhead, step: step.summary,
            operations: network.graph.operations.enumerated().map { index, operation in
                QuantizedProfileReport.Operation(index: index, kind: operation.kindName, latency: operations[index].summary)
            },
            operationSum: operationSum.summary, frontend: audio == nil ? nil : frontend.summary,
            frontendDescription: audio?.frontendDescription,
            stepAudioNanoseconds: stepAudio, realtimeFactor: timedSteps == 0 ? 0 : Double(busy) / (Double(timedSteps) * stepAudio),
            arenaBytes: network.arenaByteCount, manifestArenaBytes: network.graph.wakeWord.tensorArenaBytes,
            wakeWord: network.graph.wakeWord.name)
    }
}

/// What `QuantizedProfiler` measured (nanoseconds; the JSON's `_us` fields are microseconds).
public struct QuantizedProfileReport {
    public struct Operation {
        public var index: Int
        public var kind: String
        public var latency: LatencySummary
    }

    public var model: String
    public var kernelPath: String
    public var steps: Int
    public var warmup: Int
    public var input: String
    public var timerOverheadNanoseconds: UInt64
    public var step: LatencySummary
    public var operations: [Operation]
    /// Per operation-by-operation step: the sum of its operations' times.
    public var operationSum: LatencySummary
    /// The front end per hop (feature frame), with audio input.
    public var frontend: LatencySummary?
    public var frontendDescription: String?
    /// Audio one network step stands for (frames per step × feature step).
    public var stepAudioNanoseconds: Double
    /// Front end + step time over the audio time, over the timed steps.
    public var realtimeFactor: Double
    public var arenaBytes: Int
    /// The manifest's tensor_arena_size (TFLite Micro's arena; 0 when unknown).
    public var manifestArenaBytes: Int
    public var wakeWord: String

    /// Sum of the operations' medians over the whole step's median (about 1 when per-operation
    /// timing accounts for the step; the clock reads between operations add a little).
    public var operationMedianRatio: Double {
        step.p50 > 0 ? operations.reduce(0) { $0 + $1.latency.p50 } / step.p50 : 0
    }

    static func micro(_ nanoseconds: Double) -> String { Format.fixed(nanoseconds / 1000, decimals: 2) }

    public var text: String {
        var lines = ["earshot profile: \(model) (TFLite int8 graph, wake word '\(wakeWord)')"]
        lines.append("  kernels   \(kernelPath); \(steps) timed steps (+ \(steps) operation by operation), \(warmup) warm-up")
        lines.append("  input     \(input)")
        lines.append("  step      p50 \(Self.micro(step.p50)) us, p90 \(Self.micro(step.p90)), p99 \(Self.micro(step.p99)), max \(Self.micro(step.maximum)), mean \(Self.micro(step.mean))")
        if let frontend {
            lines.append("  front end per hop: p50 \(Self.micro(frontend.p50)) us, p99 \(Self.micro(frontend.p99)), mean \(Self.micro(frontend.mean))"
                         + (frontendDescription.map { " (\($0))" } ?? ""))
        }
        lines.append("  real-time factor \(Format.fixed(realtimeFactor, decimals: 5)) (step audio \(Self.micro(stepAudioNanoseconds)) us)")
        lines.append("  arena     \(arenaBytes) bytes (manifest tensor_arena_size \(manifestArenaBytes))")
        lines.append("  operations (p50 / p99 us; sum of p50 = \(Format.fixed(operationMedianRatio, decimals: 2)) x step p50):")
        for operation in operations {
            lines.append("    \(operation.index) \(operation.kind): \(Self.micro(operation.latency.p50)) / \(Self.micro(operation.latency.p99))")
        }
        return lines.joined(separator: "\n")
    }

    public var json: JSON {
        .members([
            ("model", .string(model)),
            ("format", .string("earshot-qgraph")),
            ("wake_word", .string(wakeWord)),
            ("kernel_path", .string(kernelPath)),
            ("steps", .int(steps)),
            ("warmup", .int(warmup)),
            ("input", .string(input)),
            ("clock", .string(MonotonicClock.name)),
            ("timer_overhead_us", .fixed(Double(timerOverheadNanoseconds) / 1000, decimals: 4)),
            ("step_us", ProfileReport.summaryJSON(step)),
            ("operations", .array(operations.map { operation in
                .members([
                    ("index", .int(operation.index)), ("kind", .string(operation.kind)),
                    ("p50_us", ProfileReport.microNumber(operation.latency.p50)),
                    ("p99_us", ProfileReport.microNumber(operation.latency.p99)),
                    ("mean_us", ProfileReport.microNumber(operation.latency.mean)),
                ])
            })),
            ("operation_sum_us", ProfileReport.summaryJSON(operationSum)),
            ("operation_p50_sum_ratio", .fixed(operationMedianRatio, decimals: 4)),
            ("frontend_us", frontend.map { ProfileReport.summaryJSON($0) } ?? .null),
            ("frontend", frontendDescription.map { .string($0) } ?? .null),
            ("step_audio_us", .fixed(stepAudioNanoseconds / 1000, decimals: 3)),
            ("realtime_factor", .fixed(realtimeFactor, decimals: 6)),
            ("arena_bytes", .int(arenaBytes)),
            ("manifest_tensor_arena_size", .int(manifestArenaBytes)),
        ])
    }
}
