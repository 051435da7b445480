import Model
import Runtime
import Testing
import TestSupport

/// The embedding precision a model stores (`convert --embedding-weights`) and what a stream runs.
@Suite("openWakeWord stored embedding weights")
struct OpenWakeWordEmbeddingWeightsTests {
    func rows(_ models: [OpenWakeWordModel], _ precision: FloatLayerRunner.Precision? = nil) throws -> [Float] {
        let stream = try OpenWakeWordStream(models: models, embeddingPrecision: precision)
        let samples = audio(16 * 30)
        var out = [Float](repeating: -1, count: 30 * stream.rowWidth)
        _ = samples.withUnsafeBufferPointer { input in
            out.withUnsafeMutableBufferPointer { stream.process(input, rows: $0.baseAddress!, rowCapacity: 30) }
        }
        return out
    }

    @Test("the precision round-trips; fp32 writes no key (older files keep their bytes); an unknown name is refused")
    func file() throws {
        var model = multiClassModel()
        let fp32Bytes = try OpenWakeWordFile.serialize(model)
        #expect(!String(decoding: fp32Bytes, as: UTF8.self).contains("embedding.weights"))
        for weights in OpenWakeWordEmbeddingWeights.allCases {
            model.embeddingWeights = weights
            #expect(try OpenWakeWordFile.parse(try OpenWakeWordFile.serialize(model)).embeddingWeights == weights)
        }
        model.embeddingWeights = .int8
        let bytes = Self.replacingFirst("int8", with: "int9", in: try OpenWakeWordFile.serialize(model))
        #expect { _ = try OpenWakeWordFile.parse(bytes) } throws: { "\($0)".contains("earshot.oww.embedding.weights") && "\($0)".contains("int9") }
    }

    /// `bytes` with the first occurrence of `old` replaced by `new` (the same length).
    static func replacingFirst(_ old: String, with new: String, in bytes: [UInt8]) -> [UInt8] {
        let value = Array(old.utf8)
        let at = (0...(bytes.count - value.count)).first { Array(bytes[$0..<($0 + value.count)]) == value }!
        var bytes = bytes
        bytes.replaceSubrange(at..<(at + value.count), with: Array(new.utf8))
        return bytes
    }

    @Test("a stream runs what its models store, the most faithful when they differ; an explicit precision wins")
    func streamPrecision() throws {
        var int8 = multiClassModel()
        int8.embeddingWeights = .int8
        var fp16 = smallModel()
        fp16.embeddingWeights = .fp16
        #expect(OpenWakeWordEmbeddingWeights.shared(by: [int8]) == .int8)
        #expect(OpenWakeWordEmbeddingWeights.shared(by: [int8, fp16]) == .fp16)
        #expect(OpenWakeWordEmbeddingWeights.shared(by: [int8, smallModel()]) == .fp32)
        let stored = try rows([int8])
        #expect(stored == (try rows([multiClassModel()], .int8)))
        #expect(try rows([int8], .fp32) == (try rows([multiClassModel()])))
        #expect(stored != (try rows([multiClassModel()])), "int8 and fp32 embeddings give identical rows: the precision is not applied")
    }
}
