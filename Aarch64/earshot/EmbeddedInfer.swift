/// `earshot infer --model MODEL (--features X.npy | --wav CLIP.wav) --out Y.npy` (host: InferCommand).
enum EmbeddedInfer {
    static func run(_ arguments: [String]) throws(CommandFailure) {
        let list = try ArgumentList(arguments, options: ["model", "features", "wav", "out"], flags: [])
        guard list.positionals.isEmpty else { throw .usage("unexpected argument '\(list.positionals[0])'") }
        let model = try list.required("model")
        let out = try list.required("out")
        do throws(CLIError) {
            // Imported TFLite models (quantized graphs) have their own runner.
            if QuantizedGraphModels.isQuantizedGraph(path: model) {
                return try QuantizedGraphModels.infer(model: model, features: list.option("features"), wav: list.option("wav"), out: out)
            }
            guard let features = list.option("features") else { throw CLIError("--features is required for this model") }
            try FeatureInference.run(model: model, features: features, out: out)
        } catch {
            throw .failed(error)
        }
    }
}
