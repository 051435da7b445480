// earshot-bench: per-step latency of `Network.step` on one model. A benchmark, not a test.
//
//     earshot-bench --model M.earshot [--steps 10000] [--warmup 1000] [--seed 1] [--hop-us 10000]
//                   [--kernels generic|avx2|avxvnni|avx512vnni|neon|dotprod] [--json]
//
// Loads the model, plans the network, makes seeded random normal frames (a ring of up to 1024
// frames, cycled), runs `warmup` steps untimed, then times every one of `steps` calls to `step`
// with clock_gettime(CLOCK_MONOTONIC_RAW). The timer's own cost (median of back-to-back reads)
// is measured first, reported, and subtracted from every sample. Prints p50, p90, p99, max and
// mean in microseconds, the arena size, and p99 as a share of the real-time budget (the hop).
// tools/bench/bench_step.py runs this beside ONNX Runtime on the same weights. Models that run whole
// windows (conv2d, bidirectional, attention) are timed per window instead (Windows.swift;
// tools/bench/bench_window.py).
import Glibc
import JSON
import Kernels
import Model
import Runtime

// MARK: - Options

struct Options {
    var modelPath = ""
    var steps = 10_000
    var warmup = 1_000
    var seed: UInt64 = 1
    var hopMicroseconds = 10_000.0
    var kernels: KernelPath? = nil
    var json = false

    static let usage = """
        usage: earshot-bench --model M.earshot [--steps N] [--warmup W] [--seed S] [--hop-us U] [--json]
          --steps N     timed steps (default 10000)
          --warmup W    untimed steps first (default 1000)
          --seed S      seed of the random frames (default 1)
          --hop-us U    real-time budget per step in µs, for the share printed (default 10000)
          --kernels K   force a kernel path: generic, avx2, avxvnni, avx512vnni, neon, dotprod (default: the best)
          --json        one JSON object instead of text
        """

    static func parse(_ arguments: [String]) -> Options {
        var options = Options()
        var index = 1
        func value(_ flag: String) -> String {
            index += 1
            guard index < arguments.count else { fail("\(flag) needs a value\n\(usage)") }
            return arguments[index]
        }
        func integer(_ flag: String, minimum: Int) -> Int {
            let text = value(flag)
            guard let number = Int(text), number >= minimum else {
                fail("\(flag) must be an integer >= \(minimum), got '\(text)'")
            }
            return number
        }
        while index < arguments.count {
            let flag = arguments[index]
            switch flag {
            case "--model": options.modelPath = value(flag)
            case "--steps": options.steps = integer(flag, minimum: 1)
            case "--warmup": options.warmup = integer(flag, minimum: 0)
            case "--seed": options.seed = UInt64(integer(flag, minimum: 0))
            case "--hop-us":
                let text = value(flag)
                guard let hop = Double(text), hop > 0 else { fail("--hop-us must be a positive number, got '\(text)'") }
                options.hopMicroseconds = hop
            case "--kernels":
                let names: [String: KernelPath] = [
                    "generic": .generic, "avx2": .x86AVX2, "avxvnni": .x86AVXVNNI, "avx512vnni": .x86AVX512VNNI, "neon": .aarch64NEON,
                    "dotprod": .aarch64DotProduct,
                ]
                let text = value(flag)
                guard let path = names[text] else { fail("--kernels must be one of \(names.keys.sorted()), got '\(text)'") }
                options.kernels = path
            case "--json": options.json = true
            case "-h", "--help":
                print(usage)
                exit(0)
            default: fail("unknown argument '\(flag)'\n\(usage)")
            }
            index += 1
        }
        if options.modelPath.isEmpty { fail("--model is required\n\(usage)") }
        return options
    }
}

func fail(_ message: String) -> Never {
    var standardError = StandardError()
    print("earshot-bench: \(message)", to: &standardError)
    exit(1)
}

struct StandardError: TextOutputStream {
    mutating func write(_ string: String) {
        var text = string
        text.withUTF8 { bytes in _ = Glibc.write(STDERR_FILENO, bytes.baseAddress, bytes.count) }
    }
}

// MARK: - Random frames

/// SplitMix64: a small, seedable generator; good enough for benchmark inputs.
struct SplitMix64 {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in (0, 1].
    mutating func unit() -> Double { (Double(next() >> 11) + 1) * 0x1p-53 }
    /// Standard normal (Box–Muller).
    mutating func normal() -> Float {
        Float((-2 * log(unit())).squareRoot() * cos(2 * Double.pi * unit()))
    }
}

// MARK: - Timing

@inline(__always)
func nanoseconds() -> UInt64 {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC_RAW, &time)
    return UInt64(time.tv_sec) &* 1_000_000_000 &+ UInt64(time.tv_nsec)
}

