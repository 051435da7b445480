// earshot-pipeline-bench: the audio front end per hop, and the whole pipeline's real-time factor
// (front end + network + detector), on one model that carries its front end. A benchmark, not a test.
//
//     earshot-pipeline-bench --model M.earshot [--clips DIR] [--seconds 60] [--json]
//
// Audio: the WAV clips under DIR (e.g. ../shared/data/speech_commands_v0.02_subset), decoded and
// resampled to the model's rate and concatenated, cycled to `seconds`; without DIR, seeded noise.
//   1. front end: every hop of the stream is timed (clock_gettime(CLOCK_MONOTONIC_RAW), timer cost
//      subtracted), for the model's front end and for each preset at 16 kHz; p50/p90/p99/max in µs
//      and the p99 as a share of the hop (the real-time budget).
//   2. pipeline: the stream is fed in 10 ms periods of Int16 samples through the `Pipeline` listen
//      runs: front end, network (windowed models: a window run every `window_hop` frames, and every
//      frame as the worst case) and detector; wall time / audio time = real-time factor, and the
//      latency of each period that completed a frame.
// Run it on a release build: swift build -c release --product earshot-pipeline-bench.
import Frontend
import Glibc
import Model
import Pipeline
import WAVFile

// MARK: - Options

struct Options {
    var modelPath = ""
    var clips: String? = nil
    var seconds = 60
    var json = false

    static let usage = """
        usage: earshot-pipeline-bench --model M.earshot [--clips DIR] [--seconds S] [--json]
          --model M     an Earshot model with a front end (earshot.frontend.*)
          --clips DIR   WAV clips (searched one folder deep) to stream; default: seeded noise
          --seconds S   seconds of audio to stream (default 60)
          --json        one JSON object instead of text
        """

    static func parse(_ arguments: [String]) -> Options {
        var options = Options()
        var index = 1
        while index < arguments.count {
            let flag = arguments[index]
            func value() -> String {
                index += 1
                guard index < arguments.count else { fail("\(flag) needs a value\n\(usage)") }
                return arguments[index]
            }
            switch flag {
            case "--model": options.modelPath = value()
            case "--clips": options.clips = value()
            case "--seconds":
                guard let number = Int(value()), number >= 1 else { fail("--seconds must be an integer >= 1") }
                options.seconds = number
            case "--json": options.json = true
            case "-h", "--help": print(usage); exit(0)
            default: fail("unknown argument '\(flag)'\n\(usage)")
            }
            index += 1
        }
        if options.modelPath.isEmpty { fail("--model is required\n\(usage)") }
        return options
    }
}

func fail(_ message: String) -> Never {
    let text = "earshot-pipeline-bench: \(message)\n"
    _ = text.withCString { write(2, $0, strlen($0)) }
    exit(1)
}

// MARK: - Timing

@inline(__always)
func now() -> UInt64 {
    var spec = timespec()
    clock_gettime(CLOCK_MONOTONIC_RAW, &spec)
    return UInt64(spec.tv_sec) &* 1_000_000_000 &+ UInt64(spec.tv_nsec)
}

/// Median cost of reading the clock, subtracted from every sample.
func timerOverhead() -> UInt64 {
    var samples = [UInt64](repeating: 0, count: 1001)
    for i in samples.indices {
        let a = now()
        let b = now()
        samples[i] = b &- a
    }
    samples.sort()
    return samples[samples.count / 2]
}

struct Summary {
    var count: Int
    var p50: Double, p90: Double, p99: Double, max: Double, mean: Double  // microseconds

    init(_ nanoseconds: [UInt64]) {
        let sorted = nanoseconds.sorted()
        count = sorted.count
        func at(_ q: Double) -> Double {
            sorted.isEmpty ? 0 : Double(sorted[Swift.min(sorted.count - 1, Int(q * Double(sorted.count)))]) / 1000
        }
        p50 = at(0.5); p90 = at(0.9); p99 = at(0.99)
        max = Double(sorted.last ?? 0) / 1000
        mean = sorted.isEmpty ? 0 : Double(sorted.reduce(0, +)) / Double(sorted.count) / 1000
    }

    func text(budgetMicroseconds: Double) -> String {
        "p50 \(fixed(p50)) µs  p90 \(fixed(p90))  p99 \(fixed(p99))  max \(fixed(max))  mean \(fixed(mean))  "
            + "(p99 = \(fixed(100 * p99 / budgetMicroseconds, 3))% of the \(fixed(budgetMicroseconds, 0)) µs hop; \(count) samples)"
    }

    var json: String {
        "{\"count\": \(count), \"p50_us\": \(p50), \"p90_us\": \(p90), \"p99_us\": \(p99), \"max_us\": \(max), \"mean_us\": \(mean)}"
    }
}

func fixed(_ value: Double, _ decimals: Int = 2) -> String {
    var scale = 1.0
    for _ in 0..<decimals { scale *= 10 }
    let rounded = (value * scale).rounded() / scale
    var text = String(rounded)
    if decimals == 0, text.hasSuffix(".0") { text.removeLast(2) }
    return text
}

