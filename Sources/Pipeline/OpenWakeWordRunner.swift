import Model
import Runtime

/// Every openWakeWord model of a `PipelineStream` on ONE `OpenWakeWordStream`: the mel and
/// embedding networks run once per 80 ms chunk however many models there are, then each model's
/// head score goes through the rule openWakeWord users know (wyoming-openwakeword's defaults):
/// a detection when the chunk's score is at least the threshold (`Pipeline.Part.threshold(for:)`,
/// 0.5 unless set), then none for that model during `refractorySeconds` of audio, so one utterance
/// gives one event. Event time: the end of the chunk's audio.
///
/// All buffers are allocated at `init`; `process` and `reset` allocate nothing.
final class OpenWakeWordRunner {
    /// wyoming-openwakeword's `--refractory-seconds` default.
    static let refractorySeconds = 2.0
    /// Why openWakeWord models take no voice-activity gate.
    static let gateRefused = PipelineError.other(
        "the VAD gate runs in front of Earshot's own streaming models, not openWakeWord models")

    let stream: OpenWakeWordStream
    /// Per openWakeWord model (in `stream.models` order): its pipeline index and first keyword index.
    let modelIndices: ContiguousArray<Int>
    let keywordOffsets: ContiguousArray<Int>
    let thresholds: ContiguousArray<Float>
    /// Per model, the chunk of its last detection (or a value far in the past).
    private let lastDetection: UnsafeMutablePointer<Int>
    private let refractoryChunks: Int
    /// Chunks completed since the start (or `reset`).
    private(set) var chunks = 0
    private let chunkSeconds: Double
    /// Samples in int16 scale (openWakeWord's input), a piece at a time.
    private let scaled: UnsafeMutablePointer<Float>
    private let scaledCapacity = 1280
    private let rows: UnsafeMutablePointer<Float>
    private let rowCapacity: Int

    /// - Throws: `PipelineError` when the models do not share their mel and embedding networks
    ///   or a part has a voice-activity gate.
    init(parts: [(part: Pipeline.Part, model: OpenWakeWordModel, modelIndex: Int, keywordOffset: Int)]) throws(PipelineError) {
        for entry in parts where entry.part.gate != nil { throw Self.gateRefused }
        do {
            stream = try OpenWakeWordStream(models: parts.map { $0.model })
        } catch {
            throw .other("\(error)")
        }
        modelIndices = ContiguousArray(parts.map { $0.modelIndex })
        keywordOffsets = ContiguousArray(parts.map { $0.keywordOffset })
        thresholds = ContiguousArray(parts.map { Float($0.part.threshold(for: $0.model.name)) })
        chunkSeconds = Double(stream.chunkSamples) / Double(Pipeline.openWakeWordRate)
        refractoryChunks = Int((Self.refractorySeconds / chunkSeconds).rounded(.up))
        lastDetection = .allocate(capacity: parts.count)
        lastDetection.initialize(repeating: Int.min / 2, count: parts.count)
        scaled = .allocate(capacity: scaledCapacity)
        scaled.initialize(repeating: 0, count: scaledCapacity)
        rowCapacity = scaledCapacity / stream.chunkSamples + 1
        rows = .allocate(capacity: rowCapacity * parts.count)
        rows.initialize(repeating: 0, count: rowCapacity * parts.count)
    }

    deinit {
        lastDetection.deallocate()
        scaled.deallocate()
        rows.deallocate()
    }

    /// Seconds between a model's scores (one per chunk).
    var posteriorHopSeconds: Double { chunkSeconds }

    /// Forgets all audio. Allocates: never.
    func reset() {
        stream.reset()
        lastDetection.update(repeating: Int.min / 2, count: modelIndices.count)
        chunks = 0
    }

    /// Samples at 16 kHz in [-1, 1]; returns the detections made. Allocates: never.
    func process(_ samples: UnsafeBufferPointer<Float>, into events: EventList, shift: Double) -> Int {
        guard let base = samples.baseAddress else { return 0 }
        let count = modelIndices.count
        var detections = 0
        var offset = 0
        while offset < samples.count {
            let piece = Swift.min(scaledCapacity, samples.count &- offset)
            var i = 0
            while i < piece {
                scaled[i] = base[offset &+ i] * 32768
                i &+= 1
            }
            offset &+= piece
            let written = stream.process(UnsafeBufferPointer(start: scaled, count: piece), rows: rows, rowCapacity: rowCapacity)
            var row = 0
            while row < written {
                let chunk = chunks
                chunks &+= 1
                var m = 0
                while m < count {
                    let score = rows[row &* count &+ m]
                    if score >= thresholds[m], chunk &- lastDetection[m] >= refractoryChunks {
                        lastDetection[m] = chunk
                        events.append(PipelineEvent(
                            modelIndex: modelIndices[m], labelIndex: 0, keywordIndex: keywordOffsets[m],
                            time: Double(chunk &+ 1) * chunkSeconds + shift, score: score))
                        detections &+= 1
                    }
                    m &+= 1
                }
                row &+= 1
            }
        }
        return detections
    }
}
