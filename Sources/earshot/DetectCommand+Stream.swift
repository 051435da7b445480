// `earshot detect --stream`: the work is StreamDetect (shared with the static aarch64 build).
extension DetectCommand {
    func runStream() throws {
        try StreamDetect.run(files: files, modelPaths: model, modelPath: DefaultModel.resolve(model.first), config: config, json: json,
                              threshold: thresholdOption.threshold, vad: vadOptions.request)
    }
}
