import Model
import Pipeline

/// A voice-activity model and the gate's settings (`--vad MODEL`, board-config key `vad`).
public struct SpeechGateOption: @unchecked Sendable {
    public var model: ModelFile
    public var settings: SpeechGateSettings

    public init(model: ModelFile, settings: SpeechGateSettings) {
        self.model = model
        self.settings = settings
    }
}

extension KeywordSpotter {
    /// Puts one voice-activity gate in front of every wake-word network of the stream (see
    /// `SpeechGate`: Earshot's streaming models, microWakeWord and openWakeWord models).
    /// - Throws: `ListenerError.pipeline` for a windowed model or a VAD that cannot run beside the models.
    public func attachGate(_ option: SpeechGateOption) throws(ListenerError) {
        do throws(PipelineError) {
            try stream.attachGate(vad: option.model, settings: option.settings)
        } catch {
            throw .pipeline(error)
        }
    }

    /// The gate, when one is attached.
    public var gate: SpeechGate? { stream.gate }
}
