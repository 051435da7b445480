import JSON
import Model

extension OpenWakeWordCommands {
    /// `inspect --json` for an openWakeWord model: the text report's facts as one object.
    static func inspectJSON(_ model: OpenWakeWordModel) throws -> JSON {
        var stacks = [("embedding", model.embedding), ("head", model.head)]
        if let verifier = model.verifier { stacks.append(("verifier", verifier.stack)) }
        var parts = [JSON]()
        for (name, stack) in stacks {
            let shapes = try stack.shapes()
            let layers = stack.layers.enumerated().map { index, layer in
                JSON.members([("index", .int(index)), ("kind", .string(layer.kindName)), ("output", .string(shapes[index].description))])
            }
            parts.append(.members([("part", .string(name)), ("input", .string(stack.input.description)), ("layers", .array(layers))]))
        }
        let labels = model.labels.isEmpty ? [model.name] : model.labels
        let thresholds = model.labels.compactMap { name in model.keywordThresholds[name].map { (name, JSON.double($0)) } }
        return .members([
            ("kind", .string("openwakeword")), ("architecture", .string(OpenWakeWordFile.architecture)),
            ("name", .string(model.name)), ("labels", .array(labels.map { .string($0) })),
            ("threshold", model.threshold.map { .double($0) } ?? .null), ("thresholds", .members(thresholds)),
            ("chunk_samples", .int(model.chunkSamples)), ("embedding_frames", .int(model.embeddingFrames)),
            ("head_embeddings", .int(model.headEmbeddings)), ("embedding_weights", .string(model.embeddingWeights.rawValue)), ("head_weights", .string(model.headWeights.rawValue)),
            ("recurrent", model.recurrent.map { .members([("input", .int($0.inputSize)), ("hidden", .int($0.hiddenSize))]) } ?? .null),
            ("networks", .array(parts)),
        ])
    }
}
