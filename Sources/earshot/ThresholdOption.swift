import ArgumentParser

/// `--threshold` for the stream commands (listen, detect --stream, serve).
struct ThresholdOption: ParsableArguments {
    @Option(help: ArgumentHelp(
        "The detection threshold (0 to 1) for every keyword without its own.",
        discussion: "Order: a keyword's own threshold (board configuration detector.thresholds or keywords.NAME.threshold), then this option, then the board configuration's detector.threshold, then the model's stored threshold for that keyword (metadata detector.thresholds.NAME, e.g. the default model's), then the model's stored threshold for every keyword (a trained model's detector.threshold metadata, a microWakeWord manifest's probability_cutoff, 0.5 for openWakeWord models), then 0.8. What you set always wins over what the model stores.",
        valueName: "value"))
    var threshold: Float?

    func validate() throws {
        if let threshold, !(threshold >= 0 && threshold <= 1) {
            throw ValidationError("--threshold must be 0 to 1 (got \(threshold))")
        }
    }
}
