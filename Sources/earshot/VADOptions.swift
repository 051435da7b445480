import ArgumentParser

/// `--vad MODEL` and the gate's settings, shared by `listen` and `detect --stream` (the work: VADRequest).
struct VADOptions: ParsableArguments {
    @Option(help: "A voice-activity model (earshot convert silero_vad_16k_op15.onnx): the wake-word network steps only while it hears speech.")
    var vad: String?

    @Option(help: "With --vad: speech probability that opens the gate (default 0.5).")
    var vadThreshold: Float?

    @Option(help: "With --vad: seconds the gate stays open after the last speech (default 1.0).")
    var vadHangover: Double?

    @Option(help: "With --vad: seconds of features kept while closed and run when it opens, so a keyword's start is not lost (default 1.0).")
    var vadPreroll: Double?

    /// What was given, for ListenRun / StreamDetect.
    var request: VADRequest {
        VADRequest(path: vad, threshold: vadThreshold, hangoverSeconds: vadHangover, preRollSeconds: vadPreroll)
    }
}
