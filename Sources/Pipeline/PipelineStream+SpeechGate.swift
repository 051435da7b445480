import Model

/// How much of the audio a gated model's network ran: `run` of `seen` units (network steps, or
/// openWakeWord's backbone chunks), pre-roll replays included.
public struct GateCounts: Equatable, Sendable {
    public var seen: Int
    public var run: Int

    /// The share of units not run, in percent (0 before any unit).
    public var savedPercent: Double { seen == 0 ? 0 : 100 * (1 - Double(run) / Double(seen)) }
}

extension PipelineStream {
    /// Puts ONE voice-activity gate in front of every model of the stream (see `SpeechGate`):
    /// the VAD runs once per 32 ms chunk, and each model's network (Earshot's streaming models,
    /// microWakeWord graphs, the openWakeWord backbone shared by its heads) runs only while it
    /// hears speech, with hang-over and each model's pre-roll (`GatePreRoll`).
    /// - Throws: `PipelineError` for a windowed model (its windows run on a schedule of their
    ///   own) or a VAD that cannot run at the models' rate. Nothing is attached then.
    /// Allocates: the gate and pre-rolls (set-up only).
    public func attachGate(vad: ModelFile, settings: SpeechGateSettings) throws(PipelineError) {
        try attachGate(vad: vad, settings: settings, models: Array(runners.indices))
    }

    /// The gate in front of models `indices` only (`Pipeline.Part.gate`). openWakeWord models
    /// share one backbone: when one is gated, all are.
    func attachGate(vad: ModelFile, settings: SpeechGateSettings, models indices: [Int]) throws(PipelineError) {
        for index in indices {
            if case let .earshot(runner) = runners[index], runner.execution != .streaming {
                throw .other("the VAD gate runs in front of streaming models; model \(index + 1) runs on windows (\(runner.execution))")
            }
        }
        let gate = try SpeechGate(vad: vad, settings: settings, sampleRate: pipeline.sampleRate)
        for index in indices {
            switch runners[index] {
            case let .earshot(runner):
                try runner.attach(gate, frontend: pipeline.frontends[pipeline.frontendIndex[index]])
            case let .microWakeWord(runner):
                runner.attach(gate)
            case .openWakeWord:
                openWakeWord?.attach(gate)
            }
        }
        self.gate = gate
        gatePhase = 0
    }

    /// Model `index`'s network runs behind the gate (nil when it is not gated).
    public func gateCounts(model index: Int) -> GateCounts? {
        let preRoll: GatePreRoll?
        switch runners[index] {
        case let .earshot(runner): preRoll = runner.preRoll
        case let .microWakeWord(runner): preRoll = runner.preRoll
        case .openWakeWord: preRoll = openWakeWord?.preRoll
        }
        guard let preRoll else { return nil }
        return GateCounts(seen: preRoll.unitsSeen, run: preRoll.unitsRun)
    }
}
