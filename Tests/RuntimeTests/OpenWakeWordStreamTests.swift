import AllocationCounter
import Model
import Runtime
import Testing
import TestSupport

/// A small openWakeWord-shaped model with seeded weights: 8-sample frames, hop 4, 16-sample chunks,
/// 6 mel frames per embedding, 4 embeddings per head run.
func smallModel(seed: UInt64 = 15) -> OpenWakeWordModel {
    var generator = SeededGenerator(seed: seed)
    func values(_ n: Int, _ range: ClosedRange<Float> = -0.5...0.5) -> [Float] { (0..<n).map { _ in Float.random(in: range, using: &generator) } }
    let mel = OpenWakeWordMel(
        frameLength: 8, hop: 4, bins: 3, mels: 2, dftReal: values(24), dftImaginary: values(24), biasReal: values(3),
        biasImaginary: values(3), filters: values(6, 0...1), powerFloor: 1e-10, powerCeiling: .infinity,
        logMultiplier: 10, logDivisor: 2.3025851, divides: true, dbOffset: 0, dbCeiling: .infinity, topDB: 80)
    let embedding = FloatLayerStack(input: FloatShape(height: 6, width: 2, channels: 1), layers: [
        .convolution(FloatConvolution(kernelHeight: 3, kernelWidth: 3, inputChannels: 1, outputChannels: 3, padLeft: 1, padRight: 1,
                                      weights: values(27), bias: values(3))),
        .leakyRelu(alpha: 0.2), .maximum(-0.3),
        .maxPool(height: 2, width: 2, strideHeight: 2, strideWidth: 2),
        .convolution(FloatConvolution(kernelHeight: 2, kernelWidth: 1, inputChannels: 3, outputChannels: 4, weights: values(24), bias: values(4))),
    ])
    let head = FloatLayerStack(input: FloatShape(height: 4, width: 4, channels: 1), layers: [
        .dense(outputs: 5, weights: values(80), bias: values(5), activation: .none),
        .layerNorm(epsilon: 1e-5, gamma: values(5, 1...2), beta: values(5), activation: .none),
        .dense(outputs: 1, weights: values(5), bias: values(1), activation: .none), .sigmoid,
    ])
    return OpenWakeWordModel(name: "small", mel: mel, embedding: embedding, head: head, chunkSamples: 16, embeddingFrames: 6, headEmbeddings: 4)
}

func audio(_ count: Int, seed: UInt64 = 3) -> [Float] {
    var generator = SeededGenerator(seed: seed)
    return (0..<count).map { _ in Float.random(in: -3000...3000, using: &generator) }
}

@Suite("openWakeWord stream", .serialized)
struct OpenWakeWordStreamTests {
    /// Allocations of `process` on a fresh stream, counted from its first chunk (chunk by chunk, 300
    /// chunks), after the same run on a throwaway stream took the process's one-time runtime allocations.
    private func countAllocations(_ models: [OpenWakeWordModel], _ precision: FloatLayerRunner.Precision) throws -> (Int, [Float]) {
        let samples = audio(16 * 300)
        var rows = [Float](repeating: 0, count: models.count * 300)
        var count = 0
        for attempt in 0..<2 {
            let stream = try OpenWakeWordStream(models: models, embeddingPrecision: precision)
            samples.withUnsafeBufferPointer { input in
                rows.withUnsafeMutableBufferPointer { out in
                    allocation_counter_begin()
                    for chunk in 0..<300 {
                        _ = stream.process(UnsafeBufferPointer(rebasing: input[chunk * 16 ..< (chunk + 1) * 16]),
                                           rows: out.baseAddress! + chunk * models.count, rowCapacity: 1)
                    }
                    count = allocation_counter_end()
                }
            }
            _ = attempt
        }
        return (count, rows)
    }

    @Test("process allocates nothing, counted from the first chunk after load (two models sharing the backbone)")
    func allocationFree() throws {
        var second = smallModel(seed: 16)
        (second.mel, second.embedding) = (smallModel().mel, smallModel().embedding)
        let (count, rows) = try countAllocations([smallModel(), second], .fp32)
        #expect(count == 0)
        #expect(rows.allSatisfy { !$0.isNaN })
        #expect(rows[0] == 0 && rows[2 * 299] > 0)
    }

    @Test("fp16 and int8 embedding weights: close to fp32 and allocation-free", arguments: [FloatLayerRunner.Precision.fp16, .int8])
    func reducedPrecision(_ precision: FloatLayerRunner.Precision) throws {
        let (_, a) = try countAllocations([smallModel()], .fp32)
        let (count, b) = try countAllocations([smallModel()], precision)
        #expect(count == 0)
        let worst = zip(a, b).map { abs($0 - $1) }.max() ?? 0
        // Scores are sigmoids in (0, 1): reduced weights move them, but not far.
        #expect(worst < (precision == .fp16 ? 1e-3 : 5e-2), "\(precision): \(worst)")
        #expect(a != b, "\(precision) gave exactly the fp32 scores")
    }

