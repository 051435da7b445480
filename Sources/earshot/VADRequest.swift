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
        let preRoll = settings.preRollSeconds.map { Format.fixed($0, decimals: 2) + " s" } ?? "per model kind (Earshot 1 s, microWakeWord and openWakeWord 2.5 s)"
        return "vad gate: one VAD for the stream; the networks run while speech probability >= \(Format.fixed(Double(settings.threshold), decimals: 2)), "
            + "hang-over \(Format.fixed(settings.hangoverSeconds, decimals: 2)) s, pre-roll \(preRoll)"
    }

    /// A line for stderr: how much of the stream each gated model's network ran.
    static func summary(_ stream: PipelineStream) -> String {
        guard let gate = stream.gate else { return "vad gate: none" }
        var line = "vad gate: opened \(gate.openings) times, \(gate.vad.chunks) VAD chunks"
        for model in 0..<stream.labelOffsets.count {
            guard let counts = stream.gateCounts(model: model) else { continue }
            let end = model + 1 < stream.labelOffsets.count ? stream.labelOffsets[model + 1] : stream.labels.count
            // The model's keywords, without the background classes (_silence_, _unknown_).
            let keywords = stream.labels[stream.labelOffsets[model]..<end].filter { !$0.hasPrefix("_") }.joined(separator: "/")
            line += "; model \(model + 1) (\(keywords)): ran \(counts.run) of \(counts.seen) network steps "
                + "(\(Format.fixed(counts.savedPercent, decimals: 1)) % saved, pre-roll replays counted)"
        }
        return line
    }
}
