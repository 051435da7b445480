import AllocationCounter
import Glibc
import Model
import Runtime
import Testing
import TestSupport

/// `smallModel`'s backbone (4-value embeddings, 16-sample chunks) with a recurrent head: a GRU of
/// `hidden` units stepped once per chunk, then Dense(1) + sigmoid over its state.
func recurrentModel(hidden: Int = 3, resetAfter: Bool = false, seed: UInt64 = 21) -> OpenWakeWordModel {
    var generator = SeededGenerator(seed: seed)
    func values(_ n: Int) -> [Float] { (0..<n).map { _ in Float.random(in: -1...1, using: &generator) } }
    var model = smallModel()
    model.name = "recurrent"
    let gru = OpenWakeWordRecurrentHead(inputSize: 4, hiddenSize: hidden, resetAfter: resetAfter, inputWeights: values(12 * hidden),
                                        recurrentWeights: values(3 * hidden * hidden), inputBias: values(3 * hidden), recurrentBias: values(3 * hidden))
    model.recurrent = gru
    model.head = FloatLayerStack(input: gru.stateShape, layers: [.dense(outputs: 1, weights: values(hidden), bias: values(1), activation: .none), .sigmoid])
    return model
}

/// The GRU head written out in Double from its definition (ONNX gates z, r, h), independent of the runtime.
private func referenceScores(_ model: OpenWakeWordModel, embeddings: [[Float]]) -> [Double] {
    guard let gru = model.recurrent, case let .dense(_, outW, outB, _) = model.head.layers[0] else { return [] }
    let h = gru.hiddenSize, n = gru.inputSize
    var state = [Double](repeating: 0, count: h)
    func sigmoid(_ x: Double) -> Double { 1 / (1 + Glibc.exp(-x)) }
    return embeddings.map { x in
        func gate(_ row: Int, _ hidden: [Double]) -> (Double, Double) {
            var wx = Double(gru.inputBias[row]), rh = Double(gru.recurrentBias[row])
            for i in 0..<n { wx += Double(gru.inputWeights[row * n + i]) * Double(x[i]) }
            for j in 0..<h { rh += Double(gru.recurrentWeights[row * h + j]) * hidden[j] }
            return (wx, rh)
        }
        let z = (0..<h).map { k in let (a, b) = gate(k, state); return sigmoid(a + b) }
        let r = (0..<h).map { k in let (a, b) = gate(h + k, state); return sigmoid(a + b) }
        let candidate = (0..<h).map { k -> Double in
            if gru.resetAfter { let (a, b) = gate(2 * h + k, state); return Glibc.tanh(a + r[k] * b) }
            let (a, b) = gate(2 * h + k, zip(r, state).map { $0 * $1 })
            return Glibc.tanh(a + b)
        }
        state = (0..<h).map { (1 - z[$0]) * candidate[$0] + z[$0] * state[$0] }
        var logit = Double(outB[0])
        for j in 0..<h { logit += Double(outW[j]) * state[j] }
        return sigmoid(logit)
    }
}

/// A window head whose score is value `index` of the newest embedding: the stream's embeddings.
private func selector(_ index: Int) -> OpenWakeWordModel {
    var model = smallModel()
    var weights = [Float](repeating: 0, count: 16)
    weights[12 + index] = 1
    model.head = FloatLayerStack(input: model.head.input, layers: [.dense(outputs: 1, weights: weights, bias: [0], activation: .none)])
    return model
}

@Suite("openWakeWord recurrent head", .serialized)
struct OpenWakeWordRecurrentTests {
    private func run(_ models: [OpenWakeWordModel], chunks: Int) throws -> [Float] {
        let stream = try OpenWakeWordStream(models: models)
        let samples = audio(16 * chunks)
        var rows = [Float](repeating: 0, count: models.count * chunks)
        let written = samples.withUnsafeBufferPointer { input in
            rows.withUnsafeMutableBufferPointer { stream.process(input, rows: $0.baseAddress!, rowCapacity: chunks) }
        }
        #expect(written == chunks)
        return rows
    }

    @Test("the GRU steps once per chunk on the newest embedding, state carried: scores match a Double reference",
          arguments: [false, true])
    func matchesReference(resetAfter: Bool) throws {
        let model = recurrentModel(resetAfter: resetAfter)
        let chunks = 120
        let scores = try run([model] + (0..<4).map(selector), chunks: chunks)
        let first = model.headEmbeddings - 1   // scores start once a full window of embeddings exists
        let embeddings = (first..<chunks).map { t in (1...4).map { scores[t * 5 + $0] } }
        let want = referenceScores(model, embeddings: embeddings)
        var worst = 0.0
        for (k, t) in (first..<chunks).enumerated() { worst = max(worst, abs(Double(scores[t * 5]) - want[k])) }
        #expect(worst < 1e-5, "max |stream - reference| \(worst)")
        #expect((0..<first).allSatisfy { scores[$0 * 5] == 0 })
        // The state matters: a stream that forgot it (one step from zero) would differ.
        let stateless = (first..<chunks).map { referenceScores(model, embeddings: [embeddings[$0 - first]])[0] }
        #expect(zip(stateless, want).contains { abs($0 - $1) > 1e-3 })
    }

    @Test("reset() clears the GRU state: the same audio gives the same scores again")
    func resetClearsState() throws {
        let stream = try OpenWakeWordStream(models: [recurrentModel()])
        let samples = audio(16 * 60)
        func pass() -> [Float] {
            var rows = [Float](repeating: 0, count: 60)
            samples.withUnsafeBufferPointer { input in
                rows.withUnsafeMutableBufferPointer { _ = stream.process(input, rows: $0.baseAddress!, rowCapacity: 60) }
            }
            return rows
        }
        let first = pass()
        let carried = pass()   // no reset: the state (and the mel history) carry on
        stream.reset()
        let second = pass()
        #expect(first != carried)
        #expect(first == second)
    }

    @Test("process allocates nothing with a recurrent head beside a window head, counted from the first chunk")
    func allocationFree() throws {
        let models = [recurrentModel(), smallModel()]
        let samples = audio(16 * 300)
        var rows = [Float](repeating: 0, count: 600)
        var count = -1
        for _ in 0..<2 {   // the first pass takes the process's one-time runtime allocations
            let stream = try OpenWakeWordStream(models: models)
            samples.withUnsafeBufferPointer { input in
                rows.withUnsafeMutableBufferPointer { out in
                    allocation_counter_begin()
                    for chunk in 0..<300 {
                        _ = stream.process(UnsafeBufferPointer(rebasing: input[chunk * 16 ..< (chunk + 1) * 16]),
                                           rows: out.baseAddress! + chunk * 2, rowCapacity: 1)
                    }
                    count = allocation_counter_end()
                }
            }
        }
        #expect(count == 0)
        #expect(rows.allSatisfy { !$0.isNaN } && rows[2 * 299] > 0)
    }
}
