// Window mode of earshot-bench: models that run whole windows (conv2d front stage, bidirectional
// or attention layers) cannot `step`; they are timed per window instead (tools/bench/bench_window.py).
import Glibc
import Runtime

/// Times `samples` windows of `network` (after `warmup` untimed ones) two ways and prints them:
/// - hop: the K `WindowedNetwork.push` calls of one hop, the last of which runs the window (what
///   a deployed stream costs per prediction: with a carried first layer, K forward steps plus
///   the reverse direction and later layers over the W-frame window);
/// - scratch: `Network.runWindow` on W frames from zero state (every layer over the window: the
///   same work ONNX Runtime does for one W-frame input).
func windowBenchmark(network: Network, kernels: String, options: Options) -> Never {
    guard case let .windowed(frames, hop) = network.model.description.execution else {
        fail("a model that runs whole windows must be windowed")
    }
    let windowed: WindowedNetwork
    do {
        windowed = try WindowedNetwork(network: network, frames: frames, hop: hop)
    } catch {
        fail("cannot plan the window ring: \(error)")
    }
    let inputSize = network.inputSize
    let ringFrames = 1024
    var random = SplitMix64(state: options.seed)
    let input = UnsafeMutablePointer<Float>.allocate(capacity: ringFrames * inputSize)
    for index in 0..<(ringFrames * inputSize) { input[index] = random.normal() }
    var cursor = 0
    var checksum = 0.0
    // One hop: K pushes, the last of which runs the window.
    func hopOnce() {
        for _ in 0..<hop {
            windowed.push(input + cursor * inputSize)
            cursor = (cursor + 1) % ringFrames
        }
    }
    // Fill the ring, then warm up.
    for _ in 0..<frames {
        windowed.push(input + cursor * inputSize)
        cursor = (cursor + 1) % ringFrames
    }
    for _ in 0..<options.warmup { hopOnce() }
    let overhead = timerOverhead()
    var hopSamples = [UInt64](repeating: 0, count: options.steps)
    var scratchSamples = [UInt64](repeating: 0, count: options.steps)
    for index in 0..<options.steps {
        let start = nanoseconds()
        hopOnce()
        let end = nanoseconds()
        hopSamples[index] = end &- start
        checksum += Double(windowed.output[0])
    }
    // From zero state (this resets a carried first layer's state, so it runs after the stream).
    for index in 0..<(options.warmup + options.steps) {
        let window = input + (index % (ringFrames - frames)) * inputSize
        let scratchStart = nanoseconds()
        let output = network.runWindow(window, count: frames)
        let scratchEnd = nanoseconds()
        if index >= options.warmup { scratchSamples[index - options.warmup] = scratchEnd &- scratchStart }
        checksum += Double(output[0])
    }
    input.deallocate()
    func summary(_ samples: [UInt64]) -> (p50: Double, p90: Double, p99: Double, mean: Double) {
        var us = samples.map { Double($0 > overhead ? $0 - overhead : 0) / 1000 }
        us.sort()
        return (percentile(us, 50), percentile(us, 90), percentile(us, 99), us.reduce(0, +) / Double(us.count))
    }
    let h = summary(hopSamples), s = summary(scratchSamples)
    if options.json {
        let fields: [(String, String)] = [
            ("model", jsonString(options.modelPath)),
            ("mode", jsonString("window")),
            ("window_frames", String(frames)),
            ("window_hop", String(hop)),
            ("carried_width", String(network.carriedWidth)),
            ("windows", String(options.steps)),
            ("warmup", String(options.warmup)),
            ("arena_bytes", String(network.arenaByteCount)),
            ("window_buffer_bytes", String(network.sequenceByteCount + windowed.bufferByteCount)),
            ("kernels", jsonString(kernels)),
            ("timer_overhead_us", format(Double(overhead) / 1000, 4)),
            ("hop_p50_us", format(h.p50, 4)), ("hop_p90_us", format(h.p90, 4)), ("hop_p99_us", format(h.p99, 4)),
            ("hop_mean_us", format(h.mean, 4)),
            ("scratch_p50_us", format(s.p50, 4)), ("scratch_p90_us", format(s.p90, 4)),
            ("scratch_p99_us", format(s.p99, 4)), ("scratch_mean_us", format(s.mean, 4)),
            ("checksum", checksum.isFinite ? String(checksum) : jsonString(String(checksum))),
        ]
        print("{" + fields.map { "\(jsonString($0.0)): \($0.1)" }.joined(separator: ", ") + "}")
    } else {
        print("earshot-bench (windows): \(options.modelPath)")
        print("  window \(frames) frames every \(hop); carried first layer: \(network.carriedWidth > 0 ? "yes" : "no"); kernels \(kernels)")
        print("  \(options.steps) timed windows after \(options.warmup) warm-up")
        print("  per hop (\(hop) pushes, one window run) µs: p50 \(format(h.p50))  p90 \(format(h.p90))  p99 \(format(h.p99))")
        print("  per window from zero state µs:            p50 \(format(s.p50))  p90 \(format(s.p90))  p99 \(format(s.p99))")
        print("  checksum \(checksum)")
    }
    exit(0)
}
