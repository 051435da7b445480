/// How the embedding CNN's convolution weights run: as stored (fp32), or converted at load to fp16 or
/// to int8 per output channel (`FloatLayerRunner.Precision`). A model stores the precision it was
/// measured with (`earshot.oww.embedding.weights`; absent means fp32, so older files read as before).
public enum OpenWakeWordEmbeddingWeights: String, Sendable, CaseIterable {
    case fp32, fp16, int8

    /// Higher is closer to the stored fp32 weights.
    var fidelity: Int {
        switch self {
        case .fp32: return 2
        case .fp16: return 1
        case .int8: return 0
        }
    }

    /// The precision a stream shared by `models` runs its one embedding CNN at: the most faithful any
    /// of them asks for, so no model runs below what it was measured with.
    public static func shared(by models: [OpenWakeWordModel]) -> OpenWakeWordEmbeddingWeights {
        var best = OpenWakeWordEmbeddingWeights.int8
        for model in models where model.embeddingWeights.fidelity > best.fidelity { best = model.embeddingWeights }
        return models.isEmpty ? .fp32 : best
    }
}