/// Median cost, in ns, of one clock read as the timed loop sees it (two reads back to back).
func timerOverhead() -> UInt64 {
    var samples = [UInt64](repeating: 0, count: 20_001)
    for index in samples.indices {
        let start = nanoseconds()
        let end = nanoseconds()
        samples[index] = end &- start
    }
    samples.sort()
    return samples[samples.count / 2]
}

/// Nearest-rank percentile of sorted samples.
func percentile(_ sorted: [Double], _ p: Double) -> Double {
    let rank = Int((p / 100 * Double(sorted.count)).rounded(.up))
    return sorted[min(max(rank - 1, 0), sorted.count - 1)]
}

func format(_ value: Double, _ decimals: Int = 2) -> String {
    var scale = 1.0
    for _ in 0..<decimals { scale *= 10 }
    let rounded = (value * scale).rounded() / scale
    if decimals == 0 { return String(Int(rounded)) }
    var text = String(rounded)
    if let dot = text.firstIndex(of: ".") {
        let fraction = text.distance(from: dot, to: text.endIndex) - 1
        if fraction < decimals { text += String(repeating: "0", count: decimals - fraction) }
    }
    return text
}

func jsonString(_ text: String) -> String { JSON.quoted(text) }

// MARK: - Main

let options = Options.parse(CommandLine.arguments)

let model: ModelFile
do {
    model = try ModelFile(path: options.modelPath)
} catch {
    fail("cannot load '\(options.modelPath)': \(error)")
}
var kernels = KernelSet.best
if let path = options.kernels {
    guard let chosen = KernelSet(path: path) else { fail("this build or CPU has no \(path) kernels") }
    kernels = chosen
}
let network: Network
do {
    network = try Network(model: model, kernels: kernels)
} catch {
    fail("cannot plan '\(options.modelPath)': \(error)")
}

if network.runsWholeWindows {
    // --steps and --warmup count windows here (Windows.swift).
    windowBenchmark(network: network, kernels: kernels.name, options: options)
}

let inputSize = network.inputSize
let frameCount = min(options.steps + options.warmup, 1024)
var random = SplitMix64(state: options.seed)
let frames = UnsafeMutablePointer<Float>.allocate(capacity: frameCount * inputSize)
for index in 0..<(frameCount * inputSize) { frames[index] = random.normal() }

var checksum = 0.0
for index in 0..<options.warmup {
    let output = network.step(frames + (index % frameCount) * inputSize)
    checksum += Double(output[0])
}

let overhead = timerOverhead()
var samples = [UInt64](repeating: 0, count: options.steps)
for index in 0..<options.steps {
    let frame = frames + ((options.warmup + index) % frameCount) * inputSize
    let start = nanoseconds()
    let output = network.step(frame)
    let end = nanoseconds()
    samples[index] = end &- start
    checksum += Double(output[0])
}
frames.deallocate()

var microseconds = samples.map { Double($0 > overhead ? $0 - overhead : 0) / 1000 }
microseconds.sort()
let mean = microseconds.reduce(0, +) / Double(microseconds.count)
let p50 = percentile(microseconds, 50)
let p90 = percentile(microseconds, 90)
let p99 = percentile(microseconds, 99)
let maximum = microseconds[microseconds.count - 1]
let overheadMicroseconds = Double(overhead) / 1000
let budgetShare = p99 / options.hopMicroseconds * 100

if options.json {
    let fields: [(String, String)] = [
        ("model", jsonString(options.modelPath)),
        ("input_size", String(inputSize)),
        ("output_size", String(network.outputSize)),
        ("steps", String(options.steps)),
        ("warmup", String(options.warmup)),
        ("seed", String(options.seed)),
        ("arena_bytes", String(network.arenaByteCount)),
        ("kernels", jsonString(kernels.name)),
        ("timer_overhead_us", format(overheadMicroseconds, 4)),
        ("p50_us", format(p50, 4)),
        ("p90_us", format(p90, 4)),
        ("p99_us", format(p99, 4)),
        ("max_us", format(maximum, 4)),
        ("mean_us", format(mean, 4)),
        ("hop_us", format(options.hopMicroseconds, 1)),
        ("p99_share_of_hop_percent", format(budgetShare, 4)),
        ("checksum", checksum.isFinite ? String(checksum) : jsonString(String(checksum))),
    ]
    print("{" + fields.map { "\(jsonString($0.0)): \($0.1)" }.joined(separator: ", ") + "}")
} else {
    print("earshot-bench: \(options.modelPath)")
    print("  input \(inputSize), output \(network.outputSize), arena \(network.arenaByteCount) bytes, kernels \(kernels.name)")
    print("  \(options.steps) timed steps after \(options.warmup) warm-up; timer overhead \(format(overheadMicroseconds, 3)) µs (subtracted)")
    print("  per step µs: p50 \(format(p50))  p90 \(format(p90))  p99 \(format(p99))  max \(format(maximum))  mean \(format(mean))")
    print("  p99 is \(format(budgetShare, 3)) % of a \(format(options.hopMicroseconds, 0)) µs hop; checksum \(checksum)")
}
