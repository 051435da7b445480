// The voice-activity gate a command was asked for, apart from ArgumentParser so the static aarch64
// build (Aarch64/earshot) can share listen's and detect --stream's work. Typed throws.
import Listener
import Model
import Pipeline
import Profiler

/// `--vad MODEL` and the gate's settings as given (nil: not given).
struct VADRequest {
    var path: String?
    var threshold: Float?
    var hangoverSeconds: Double?
    var preRollSeconds: Double?

    /// The gate to attach: the command line's, else the board configuration's `vad` path, else none.
    func option(boardVAD: BoardVAD? = nil) throws(CLIError) -> SpeechGateOption? {
        guard let path = path ?? boardVAD?.path else { return nil }
        var settings = boardVAD?.settings ?? SpeechGateSettings()
        if let threshold { settings.threshold = threshold }
        if let hangoverSeconds { settings.hangoverSeconds = hangoverSeconds }
        if let preRollSeconds { settings.preRollSeconds = preRollSeconds }
        let model: ModelFile
        do { model = try ModelFile(path: path) } catch { throw CLIError("--vad '\(path)': \(error.description)") }
        return SpeechGateOption(model: model, settings: settings)
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
