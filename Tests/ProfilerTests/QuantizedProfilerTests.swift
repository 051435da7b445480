import Frontend
import Glibc
import JSON
import Model
import Profiler
import Runtime
import TestSupport
import Testing

/// A small imported-style graph: input [3, 40] -> fully connected 120 -> 4, an ADD with a
/// constant, fully connected 4 -> 1, the LOGISTIC table, QUANTIZE to uint8.
private func smallGraph(seed: UInt64) -> QuantizedGraph {
    var generator = SeededGenerator(seed: seed)
    func weights(_ n: Int) -> [Int8] { (0..<n).map { _ in Int8.random(in: -127...127, using: &generator) } }
    var first = QuantizedConvolution(kind: .fullyConnected, input: 0, output: 1)
    (first.inputChannels, first.outputChannels) = (120, 4)
    first.weights = weights(480); first.bias = [10, -20, 30, 0]
    first.multipliers = [Int32](repeating: 1_400_000_000, count: 4); first.shifts = [Int32](repeating: -10, count: 4)
    first.inputOffset = 128
    let add = QuantizedElementwise(
        kind: .add, first: QuantizedOperand(tensor: 1, constant: [], shape: [1, 1, 1, 4], offset: 0, multiplier: 1 << 30, shift: 0),
        second: QuantizedOperand(tensor: -1, constant: weights(4), shape: [1, 1, 1, 4], offset: 7, multiplier: 1_500_000_000, shift: -1),
        output: 2, shape: [1, 1, 1, 4], outputOffset: 0, multiplier: 1_600_000_000, shift: -19, activationMin: -128, activationMax: 127)
    var second = QuantizedConvolution(kind: .fullyConnected, input: 2, output: 3)
    (second.inputChannels, second.outputChannels) = (4, 1)
    second.weights = weights(4); second.bias = [3]; second.multipliers = [1_300_000_000]; second.shifts = [-6]
    let table = (0..<256).map { Int8(truncatingIfNeeded: $0 / 2 - 64) }
    return QuantizedGraph(
        tensorSizes: [120, 4, 4, 1, 1, 1], variableInitialValues: [],
        operations: [.convolution(first), .elementwise(add), .convolution(second), .lookup(input: 3, output: 4, count: 1, table: table),
                     .requantize(input: 4, output: 5, count: 1, inputZeroPoint: -128, multiplier: 1 << 30, shift: 1,
                                 outputZeroPoint: 0, minimum: 0, maximum: 255, rounding: .awayFromZero)],
        input: QuantizedPort(tensor: 0, frames: 3, width: 40, scale: 0.1, zeroPoint: -128, unsigned: false),
        output: QuantizedPort(tensor: 5, frames: 1, width: 1, scale: 1.0 / 256, zeroPoint: 0, unsigned: true),
        wakeWord: QuantizedWakeWord(name: "test", probabilityCutoff: 0.5, slidingWindow: 3, featureStepMilliseconds: 10,
                                    tensorArenaBytes: 4321, frontendPreset: "micro"))
}

@Suite("QuantizedProfiler (imported TFLite models)")
struct QuantizedProfilerTests {
    @Test("operation by operation computes what a whole step computes")
    func operationsEqualStep() throws {
        let a = try QuantizedNetwork(graph: smallGraph(seed: 3)), b = try QuantizedNetwork(graph: smallGraph(seed: 3))
        var generator = SeededGenerator(seed: 9)
        for _ in 0..<50 {
            for i in 0..<120 {
                let value = Int8.random(in: -128...127, using: &generator)
                a.quantizedInput[i] = value
                b.quantizedInput[i] = value
            }
            let whole = a.step()[0]
            for index in 0..<b.operationCount { b.runOperation(index) }
            #expect(b.dequantizedOutput()[0] == whole)
            #expect(a.rawOutput(0) == b.rawOutput(0))
        }
    }

    @Test("random input: a histogram per operation, arena beside the manifest's, JSON fields")
    func randomInput() throws {
        let network = try QuantizedNetwork(graph: smallGraph(seed: 4))
        let report = try QuantizedProfiler.run(network, label: "m", steps: 200, warmup: 10, seed: 1, audio: nil)
        #expect(report.step.count == 200)
        #expect(report.operationSum.count == 200)
        #expect(report.operations.map(\.kind) == ["fully_connected", "add", "fully_connected", "logistic", "requantize"])
        #expect(report.operations.allSatisfy { $0.latency.count == 200 })
        #expect(report.frontend == nil)
        #expect(report.arenaBytes == network.arenaByteCount)
        #expect(report.manifestArenaBytes == 4321)
        #expect(report.stepAudioNanoseconds == 30_000_000)
        #expect(report.realtimeFactor > 0)
        let json = try JSON.parse(Array(report.json.serialized().utf8))
        for key in ["step_us", "operations", "operation_p50_sum_ratio", "realtime_factor", "arena_bytes", "manifest_tensor_arena_size"] {
            #expect(json[key] != nil, "missing \(key)")
        }
        #expect(report.text.contains("arena     \(network.arenaByteCount) bytes (manifest tensor_arena_size 4321)"))
    }

    @Test("audio input: the micro front end is timed per hop, three hops per step")
    func audioInput() throws {
        let network = try QuantizedNetwork(graph: smallGraph(seed: 5))
        let config = FrontendConfig.micro(stepMilliseconds: 10, channelCount: 40)
        let samples = (0..<16000).map { Float(sin(Double($0) * 0.07)) * 0.3 }
        let audio = AudioInput(label: "tone", samples: samples, sampleRate: 16000,
                               extractor: try FeatureExtractor(config: config), frontendDescription: "micro")
        let report = try QuantizedProfiler.run(network, label: "m", steps: 100, warmup: 5, seed: 1, audio: audio)
        #expect(report.frontend?.count == 2 * 100 * 3)
        #expect(report.step.count == 100)
        let wrong = AudioInput(label: "tone", samples: samples, sampleRate: 16000,
                               extractor: try FeatureExtractor(config: .micro(stepMilliseconds: 10, channelCount: 32)), frontendDescription: "")
        #expect(throws: ProfilerError.self) { _ = try QuantizedProfiler.run(network, label: "m", steps: 1, warmup: 0, seed: 1, audio: wrong) }
    }
}
