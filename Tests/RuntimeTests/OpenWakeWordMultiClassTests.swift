import AllocationCounter
import Foundation
import Model
import Runtime
import Testing
import TestSupport

/// `smallModel` with a 3-class head: dense -> layer norm -> dense(3) -> softmax, labels a, b, c.
func multiClassModel(seed: UInt64 = 21) -> OpenWakeWordModel {
    var generator = SeededGenerator(seed: seed)
    func values(_ n: Int, _ range: ClosedRange<Float> = -1...1) -> [Float] { (0..<n).map { _ in Float.random(in: range, using: &generator) } }
    var model = smallModel()
    model.name = "classes"
    model.head = FloatLayerStack(input: FloatShape(height: 4, width: 4, channels: 1), layers: [
        .dense(outputs: 5, weights: values(80), bias: values(5), activation: .none),
        .layerNorm(epsilon: 1e-5, gamma: values(5, 1...2), beta: values(5), activation: .relu),
        .dense(outputs: 3, weights: values(15, -3...3), bias: values(3), activation: .none), .softmax,
    ])
    model.labels = ["_silence_", "b", "c"]
    return model
}

@Suite("openWakeWord multi-class heads", .serialized)
struct OpenWakeWordMultiClassTests {
    @Test("softmax equals exp(x_i) / sum exp(x_j) computed in Double, also for logits that overflow a plain exp")
    func softmaxMatchesFormula() throws {
        let cases: [[Float]] = [[0.5, -1.25, 2, 0.125, -3], [1000, 999, 990], [-1000, -1001, -1003], [7, 7, 7, 7]]
        for logits in cases {
            let runner = try FloatLayerRunner(FloatLayerStack(input: FloatShape(height: 1, width: 1, channels: logits.count), layers: [.softmax]))
            let y = logits.withUnsafeBufferPointer { Array(UnsafeBufferPointer(start: runner.run($0.baseAddress!), count: logits.count)) }
            // The reference shifts by the mean (not the max), in Double: another route to the same values.
            let mean = logits.reduce(0.0) { $0 + Double($1) } / Double(logits.count)
            let e = logits.map { Foundation.exp(Double($0) - mean) }
            let sum = e.reduce(0, +)
            for (got, want) in zip(y, e.map { $0 / sum }) { #expect(abs(Double(got) - want) < 1e-6, "\(logits): \(y)") }
        }
    }

    @Test("labels and per-label thresholds round-trip through the file; the head's scores are probabilities")
    func fileRoundTrip() throws {
        var model = multiClassModel()
        model.threshold = 0.7
        model.keywordThresholds = ["b": 0.25, "c": 0.9]
        let parsed = try OpenWakeWordFile.parse(try OpenWakeWordFile.serialize(model))
        #expect(parsed == model)
        #expect(parsed.labels == ["_silence_", "b", "c"] && parsed.keywordThresholds == ["b": 0.25, "c": 0.9])
        #expect(parsed.outputCount == 3 && parsed.scoreNames == parsed.labels)
        #expect(smallModel().scoreNames == ["small"] && smallModel().outputCount == 1)
    }

    @Test("hostile label data is refused with an error naming the problem")
    func hostileLabels() throws {
        func refusal(_ change: (inout OpenWakeWordModel) -> Void) -> String {
            var model = multiClassModel()
            change(&model)
            do {
                _ = try OpenWakeWordFile.serialize(model)
                return "accepted"
            } catch {
                return "\(error)"
            }
        }
        #expect(refusal { $0.labels = ["a", "b"] }.contains("3 scores"))                    // count mismatch
        #expect(refusal { $0.labels = [] }.contains("convert --labels"))                     // N scores, no labels
        #expect(refusal { $0.labels = ["a", "b", "a"] }.contains("'a' twice"))
        #expect(refusal { $0.labels = ["a", "", "c"] }.contains("labels of 1...128 bytes"))
        #expect(refusal { $0.labels = ["a", String(repeating: "x", count: 129), "c"] }.contains("labels of 1...128 bytes"))
        #expect(refusal { $0.labels = (0..<2000).map { "l\($0)" } }.contains("2...1024 labels"))
        #expect(refusal { $0.keywordThresholds = ["zz": 0.5] }.contains("earshot.oww.thresholds.zz"))
        #expect(refusal { $0.keywordThresholds = ["b": 1.5] }.contains("a threshold in 0...1"))
        #expect(refusal { $0.keywordThresholds = ["b": .nan] }.contains("a threshold in 0...1"))
        #expect(refusal { $0.verifier = OpenWakeWordVerifier(threshold: 0.5, stack: smallModel().head) }.contains("verifier"))
        var single = smallModel()
        single.keywordThresholds = ["small": 0.5]
        #expect(throws: ModelError.self) { try single.validate() }
        // A file whose labels key is not a string array.
        var bytes = try OpenWakeWordFile.serialize(multiClassModel())
        let key = Array("earshot.oww.labels".utf8)
        let at = (0...(bytes.count - key.count)).first { Array(bytes[$0..<($0 + key.count)]) == key }!
        bytes[at + key.count] = 6   // the value type u32 after the key: array (9) -> float32 (6), misreads the rest
        #expect(throws: ModelError.self) { _ = try OpenWakeWordFile.parse(bytes) }
    }

    @Test("a stream with a 1-score and a 3-class model: rows are their scores side by side, each as alone; offsets and width")
    func mixedRows() throws {
        let single = smallModel(), classes = multiClassModel()
        func rows(_ models: [OpenWakeWordModel]) throws -> (OpenWakeWordStream, [Float]) {
            let stream = try OpenWakeWordStream(models: models)
            let samples = audio(16 * 30)
            var out = [Float](repeating: -1, count: 30 * stream.rowWidth)
            let written = samples.withUnsafeBufferPointer { input in
                out.withUnsafeMutableBufferPointer { stream.process(input, rows: $0.baseAddress!, rowCapacity: 30) }
            }
            #expect(written == 30)
            return (stream, out)
        }
        let (both, mixed) = try rows([single, classes])
        #expect(both.rowWidth == 4 && both.offsets == [0, 1])
        let (_, alone1) = try rows([single])
        let (_, alone3) = try rows([classes])
        for row in 0..<30 {
            #expect(mixed[row * 4] == alone1[row])
            #expect(Array(mixed[(row * 4 + 1)..<(row * 4 + 4)]) == Array(alone3[(row * 3)..<(row * 3 + 3)]))
            if row >= 3 { #expect(abs(alone3[(row * 3)..<(row * 3 + 3)].reduce(0, +) - 1) < 1e-5) }
        }
        #expect(Set(stride(from: 9, to: 90, by: 3).map { alone3[$0] }).count > 5, "the class scores do not move")
    }

    @Test("a multi-class stream allocates nothing, counted from the first chunk after load (fp32 and int8 head)",
          arguments: [OpenWakeWordEmbeddingWeights.fp32, .int8])
    func allocationFree(headWeights: OpenWakeWordEmbeddingWeights) throws {
        var model = multiClassModel()
        model.headWeights = headWeights
        let models = [model, smallModel()]
        let samples = audio(16 * 200)
        var count = -1
        for _ in 0..<2 {   // the first stream takes the process's one-time runtime allocations
            let stream = try OpenWakeWordStream(models: models)
            var rows = [Float](repeating: 0, count: stream.rowWidth)
            samples.withUnsafeBufferPointer { input in
                rows.withUnsafeMutableBufferPointer { out in
                    allocation_counter_begin()
                    for chunk in 0..<200 {
                        _ = stream.process(UnsafeBufferPointer(rebasing: input[chunk * 16 ..< (chunk + 1) * 16]), rows: out.baseAddress!, rowCapacity: 1)
                    }
                    count = allocation_counter_end()
                }
            }
        }
        #expect(count == 0)
    }
}