// MARK: - Audio

/// Mono samples at `rate`: the clips under `directory` (sorted, one folder deep), or noise.
func loadAudio(_ directory: String?, rate: Int, count: Int) -> [Float] {
    var audio: [Float] = []
    if let directory {
        var resamplers: [Int: PolyphaseResampler] = [:]
        for path in wavFiles(directory) {
            guard let bytes = readFile(path), let clip = try? WAVFile.decode(bytes) else { continue }
            var samples = clip.samples
            if clip.sampleRate != rate {
                if resamplers[clip.sampleRate] == nil {
                    resamplers[clip.sampleRate] = try? PolyphaseResampler(inputRate: clip.sampleRate, outputRate: rate)
                }
                guard let resampler = resamplers[clip.sampleRate] else { continue }
                samples = resampler.resample(samples)
            }
            audio += samples
            if audio.count >= count { break }
        }
        if audio.isEmpty { fail("no readable WAV clips under '\(directory)'") }
    } else {
        var state: UInt64 = 12345
        audio = (0..<rate).map { _ in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(Int32(truncatingIfNeeded: state >> 32)) / Float(Int32.max) * 0.1
        }
    }
    var result = [Float](repeating: 0, count: count)
    for i in 0..<count { result[i] = audio[i % audio.count] }
    return result
}

func wavFiles(_ directory: String) -> [String] {
    var result: [String] = []
    func list(_ path: String) -> [String] {
        guard let handle = opendir(path) else { return [] }
        defer { closedir(handle) }
        var names: [String] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if !name.hasPrefix(".") { names.append(name) }
        }
        return names.sorted()
    }
    for name in list(directory) {
        let path = directory + "/" + name
        if name.lowercased().hasSuffix(".wav") { result.append(path); continue }
        for inner in list(path) where inner.lowercased().hasSuffix(".wav") { result.append(path + "/" + inner) }
    }
    return result
}

func readFile(_ path: String) -> [UInt8]? {
    guard let file = fopen(path, "rb") else { return nil }
    defer { fclose(file) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
        let count = fread(&buffer, 1, buffer.count, file)
        if count <= 0 { break }
        bytes += buffer[0..<count]
    }
    return bytes
}

// MARK: - 1. Front end per hop

/// Times every frame of `samples` through a fresh extractor for `config`.
func frontEndPerHop(_ config: FrontendConfig, _ samples: [Float], overhead: UInt64) -> Summary {
    guard let extractor = try? FeatureExtractor(config: config) else { fail("front end '\(config.name)' is invalid") }
    var output = [Float](repeating: 0, count: extractor.featureCount)
    var times: [UInt64] = []
    times.reserveCapacity(samples.count / config.hopLength + 1)
    samples.withUnsafeBufferPointer { input in
        output.withUnsafeMutableBufferPointer { out in
            var offset = 0
            // Warm-up: one second, untimed.
            while offset < min(input.count, config.sampleRate) {
                offset += extractor.process(UnsafeBufferPointer(rebasing: input[offset...]), into: out).consumed
            }
            extractor.reset()
            offset = 0
            while offset < input.count {
                // The samples up to the next frame are buffered cheaply; the hop's cost is the call
                // that completes the frame (ring copy, window, FFT, mel, log, DCT).
                let start = now()
                let step = extractor.process(UnsafeBufferPointer(rebasing: input[offset...]), into: out)
                let end = now()
                offset += step.consumed
                if step.produced { times.append(end &- start &- Swift.min(overhead, end &- start)) }
            }
        }
    }
    return Summary(times)
}

// MARK: - 2. Pipeline

struct PipelineResult {
    var label: String
    var realTimeFactor: Double
    var audioSeconds: Double
    var frames: Int
    var windowRuns: Int
    var periodLatency: Summary
    var detections: Int
}

/// Streams Int16 periods of 10 ms through the `Pipeline` `listen` runs: conversion to float ->
/// front end -> network -> detector (default settings: threshold 0.8, 0.2 s smoothing, 1 s refractory).
func pipeline(model: ModelFile, frontend: FrontendConfig, samples: [Int16], windowHop: Int?,
              overhead: UInt64, label: String) -> PipelineResult {
    let stream: PipelineStream
    do {
        stream = try Pipeline(model: model, windowHopFrames: windowHop).makeStream(inputRate: frontend.sampleRate)
    } catch {
        fail("cannot prepare the model: \(error)")
    }
    let period = frontend.sampleRate / 100
    var buffer = [Float](repeating: 0, count: period)
    var latencies: [UInt64] = []
    latencies.reserveCapacity(samples.count / period + 1)
    var detections = 0
    var total: UInt64 = 0
    samples.withUnsafeBufferPointer { input in
        buffer.withUnsafeMutableBufferPointer { floats in
            var offset = 0
            while offset < input.count {
                let count = min(period, input.count - offset)
                let framesBefore = stream.featureFrames
                let start = now()
                for i in 0..<count { floats[i] = Float(input[offset + i]) * (1.0 / 32768) }
                detections += stream.process(samples: UnsafeBufferPointer(rebasing: floats[0..<count]))
                let end = now()
                let elapsed = end &- start &- Swift.min(overhead, end &- start)
                total &+= elapsed
                if stream.featureFrames != framesBefore { latencies.append(elapsed) }
                offset += count
            }
        }
    }
    detections += stream.flush()
    let runs: Int
    if case .windowed = stream.execution { runs = stream.posteriors } else { runs = 0 }
    let seconds = Double(samples.count) / Double(frontend.sampleRate)
    return PipelineResult(label: label, realTimeFactor: Double(total) / 1e9 / seconds, audioSeconds: seconds,
                          frames: stream.featureFrames, windowRuns: runs, periodLatency: Summary(latencies), detections: detections)
}

