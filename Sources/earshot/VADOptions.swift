import ArgumentParser
import Listener
import Model
import Pipeline
import Profiler

/// `--vad MODEL` and the gate's settings, shared by `listen` and `detect --stream`.
struct VADOptions: ParsableArguments {
    @Option(help: "A voice-activity model (earshot convert silero_vad_16k_op15.onnx): the wake-word network steps only while it hears speech.")
    var vad: String?

    @Option(help: "With --vad: speech probability that opens the gate (default 0.5).")
    var vadThreshold: Float?

    @Option(help: "With --vad: seconds the gate stays open after the last speech (default 1.0).")
    var vadHangover: Double?

    @Option(help: "With --vad: seconds of features kept while closed and run when it opens, so a keyword's start is not lost (default 1.0).")
    var vadPreroll: Double?

    /// The gate to attach: the command line's, else the board configuration's `vad` path, else none.
    func option(boardVAD: BoardVAD? = nil) throws -> SpeechGateOption? {
        guard let path = vad ?? boardVAD?.path else { return nil }
        var settings = boardVAD?.settings ?? SpeechGateSettings()
        if let vadThreshold { settings.threshold = vadThreshold }
        if let vadHangover { settings.hangoverSeconds = vadHangover }
        if let vadPreroll { settings.preRollSeconds = vadPreroll }
        return SpeechGateOption(model: try ModelFile(path: path), settings: settings)
    }

    /// A line for stderr: the gate's settings.
    static func settingsLine(_ gate: SpeechGate) -> String {
        let settings = gate.settings
        return "vad gate: the network steps while speech probability >= \(Format.fixed(Double(settings.threshold), decimals: 2)), "
            + "hang-over \(Format.fixed(settings.hangoverSeconds, decimals: 2)) s, pre-roll \(Format.fixed(settings.preRollSeconds, decimals: 2)) s"
    }

    /// A line for stderr: how much of the stream the wake-word network stepped.
    static func summary(_ gate: SpeechGate) -> String {
        let frames = gate.framesSeen
        let saved = frames == 0 ? 0 : 100 * (1 - Double(gate.framesStepped) / Double(frames))
        return "vad gate: network stepped \(gate.framesStepped) times for \(frames) frames (\(Format.fixed(saved, decimals: 1)) % of steps saved; "
            + "the pre-roll replays counted), opened \(gate.openings) times, VAD chunks \(gate.vad.chunks)"
    }
}
