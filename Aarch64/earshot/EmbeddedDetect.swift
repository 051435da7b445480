import JSON

/// `earshot detect FILES... [--model MODEL]... [--json] [--stream [--config BOARD.json] [--threshold T]]`
/// (host: DetectCommand).
enum EmbeddedDetect {
    static func run(_ arguments: [String]) throws(CommandFailure) {
        let list = try ArgumentList(arguments, options: ["model", "config", "threshold"], flags: ["json", "stream"])
        guard !list.positionals.isEmpty else { throw .usage("give at least one WAV file") }
        let models = list.values("model")
        if models.count > 1 && !list.flag("stream") { throw .usage("several --model options need --stream") }
        let threshold = try list.threshold()
        if threshold != nil && !list.flag("stream") { throw .usage("--threshold needs --stream") }
        do throws(CLIError) {
            if list.flag("stream") {
                return try StreamDetect.run(
                    files: list.positionals, modelPaths: models, modelPath: DefaultModelPath.resolve(models.first),
                    config: list.option("config"), json: list.flag("json"), threshold: threshold)
            }
            let classifier = try ClipClassifier(modelPath: DefaultModelPath.resolve(list.option("model")))
            for path in list.positionals {
                let (scores, _) = try classifier.classify(path: path)
                let top = ClipClassifier.top(scores)
                let label = classifier.labels[top.index]
                if list.flag("json") {
                    let object: JSON = .members([
                        ("path", .string(path)), ("label", .string(label)), ("score", .double(Double(top.score))),
                        ("scores", .members(zip(classifier.labels, scores).map { ($0.0, .double(Double($0.1))) })),
                    ])
                    print(object.serialized())
                } else {
                    print("\(path)\t\(label)\t\(formatScore(top.score))")
                }
            }
        } catch {
            throw .failed(error)
        }
    }
}
