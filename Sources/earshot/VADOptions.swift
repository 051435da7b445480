import ArgumentParser

/// `--vad MODEL` and the gate's settings, shared by `listen` and `detect --stream` (the work: VADRequest).
struct VADOptions: ParsableArguments {
    @Option(help: "A voice-activity model (earshot convert silero_vad_16k_op15.onnx): one VAD for the stream; every wake-word network (Earshot streaming, microWakeWord, openWakeWord) runs only while it hears speech. Pays for openWakeWord models; costs more than it saves for small networks alone (docs/vad.md).")
    var vad: String?

    @Option(help: "With --vad: speech probability that opens the gate (default 0.5).")
    var vadThreshold: Float?

    @Option(help: "With --vad: seconds the gate stays open after the last speech (default 1.0).")
    var vadHangover: Double?

    @Option(help: "With --vad: seconds of audio before an opening that each model replays, so a keyword's start is not lost (default per kind: Earshot 1.0, microWakeWord and openWakeWord 2.5, of which 2.0 rebuild their context).")
    var vadPreroll: Double?

    /// What was given, for ListenRun / StreamDetect.
    var request: VADRequest {
        VADRequest(path: vad, threshold: vadThreshold, hangoverSeconds: vadHangover, preRollSeconds: vadPreroll)
    }
}
