import Model

extension PipelineStream {
    /// Puts a voice-activity gate in front of the network (see `SpeechGate`): from now on the
    /// network steps only while `vad` hears speech (with hang-over and pre-roll).
    /// - Throws: `PipelineError` for a windowed model (its windows run on a schedule of their
    ///   own; the gate serves streaming models) or a VAD that cannot run beside this model.
    /// Allocates: the gate (set-up only).
    public func attachGate(vad: ModelFile, settings: SpeechGateSettings) throws(PipelineError) {
        guard execution == .streaming else {
            throw .other("the VAD gate runs in front of streaming models; this one runs on windows (\(execution))")
        }
        gate = try SpeechGate(vad: vad, settings: settings, frontend: frontend, outputCount: labels.count)
    }

    /// For a frame just computed into the stream's frame buffer: nil when the network should step
    /// it, else zero scores for the detector (see `SpeechGate.route`). Allocates: never.
    func gatedScores(_ gate: SpeechGate) -> UnsafeBufferPointer<Float>? {
        gate.route(frameBuffer, network: network)
    }
}
