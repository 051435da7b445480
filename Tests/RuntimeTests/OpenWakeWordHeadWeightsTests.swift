import Model
import Runtime
import Testing
import TestSupport

/// The head's dense-layer precision a model stores (`convert --head-weights`) and what a stream runs
/// (allocation-free with an int8 head: `OpenWakeWordMultiClassTests.allocationFree`).
@Suite("openWakeWord stored head weights")
struct OpenWakeWordHeadWeightsTests {
    func rows(_ models: [OpenWakeWordModel], chunks: Int = 30) throws -> [Float] {
        let stream = try OpenWakeWordStream(models: models)
        let samples = audio(16 * chunks)
        var out = [Float](repeating: -1, count: chunks * stream.rowWidth)
        _ = samples.withUnsafeBufferPointer { input in
            out.withUnsafeMutableBufferPointer { stream.process(input, rows: $0.baseAddress!, rowCapacity: chunks) }
        }
        return out
    }

    @Test("the precision round-trips; fp32 writes no key (older files keep their bytes); an unknown name is refused")
    func file() throws {
        var model = multiClassModel()
        #expect(!String(decoding: try OpenWakeWordFile.serialize(model), as: UTF8.self).contains("head.weights"))
        for weights in OpenWakeWordEmbeddingWeights.allCases {
            model.headWeights = weights
            let parsed = try OpenWakeWordFile.parse(try OpenWakeWordFile.serialize(model))
            #expect(parsed.headWeights == weights)
            #expect(parsed.embeddingWeights == .fp32)
        }
        model.headWeights = .int8
        let bytes = OpenWakeWordEmbeddingWeightsTests.replacingFirst("int8", with: "int7", in: try OpenWakeWordFile.serialize(model))
        #expect { _ = try OpenWakeWordFile.parse(bytes) } throws: { "\($0)".contains("earshot.oww.head.weights") && "\($0)".contains("int7") }
    }

    @Test("dense layers with fp16/int8 weights stay close to fp32 computed in Double, and differ from it (applied)")
    func denseLayers() throws {
        var generator = SeededGenerator(seed: 5)
        func values(_ n: Int) -> [Float] { (0..<n).map { _ in Float.random(in: -1...1, using: &generator) } }
        let (inputs, hidden, outputs) = (96, 40, 7)
        let (w1, b1, w2, b2) = (values(hidden * inputs), values(hidden), values(outputs * hidden), values(outputs))
        let stack = FloatLayerStack(input: FloatShape(height: 1, width: 1, channels: inputs), layers: [
            .dense(outputs: hidden, weights: w1, bias: b1, activation: .relu),
            .dense(outputs: outputs, weights: w2, bias: b2, activation: .none),
        ])
        let x = values(inputs)
        // The reference: the same two layers in Double, row-major [outputs, inputs].
        func dense(_ w: [Float], _ b: [Float], _ v: [Double], _ n: Int, relu: Bool) -> [Double] {
            (0..<n).map { o in
                let sum = (0..<v.count).reduce(Double(b[o])) { $0 + Double(w[o * v.count + $1]) * v[$1] }
                return relu ? max(sum, 0) : sum
            }
        }
        let want = dense(w2, b2, dense(w1, b1, x.map(Double.init), hidden, relu: true), outputs, relu: false)
        let scale = want.map(abs).max()!
        for (precision, tolerance) in [(FloatLayerRunner.Precision.fp32, 1e-5), (.fp16, 2e-3), (.int8, 3e-2)] {
            let runner = try FloatLayerRunner(stack, densePrecision: precision)
            let got = x.withUnsafeBufferPointer { Array(UnsafeBufferPointer(start: runner.run($0.baseAddress!), count: outputs)) }
            let error = zip(got, want).map { abs(Double($0) - $1) }.max()! / scale
            #expect(error < tolerance, "\(precision): largest error \(error) of the output scale")
            if precision != .fp32 { #expect(error > 1e-7, "\(precision) gives fp32's outputs: the precision is not applied") }
        }
    }

    @Test("a stream runs the head at the precision its model stores")
    func streamPrecision() throws {
        var int8 = multiClassModel()
        int8.headWeights = .int8
        let fp32Rows = try rows([multiClassModel()]), int8Rows = try rows([int8])
        #expect(int8Rows != fp32Rows, "int8 and fp32 heads give identical rows: the precision is not applied")
        let largest = zip(int8Rows, fp32Rows).map { abs($0 - $1) }.max()!
        #expect(largest < 0.05, "int8 head probabilities differ from fp32 by \(largest)")
    }
}
