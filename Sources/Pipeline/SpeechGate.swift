import Model
import Runtime

/// When a voice-activity gate lets the wake-word networks run (`listen --vad`, `detect --stream --vad`, `serve --vad`).
public struct SpeechGateSettings: Equatable, Sendable {
    /// The gate opens on a chunk whose speech probability is at least this.
    public var threshold: Float = 0.5
    /// The gate stays open this long after the last chunk at or above the threshold.
    public var hangoverSeconds: Double = 1.0
    /// Audio before an opening that each model replays when the gate opens, so a keyword's start,
    /// heard before the VAD was sure, still reaches its network. nil: each kind's own default
    /// (`GatePreRoll`: Earshot 1 s, microWakeWord 2.5 s, openWakeWord 2.5 s).
    public var preRollSeconds: Double?

    public init(threshold: Float = 0.5, hangoverSeconds: Double = 1.0, preRollSeconds: Double? = nil) {
        self.threshold = threshold
        self.hangoverSeconds = hangoverSeconds
        self.preRollSeconds = preRollSeconds
    }
}

/// The voice-activity gate of one stream, shared by all its models: the VAD
/// (`VoiceActivityStream`) runs once per 32 ms chunk for the whole stream, however many models it
/// gates; the gate is open from a chunk with speech probability >= threshold until
/// `hangoverSeconds` of chunks below it.
///
/// Each gated model keeps its own pre-roll (`GatePreRoll`) of what it skipped while the gate was
/// closed and replays it when it sees `openings` grow (see `NetworkRunner`,
/// `MicroWakeWordRunner`, `OpenWakeWordRunner`).
///
/// All buffers are allocated at `init`; nothing after allocates. Not thread-safe: one per stream.
public final class SpeechGate {
    /// The VAD (its probability and chunk count are readable).
    public let vad: VoiceActivityStream
    public let settings: SpeechGateSettings
    /// Whether the wake-word networks run now.
    public private(set) var isOpen = false
    /// Times the gate opened since the start (or `reset`); a model that saw fewer replays its pre-roll.
    public private(set) var openings = 0
    private let hangoverChunks: Int
    private var chunksBelow = 0

    /// - Parameters:
    ///   - vad: a voice-activity model (`earshot convert silero_vad_16k_op15.onnx`).
    ///   - settings: threshold, hang-over and pre-roll.
    ///   - sampleRate: the models' rate (the VAD must run at it).
    /// - Throws: `PipelineError` when the VAD cannot be run, its rate differs or the settings are out of range.
    /// Allocates: everything (set-up only).
    public init(vad model: ModelFile, settings: SpeechGateSettings, sampleRate: Int) throws(PipelineError) {
        vad = try VoiceActivityStream(model: model)
        guard vad.frontend.sampleRate == sampleRate else {
            throw .other("the VAD model runs at \(vad.frontend.sampleRate) Hz but the wake-word models at \(sampleRate) Hz")
        }
        let preRoll = settings.preRollSeconds ?? 0
        guard settings.threshold.isFinite, settings.hangoverSeconds >= 0, preRoll >= 0,
              settings.hangoverSeconds.isFinite, preRoll.isFinite, preRoll <= 60 else {
            throw .other("VAD gate: threshold \(settings.threshold), hang-over \(settings.hangoverSeconds) s and pre-roll "
                + "\(preRoll) s must be finite, the seconds 0 or more (pre-roll at most 60)")
        }
        self.settings = settings
        hangoverChunks = Int((settings.hangoverSeconds * Double(sampleRate) / Double(vad.chunkSamples)).rounded(.up))
    }

    /// Samples per VAD chunk: the stream feeds the gate and its models in pieces that end on a
    /// multiple of this, so the decision a model sees does not depend on the caller's block size.
    public var chunkSamples: Int { vad.chunkSamples }

    /// Feeds the VAD samples at the model rate and updates `isOpen` on every chunk completed.
    /// Allocates: never.
    public func listen(_ samples: UnsafeBufferPointer<Float>) {
        var offset = 0
        while offset < samples.count {
            // One chunk's worth at a time, so every chunk's probability is seen.
            let end = min(samples.count, offset &+ vad.chunkSamples)
            if vad.process(samples: UnsafeBufferPointer(rebasing: samples[offset..<end])) > 0 { update(vad.probability) }
            offset = end
        }
    }

    private func update(_ probability: Float) {
        if probability >= settings.threshold {
            chunksBelow = 0
            if !isOpen {
                isOpen = true
                openings &+= 1
            }
        } else if isOpen {
            chunksBelow &+= 1
            if chunksBelow > hangoverChunks { isOpen = false }
        }
    }

    /// Back to the start: VAD state, closed gate, counters 0. Allocates: never.
    public func reset() {
        vad.reset()
        isOpen = false
        chunksBelow = 0
        openings = 0
    }
}
