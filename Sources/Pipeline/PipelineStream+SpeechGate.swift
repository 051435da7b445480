import Model

extension PipelineStream {
    /// Puts a voice-activity gate in front of every model's network (see `SpeechGate`; each
    /// model gets its own): from now on a network steps only while its VAD hears speech (with
    /// hang-over and pre-roll).
    /// - Throws: `PipelineError` for a windowed model (its windows run on a schedule of their
    ///   own; the gate serves streaming models), an imported microWakeWord graph, or a VAD that
    ///   cannot run beside a model. Nothing is attached then.
    /// Allocates: the gates (set-up only).
    public func attachGate(vad: ModelFile, settings: SpeechGateSettings) throws(PipelineError) {
        var index = 0
        while index < runners.count {
            switch runners[index] {
            case let .earshot(runner):
                guard runner.execution == .streaming else {
                    throw .other("the VAD gate runs in front of streaming models; this one runs on windows (\(runner.execution))")
                }
            case .microWakeWord:
                throw MicroWakeWordRunner.gateRefused
            case .openWakeWord:
                throw OpenWakeWordRunner.gateRefused
            }
            index &+= 1
        }
        for (index, runner) in runners.enumerated() {
            guard case let .earshot(runner) = runner else { continue }
            try runner.attachGate(vad: vad, settings: settings, frontend: pipeline.frontends[pipeline.frontendIndex[index]])
        }
    }
}