    @Test("one row per chunk; rows before the first full head window are 0; reset replays the stream")
    func alignmentAndReset() throws {
        let stream = try OpenWakeWordStream(models: [smallModel()])
        let samples = audio(16 * 20 + 5)
        func run() -> [Float] {
            var rows = [Float](repeating: -1, count: 40)
            let count = samples.withUnsafeBufferPointer { input in
                rows.withUnsafeMutableBufferPointer { stream.process(input, rows: $0.baseAddress!, rowCapacity: 40) }
            }
            return Array(rows.prefix(count))
        }
        let first = run()
        #expect(first.count == 20)
        #expect(first.prefix(3).allSatisfy { $0 == 0 })
        #expect(first.dropFirst(3).allSatisfy { $0 > 0 && $0 < 1 })
        stream.reset()
        #expect(run() == first)
    }

    @Test("models with other feature networks are refused on one stream")
    func sharedBackboneRequired() {
        #expect(throws: ModelError.self) { _ = try OpenWakeWordStream(models: [smallModel(), smallModel(seed: 99)]) }
    }

    @Test("convolution, pooling and dense layers match a plain nested-loop reference")
    func layersMatchReference() throws {
        var generator = SeededGenerator(seed: 8)
        let conv = FloatConvolution(kernelHeight: 3, kernelWidth: 2, inputChannels: 2, outputChannels: 3, strideHeight: 2, strideWidth: 1,
                                    padTop: 1, padBottom: 0, padLeft: 0, padRight: 1,
                                    weights: (0..<36).map { _ in Float.random(in: -1...1, using: &generator) },
                                    bias: [0.1, -0.2, 0.3])
        let input = FloatShape(height: 7, width: 4, channels: 2)
        let x = (0..<input.count).map { _ in Float.random(in: -1...1, using: &generator) }
        let runner = try FloatLayerRunner(FloatLayerStack(input: input, layers: [.convolution(conv)]))
        let outHeight = (7 + 1 - 3) / 2 + 1, outWidth = (4 + 1 - 2) / 1 + 1
        #expect(runner.outputCount == outHeight * outWidth * 3)
        let y = x.withUnsafeBufferPointer { Array(UnsafeBufferPointer(start: runner.run($0.baseAddress!), count: runner.outputCount)) }
        for oy in 0..<outHeight {
            for ox in 0..<outWidth {
                for o in 0..<3 {
                    var sum = Double(conv.bias[o])
                    for ky in 0..<3 {
                        for kx in 0..<2 {
                            let iy = oy * 2 + ky - 1, ix = ox + kx
                            guard iy >= 0, iy < 7, ix < 4 else { continue }
                            for c in 0..<2 {
                                sum += Double(conv.weights[((o * 3 + ky) * 2 + kx) * 2 + c]) * Double(x[(iy * 4 + ix) * 2 + c])
                            }
                        }
                    }
                    #expect(abs(Double(y[(oy * outWidth + ox) * 3 + o]) - sum) < 1e-5)
                }
            }
        }
        for precision in [FloatLayerRunner.Precision.fp16, .int8] {
            let reduced = try FloatLayerRunner(FloatLayerStack(input: input, layers: [.convolution(conv)]), precision: precision)
            let z = x.withUnsafeBufferPointer { Array(UnsafeBufferPointer(start: reduced.run($0.baseAddress!), count: reduced.outputCount)) }
            let worst = zip(y, z).map { abs($0 - $1) }.max() ?? 0
            // |x| <= 1, 12 products per output: int8 costs at most about 12 · (1/254 + 1/254) ≈ 0.1.
            #expect(worst < (precision == .fp16 ? 1e-2 : 0.1), "\(precision): \(worst)")
            #expect(worst > 0, "\(precision) gave exactly the fp32 result")
        }
        let pool = try FloatLayerRunner(FloatLayerStack(input: input, layers: [.maxPool(height: 2, width: 2, strideHeight: 2, strideWidth: 2)]))
        let pooled = x.withUnsafeBufferPointer { Array(UnsafeBufferPointer(start: pool.run($0.baseAddress!), count: pool.outputCount)) }
        #expect(pooled.count == 3 * 2 * 2)
        for py in 0..<3 { for px in 0..<2 { for c in 0..<2 {
            let window = [(0, 0), (0, 1), (1, 0), (1, 1)].map { x[((py * 2 + $0.0) * 4 + px * 2 + $0.1) * 2 + c] }
            #expect(pooled[(py * 2 + px) * 2 + c] == window.max())
        } } }
    }

