/// `earshot infer --model MODEL --features X.npy --out Y.npy` (host: InferCommand).
enum EmbeddedInfer {
    static func run(_ arguments: [String]) throws(CommandFailure) {
        let list = try ArgumentList(arguments, options: ["model", "features", "out"], flags: [])
        guard list.positionals.isEmpty else { throw .usage("unexpected argument '\(list.positionals[0])'") }
        let model = try list.required("model")
        let features = try list.required("features")
        let out = try list.required("out")
        do throws(CLIError) {
            try FeatureInference.run(model: model, features: features, out: out)
        } catch {
            throw .failed(error)
        }
    }
}
