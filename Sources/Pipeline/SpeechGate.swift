import Model
import Runtime

/// When a voice-activity gate lets the wake-word network step (`listen --vad`, `detect --stream --vad`).
public struct SpeechGateSettings: Equatable, Sendable {
    /// The gate opens on a chunk whose speech probability is at least this.
    public var threshold: Float = 0.5
    /// The gate stays open this long after the last chunk at or above the threshold.
    public var hangoverSeconds: Double = 1.0
    /// Feature frames kept while the gate is closed and stepped (from zero state) when it opens, so
    /// a keyword's start, heard before the VAD is sure, still reaches the network.
    public var preRollSeconds: Double = 1.0

    public init(threshold: Float = 0.5, hangoverSeconds: Double = 1.0, preRollSeconds: Double = 1.0) {
        self.threshold = threshold
        self.hangoverSeconds = hangoverSeconds
        self.preRollSeconds = preRollSeconds
    }
}

/// A voice-activity gate in front of a streaming wake-word network.
///
/// The VAD (`VoiceActivityStream`) hears every sample; the wake-word network steps only while the
/// gate is open: from a chunk with speech probability >= threshold until `hangoverSeconds` of
/// chunks below it. While closed, every feature frame goes into a pre-roll ring of the last
/// `preRollSeconds`; when the gate opens the stream resets the network (its state is stale) and
/// steps the ring's frames, oldest first, before the frame at hand (`PipelineStream`).
///
/// All buffers are allocated at `init`; nothing after allocates. Not thread-safe: one per stream.
public final class SpeechGate {
    /// The VAD (its probability and chunk count are readable).
    public let vad: VoiceActivityStream
    public let settings: SpeechGateSettings
    /// Whether the wake-word network steps now.
    public private(set) var isOpen = false
    /// Feature frames seen, and network steps run on them (pre-roll replays included).
    public private(set) var framesSeen = 0
    public internal(set) var framesStepped = 0
    /// Times the gate opened.
    public private(set) var openings = 0

    let frameSize: Int
    let preRollCapacity: Int
    private let hangoverChunks: Int
    private let ring: UnsafeMutablePointer<Float>
    private var ringWrite = 0
    private(set) var ringHeld = 0
    private var chunksBelow = 0
    private var justOpened = false
    private let silenceBuffer: UnsafeMutablePointer<Float>
    /// Zero scores, one per wake-word output: what the detector sees while the gate is closed.
    let silence: UnsafeBufferPointer<Float>

    /// - Parameters:
    ///   - vad: a voice-activity model (`earshot convert silero_vad_16k_op15.onnx`).
    ///   - settings: threshold, hang-over and pre-roll.
    ///   - frontend: the wake-word model's front end (its rate must be the VAD's, its frames are
    ///     the pre-roll's).
    /// - Throws: `PipelineError` when the VAD cannot be run or its rate differs.
    /// Allocates: everything (set-up only).
    ///   - outputCount: the wake-word network's outputs (the zero scores the detector sees while closed).
    public init(vad model: ModelFile, settings: SpeechGateSettings, frontend: FrontendConfig, outputCount: Int) throws(PipelineError) {
        vad = try VoiceActivityStream(model: model)
        guard vad.frontend.sampleRate == frontend.sampleRate else {
            throw .other("the VAD model runs at \(vad.frontend.sampleRate) Hz but the wake-word model at \(frontend.sampleRate) Hz")
        }
        guard settings.threshold.isFinite, settings.hangoverSeconds >= 0, settings.preRollSeconds >= 0,
              settings.hangoverSeconds.isFinite, settings.preRollSeconds.isFinite, settings.preRollSeconds <= 60 else {
            throw .other("VAD gate: threshold \(settings.threshold), hang-over \(settings.hangoverSeconds) s and pre-roll "
                + "\(settings.preRollSeconds) s must be finite, the seconds 0 or more (pre-roll at most 60)")
        }
        self.settings = settings
        let rate = Double(frontend.sampleRate)
        frameSize = frontend.featureCount
        preRollCapacity = max(1, Int((settings.preRollSeconds * rate / Double(frontend.hopLength)).rounded(.up)))
        hangoverChunks = Int((settings.hangoverSeconds * rate / Double(vad.chunkSamples)).rounded(.up))
        ring = .allocate(capacity: preRollCapacity * frameSize)
        ring.initialize(repeating: 0, count: preRollCapacity * frameSize)
        silenceBuffer = .allocate(capacity: max(outputCount, 1))
        silenceBuffer.initialize(repeating: 0, count: max(outputCount, 1))
        silence = UnsafeBufferPointer(start: silenceBuffer, count: outputCount)
    }

    deinit {
        ring.deallocate()
        silenceBuffer.deallocate()
    }

    /// Feeds the VAD samples at the model rate (the same the wake-word front end gets) and updates
    /// `isOpen` on every chunk completed. Allocates: never.
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
                justOpened = true
                openings &+= 1
            }
        } else if isOpen {
            chunksBelow &+= 1
            if chunksBelow > hangoverChunks { isOpen = false }
        }
    }

    /// A new feature frame: kept in the pre-roll while closed (returns false: do not step it);
    /// true while open. Allocates: never.
    func admit(_ frame: UnsafePointer<Float>) -> Bool {
        framesSeen &+= 1
        if isOpen { return true }
        (ring + ringWrite &* frameSize).update(from: frame, count: frameSize)
        ringWrite = ringWrite &+ 1 == preRollCapacity ? 0 : ringWrite &+ 1
        if ringHeld < preRollCapacity { ringHeld &+= 1 }
        return false
    }

    /// Routes a new feature frame of a streaming `network`: nil when the network should step it
    /// now (the gate is open; on opening, the network was reset and stepped through the pre-roll,
    /// oldest first), else zero scores for the detector (the frame went into the pre-roll).
    /// Allocates: never.
    public func route(_ frame: UnsafePointer<Float>, network: Network) -> UnsafeBufferPointer<Float>? {
        guard admit(frame) else { return silence }
        if takeOpening() {
            network.reset()
            var index = 0
            while index < ringHeld {
                _ = network.step(preRollFrame(index))
                index &+= 1
            }
            framesStepped &+= ringHeld
            clearPreRoll()
        }
        framesStepped &+= 1
        return nil
    }

    /// Whether the gate opened since the last call (then the caller replays the pre-roll).
    func takeOpening() -> Bool {
        defer { justOpened = false }
        return justOpened
    }

    /// Pre-roll frame `index` (0 = oldest held). Then `clearPreRoll` once replayed.
    func preRollFrame(_ index: Int) -> UnsafePointer<Float> {
        let oldest = ringHeld < preRollCapacity ? 0 : ringWrite
        var slot = oldest &+ index
        if slot >= preRollCapacity { slot &-= preRollCapacity }
        return UnsafePointer(ring + slot &* frameSize)
    }

    func clearPreRoll() {
        ringHeld = 0
        ringWrite = 0
    }

    /// Back to the start: VAD state, closed gate, empty pre-roll, counters 0. Allocates: never.
    public func reset() {
        vad.reset()
        isOpen = false
        justOpened = false
        chunksBelow = 0
        clearPreRoll()
        framesStepped = 0
        framesSeen = 0
        openings = 0
    }
}