    @Test("streaming reuse (run newRows:) is bit-identical to a full run, and a wrong hint is caught")
    func streamingReuseMatchesFullRun() throws {
        var generator = SeededGenerator(seed: 21)
        func values(_ n: Int) -> [Float] { (0..<n).map { _ in Float.random(in: -1...1, using: &generator) } }
        let input = FloatShape(height: 14, width: 4, channels: 1)
        let stack = FloatLayerStack(input: input, layers: [
            .convolution(FloatConvolution(kernelHeight: 3, kernelWidth: 3, inputChannels: 1, outputChannels: 3, padLeft: 1, padRight: 1,
                                          weights: values(27), bias: values(3))),
            .leakyRelu(alpha: 0.2), .maximum(-0.3),
            .convolution(FloatConvolution(kernelHeight: 1, kernelWidth: 3, inputChannels: 3, outputChannels: 4, padLeft: 1, padRight: 1,
                                          weights: values(36), bias: values(4))),
            .maxPool(height: 2, width: 2, strideHeight: 2, strideWidth: 2),
            .convolution(FloatConvolution(kernelHeight: 2, kernelWidth: 1, inputChannels: 4, outputChannels: 5, weights: values(40), bias: values(5))),
            .relu,
            // Padding on top: no row of this layer is reusable (row 0 reads padding, its old counterpart did not).
            .convolution(FloatConvolution(kernelHeight: 2, kernelWidth: 1, inputChannels: 5, outputChannels: 2, padTop: 1,
                                          weights: values(20), bias: values(2))),
            .dense(outputs: 3, weights: values(3 * 5 * 2 * 2), bias: values(3), activation: .none), .sigmoid,
        ])
        for precision in FloatLayerRunner.Precision.allCases {
            let streaming = try FloatLayerRunner(stack, precision: precision), full = try FloatLayerRunner(stack, precision: precision)
            var history = [Float](repeating: 1, count: input.count)
            // Shifts of 2 (reusable through the stride-2 pool), 3 (not divisible by it), a wrong hint, and 0.
            for (step, (added, hint)) in [(2, 2), (2, 2), (3, 3), (2, 2), (2, 1), (4, 4), (0, 0), (2, 2)].enumerated() {
                let kept = input.height - added
                history = Array(history[(added * 4)...]) + values(added * 4)
                #expect(history.count == input.count)
                let a = history.withUnsafeBufferPointer { Array(UnsafeBufferPointer(start: streaming.run($0.baseAddress!, newRows: hint), count: streaming.outputCount)) }
                let b = history.withUnsafeBufferPointer { Array(UnsafeBufferPointer(start: full.run($0.baseAddress!), count: full.outputCount)) }
                #expect(a.map(\.bitPattern) == b.map(\.bitPattern), "\(precision) step \(step)")
                let proven = step > 0 && hint == added && added > 0 ? kept : 0
                #expect(streaming.keptInputRows == proven, "\(precision) step \(step)")
                #expect(full.keptInputRows == 0)
            }
        }
    }

    @Test("a verifier replaces the head's score exactly where the head's score reaches its threshold; allocation-free")
    func verifierBranch() throws {
        let base = smallModel()
        var generator = SeededGenerator(seed: 31)
        let verifierStack = FloatLayerStack(input: base.head.input, layers: [
            .dense(outputs: 3, weights: (0..<48).map { _ in Float.random(in: -0.5...0.5, using: &generator) }, bias: [0.1, -0.1, 0.2], activation: .relu),
            .dense(outputs: 1, weights: [0.4, -0.3, 0.5], bias: [0.05], activation: .none), .sigmoid,
        ])
        var asHead = base
        asHead.head = verifierStack
        let (_, headScores) = try countAllocations([base], .fp32)
        let (_, verifierScores) = try countAllocations([asHead], .fp32)
        // The threshold between the head's scores, so some chunks take the branch and some do not.
        let scored = headScores.filter { $0 > 0 }.sorted()
        let threshold = scored[scored.count / 2]
        var verified = base
        verified.verifier = OpenWakeWordVerifier(threshold: threshold, stack: verifierStack)
        let (count, scores) = try countAllocations([verified], .fp32)
        #expect(count == 0)
        var taken = 0
        for (index, score) in scores.enumerated() {
            let expected = headScores[index] >= threshold ? verifierScores[index] : headScores[index]
            taken += headScores[index] >= threshold ? 1 : 0
            #expect(score.bitPattern == expected.bitPattern, "chunk \(index)")
        }
        #expect(taken > 0 && taken < scores.count)
        #expect(try OpenWakeWordFile.parse(try OpenWakeWordFile.serialize(verified)) == verified)
        var wrong = verified
        wrong.verifier?.stack = FloatLayerStack(input: FloatShape(height: 2, width: 4, channels: 1), layers: [.sigmoid])
        #expect(throws: ModelError.self) { try wrong.validate() }
    }

    @Test("the model file round-trips; truncations and flipped bytes are refused or read, never a crash")
    func fileRoundTrip() throws {
        let model = smallModel()
        let bytes = try OpenWakeWordFile.serialize(model)
        #expect(try OpenWakeWordFile.parse(bytes) == model)
        #expect(OpenWakeWordFile.isOpenWakeWord(bytes))
        for length in stride(from: 0, to: bytes.count - 31, by: 5) {
            #expect(throws: ModelError.self) { _ = try OpenWakeWordFile.parse(Array(bytes[..<length])) }
        }
        var generator = SeededGenerator(seed: 4)
        for _ in 0..<400 {
            var broken = bytes
            for _ in 0..<3 { broken[Int.random(in: 0..<broken.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator) }
            if let parsed = try? OpenWakeWordFile.parse(broken) { _ = try? OpenWakeWordStream(models: [parsed]) }
        }
    }
}
