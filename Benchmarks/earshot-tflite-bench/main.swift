// Per-step latency of imported TFLite graphs (issue 14): loads each earshot-qgraph model given,
// feeds the features of a [T, F] float32 .npy (quantized per step as pymicro-wakeword does), and
// times every `QuantizedNetwork.step` with CLOCK_MONOTONIC_RAW (the clock's own cost subtracted).
// Prints one JSON object per model: p50/p99 ns per step and the arena bytes. Driven by
// tools/bench/bench_tflite.py, which times TensorFlow Lite on the same features in the same run.
//
//     earshot-tflite-bench [--kernels generic|best] FEATURES.npy MODEL.earshot...
import Glibc
import Kernels
import Model
import NumPyFile
import Runtime
import Timing
import SystemFile
import Timing

var arguments = CommandLine.arguments
// The kernel path: the fastest this CPU has (default), or the portable twin for comparison.
var kernels = KernelSet.best
if arguments.count >= 3, arguments[1] == "--kernels" {
    if arguments[2] == "generic" { kernels = KernelSet(path: .generic)! } else if arguments[2] != "best" {
        print("unknown kernels \(arguments[2]) (generic or best)")
        exit(2)
    }
    arguments.removeSubrange(1...2)
}
guard arguments.count >= 3 else {
    print("usage: earshot-tflite-bench [--kernels generic|best] FEATURES.npy MODEL.earshot...")
    exit(2)
}
let array = try NumPyFormat.parse(SystemFile.readAll(path: arguments[1]))
let features = array.floats()
let overhead = MonotonicClock.readOverhead()
for path in arguments.dropFirst(2) {
    let network = try QuantizedNetwork(graph: try QuantizedGraphFile.read(path: path), kernels: kernels)
    let width = network.featureWidth, perStep = network.framesPerStep
    let steps = features.count / (width * perStep)
    var times = [UInt64](repeating: 0, count: steps)
    var checksum: Float = 0
    features.withUnsafeBufferPointer { buffer in
        for step in 0..<steps {
            network.setInput(features: buffer.baseAddress! + step * perStep * width)
            let start = MonotonicClock.now()
            checksum += network.step()[0]
            let end = MonotonicClock.now()
            times[step] = MonotonicClock.interval(from: start, to: end, overhead: overhead)
        }
    }
    times.sort()
    let p50 = times[steps / 2], p99 = times[min(steps - 1, steps * 99 / 100)]
    print("{\"model\": \"\(path)\", \"steps\": \(steps), \"p50_ns\": \(p50), \"p99_ns\": \(p99), \"arena_bytes\": \(network.arenaByteCount), \"kernels\": \"\(network.kernelPath)\", \"checksum\": \(checksum)}")
}