// MARK: - Main

let options = Options.parse(CommandLine.arguments)
let model: ModelFile
do { model = try ModelFile(path: options.modelPath) } catch { fail("'\(options.modelPath)': \(error)") }
guard let frontend = model.description.frontend else {
    fail("'\(options.modelPath)' has no front end (convert it with --frontend ...)")
}
let overhead = timerOverhead()
let samples = loadAudio(options.clips, rate: frontend.sampleRate, count: options.seconds * frontend.sampleRate)
let pcm = samples.map { Int16(clamping: Int(($0 * 32768).rounded())) }

var presets: [(String, FrontendConfig)] = [("model: \(frontend.name.isEmpty ? "custom" : frontend.name)", frontend)]
if frontend.sampleRate == 16000 {
    presets += [
        ("tf-mfcc 640/320 (ML-KWS)", .mlKWS(stride: 320)),
        ("kaldi-fbank 80 bins", .kaldiFbank(melBinCount: 80)),
        ("kaldi-mfcc 23 bins 13 ceps", .kaldiMFCC()),
        ("librosa-mel 512/160 40 mels", .librosaMelSpectrogram(fftLength: 512, hopLength: 160, melBandCount: 40)),
        ("micro 30/10 ms 40 channels", .micro()),
    ]
}
var frontEnds: [(String, FrontendConfig, Summary)] = []
for (label, config) in presets {
    frontEnds.append((label, config, frontEndPerHop(config, samples, overhead: overhead)))
}
var pipelines: [PipelineResult] = []
pipelines.append(pipeline(model: model, frontend: frontend, samples: pcm, windowHop: nil, overhead: overhead,
                          label: "as the model says (\(model.description.execution))"))
if case .windowed = model.description.execution {
    pipelines.append(pipeline(model: model, frontend: frontend, samples: pcm, windowHop: 1, overhead: overhead,
                              label: "window run every frame (worst case)"))
}

let weightTypes = Set(model.tensors.filter { $0.shape.count == 2 }.map { "\($0.type)" }).sorted().joined(separator: ",")
if options.json {
    var parts: [String] = []
    parts.append("\"model\": \"\(options.modelPath)\", \"weights\": \"\(weightTypes)\", \"audio_seconds\": \(options.seconds)")
    parts.append("\"timer_overhead_ns\": \(overhead)")
    let fe = frontEnds.map { "{\"label\": \"\($0.0)\", \"hop_us\": \(Double($0.1.hopLength) * 1e6 / Double($0.1.sampleRate)), \"per_hop\": \($0.2.json)}" }
    parts.append("\"frontend\": [" + fe.joined(separator: ", ") + "]")
    let pl = pipelines.map {
        "{\"label\": \"\($0.label)\", \"real_time_factor\": \($0.realTimeFactor), \"frames\": \($0.frames), "
            + "\"window_runs\": \($0.windowRuns), \"detections\": \($0.detections), \"period_latency\": \($0.periodLatency.json)}"
    }
    parts.append("\"pipeline\": [" + pl.joined(separator: ", ") + "]")
    print("{" + parts.joined(separator: ", ") + "}")
} else {
    print("model \(options.modelPath) (weights \(weightTypes)), \(options.seconds) s of "
          + (options.clips == nil ? "noise" : "clips from \(options.clips!)") + "; timer overhead \(overhead) ns subtracted")
    print("")
    print("front end per hop:")
    for (label, config, summary) in frontEnds {
        let budget = Double(config.hopLength) * 1e6 / Double(config.sampleRate)
        let padded = label + String(repeating: " ", count: max(0, 30 - label.count))
        print("  \(padded) \(summary.text(budgetMicroseconds: budget))")
    }
    print("")
    print("pipeline (10 ms Int16 periods -> Pipeline: front end -> network -> detector, as listen):")
    for result in pipelines {
        print("  \(result.label): real-time factor \(fixed(result.realTimeFactor, 5)) "
              + "(\(result.frames) frames, \(result.windowRuns) window runs, \(result.detections) detections)")
        print("    latency of periods that completed a frame: \(result.periodLatency.text(budgetMicroseconds: 10_000))")
    }
}
