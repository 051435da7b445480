import Frontend
import Model

extension NetworkRunner {
    /// Puts this model behind the stream's voice-activity gate (see `SpeechGate`, `GatePreRoll`).
    /// - Throws: `PipelineError` for a windowed model (its windows run on a schedule of their own).
    /// Allocates: the pre-roll (set-up only).
    func attach(_ gate: SpeechGate, frontend: FrontendConfig) throws(PipelineError) {
        guard execution == .streaming else {
            throw .other("the VAD gate runs in front of streaming models; this one runs on windows (\(execution))")
        }
        let seconds = gate.settings.preRollSeconds ?? GatePreRoll.earshotSeconds
        let framesPerSecond = Double(frontend.sampleRate) / Double(frontend.hopLength)
        preRoll = GatePreRoll(gate: gate, rows: GatePreRoll.rows(seconds: seconds, rowsPerSecond: framesPerSecond),
                              width: network.inputSize, warmUp: 0)
    }

    /// Routes a feature frame through the gate: false when it is closed (the frame goes into the
    /// pre-roll); true when the network steps it. On an opening the network restarts from zero
    /// state (its state is stale after silence) and steps the whole pre-roll first, its outputs
    /// unused: the detector already saw silence for those frames. Allocates: never.
    @inline(__always)
    func admit(_ features: UnsafeMutablePointer<Float>, _ preRoll: GatePreRoll) -> Bool {
        preRoll.unitsSeen &+= 1
        guard preRoll.gate.isOpen else {
            preRoll.keep(UnsafeBufferPointer(start: features, count: preRoll.width))
            return false
        }
        if preRoll.takeOpening() {
            network.reset()
            var offset = 0
            while offset < preRoll.held {
                let rows = preRoll.segment(from: offset)
                var row = 0
                while row < rows.count {
                    _ = network.step(rows.baseAddress! + row)
                    row &+= preRoll.width
                }
                offset &+= rows.count / preRoll.width
            }
            preRoll.unitsRun &+= preRoll.held
            preRoll.replayed()
        }
        preRoll.fed(1)
        preRoll.unitsRun &+= 1
        return true
    }
}
