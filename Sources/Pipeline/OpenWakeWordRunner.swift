import Model
import Runtime
import Spotter

/// Every openWakeWord model of a `PipelineStream` on ONE `OpenWakeWordStream`: the mel and
/// embedding networks run once per 80 ms chunk however many models there are, then each model's
/// head score goes through the rule openWakeWord users know (wyoming-openwakeword's defaults):
/// a detection when the chunk's score is at least the threshold (`Pipeline.Part.threshold(for:)`,
/// 0.5 unless set), then none for that model during `refractorySeconds` of audio, so one utterance
/// gives one event. Event time: the end of the chunk's audio.
///
/// A multi-class head (`OpenWakeWordModel.labels`, softmax scores) hears a keyword label when its
/// score reaches its threshold (`threshold(for: label)`; the labels the detector settings ignore,
/// `_silence_` and `_unknown_` by default, give none, as for Earshot models). Its event is the peak
/// of the episode that starts there: the episode lasts while some keyword label stays at or above
/// its threshold, and ends after `quietChunks` chunks (0.32 s) with none, or once it is as long as
/// the refractory period; the event names the label with the highest score over the episode and is
/// stamped at that chunk. Why: a word's first chunks look like other words ("d-" of "down" like
/// "stop"), so the first chunk over a threshold often names the wrong one; the peak comes where the
/// word ends, as the head was trained. Then no new episode for the part's `detector.refractorySeconds`
/// from the peak (1 s by default: successive commands still come through). `flush` completes an
/// open episode at the end of a stream.
///
/// All buffers are allocated at `init`; `process` and `reset` allocate nothing.
final class OpenWakeWordRunner {
    /// wyoming-openwakeword's `--refractory-seconds` default.
    static let refractorySeconds = 2.0
    let stream: OpenWakeWordStream
    /// Per openWakeWord model (in `stream.models` order): its pipeline index and first keyword index.
    let modelIndices: ContiguousArray<Int>
    let keywordOffsets: ContiguousArray<Int>
    /// Per row column (every model's scores, `stream.offsets`): its threshold, +infinity for a
    /// label that gives no events.
    let thresholds: ContiguousArray<Float>
    /// Per model: its first column and column count in a row, its refractory period in chunks.
    let columnOffsets: ContiguousArray<Int>
    let columnCounts: ContiguousArray<Int>
    let refractoryChunks: ContiguousArray<Int>
    /// Per model, the chunk of its last detection (or a value far in the past).
    private let lastDetection: UnsafeMutablePointer<Int>
    /// Chunks without a keyword over its threshold that end a multi-class head's episode.
    static let quietChunks = 4
    /// Per model, a multi-class head's open episode: its best label (-1: none open), score, chunk and
    /// time shift, its first chunk and the chunks since a keyword was last over its threshold.
    private let episodeLabel: UnsafeMutablePointer<Int>
    private let episodeScore: UnsafeMutablePointer<Float>
    private let episodeChunk: UnsafeMutablePointer<Int>
    private let episodeShift: UnsafeMutablePointer<Double>
    private let episodeStart: UnsafeMutablePointer<Int>
    private let episodeQuiet: UnsafeMutablePointer<Int>
    /// The stream's chunk count since the start (or `reset`), skipped chunks included: event times.
    private var chunks = 0
    /// Chunks the backbone ran since the start (or `reset`), pre-roll replays included.
    private(set) var chunksRun = 0
    /// This runner's side of the stream's voice-activity gate (all heads behind it), or nil.
    var preRoll: GatePreRoll?
    private let chunkSeconds: Double
    /// Samples in int16 scale (openWakeWord's input), a piece at a time.
    private let scaled: UnsafeMutablePointer<Float>
    private let scaledCapacity = 1280
    private let rows: UnsafeMutablePointer<Float>
    private let rowCapacity: Int
    /// Clip scoring's input (`scoreClip`), allocated on its first call: streams never need it.
    var clipInput: UnsafeMutablePointer<Float>?

    /// - Throws: `PipelineError` when the models do not share their mel and embedding networks.
    init(parts: [(part: Pipeline.Part, model: OpenWakeWordModel, modelIndex: Int, keywordOffset: Int)]) throws(PipelineError) {
        do {
            stream = try OpenWakeWordStream(models: parts.map { $0.model })
        } catch {
            throw .other("\(error)")
        }
        modelIndices = ContiguousArray(parts.map { $0.modelIndex })
        keywordOffsets = ContiguousArray(parts.map { $0.keywordOffset })
        var thresholds = ContiguousArray<Float>()
        for (part, model, _, _) in parts {
            for label in model.scoreNames {
                let keyword = model.labels.isEmpty || !part.detector.ignoredLabels.contains(label)
                thresholds.append(keyword ? Float(part.threshold(for: label)) : .infinity)
            }
        }
        self.thresholds = thresholds
        columnOffsets = ContiguousArray(stream.offsets)
        columnCounts = ContiguousArray(parts.map { $0.model.outputCount })
        let chunkSeconds = Double(stream.chunkSamples) / Double(Pipeline.openWakeWordRate)
        self.chunkSeconds = chunkSeconds
        refractoryChunks = ContiguousArray(parts.map { part in
            Int((Self.refractorySeconds(part.model, part.part) / chunkSeconds).rounded(.up))
        })
        lastDetection = .allocate(capacity: parts.count)
        lastDetection.initialize(repeating: Int.min / 2, count: parts.count)
        (episodeLabel, episodeChunk, episodeStart, episodeQuiet) = (.allocate(capacity: parts.count), .allocate(capacity: parts.count),
                                                                    .allocate(capacity: parts.count), .allocate(capacity: parts.count))
        episodeScore = .allocate(capacity: parts.count)
        episodeShift = .allocate(capacity: parts.count)
        episodeLabel.initialize(repeating: -1, count: parts.count)
        episodeChunk.initialize(repeating: 0, count: parts.count)
        episodeStart.initialize(repeating: 0, count: parts.count)
        episodeQuiet.initialize(repeating: 0, count: parts.count)
        episodeScore.initialize(repeating: 0, count: parts.count)
        episodeShift.initialize(repeating: 0, count: parts.count)
        scaled = .allocate(capacity: scaledCapacity)
        scaled.initialize(repeating: 0, count: scaledCapacity)
        rowCapacity = scaledCapacity / stream.chunkSamples + 1
        rows = .allocate(capacity: rowCapacity * stream.rowWidth)
        rows.initialize(repeating: 0, count: rowCapacity * stream.rowWidth)
    }

    /// A model's refractory period: wyoming-openwakeword's 2 s for a single score (today's rule),
    /// the part's detector setting for a multi-class head.
    static func refractorySeconds(_ model: OpenWakeWordModel, _ part: Pipeline.Part) -> Double {
        model.labels.isEmpty ? refractorySeconds : part.detector.refractorySeconds
    }

    deinit {
        clipInput?.deallocate()
        lastDetection.deallocate()
        for pointer in [episodeLabel, episodeChunk, episodeStart, episodeQuiet] { pointer.deallocate() }
        episodeScore.deallocate()
        episodeShift.deallocate()
        scaled.deallocate()
        rows.deallocate()
    }

    /// Seconds between a model's scores (one per chunk).
    var posteriorHopSeconds: Double { chunkSeconds }

    /// Forgets all audio. Allocates: never.
    func reset() {
        preRoll?.reset()
        chunksRun = 0
        stream.reset()
        lastDetection.update(repeating: Int.min / 2, count: modelIndices.count)
        episodeLabel.update(repeating: -1, count: modelIndices.count)
        chunks = 0
    }

    /// Completes the open episodes of multi-class heads (their events), at the end of a stream.
    /// Allocates: never.
    func flush(into events: EventList) -> Int {
        var completed = 0
        var m = 0
        while m < modelIndices.count {
            if episodeLabel[m] >= 0 {
                emitEpisode(m, into: events)
                completed &+= 1
            }
            m &+= 1
        }
        return completed
    }

    /// Samples at 16 kHz in [-1, 1]; returns the detections made. Behind a closed gate the samples
    /// go into the pre-roll and the backbone rests. Allocates: never.
    func process(_ samples: UnsafeBufferPointer<Float>, into events: EventList, shift: Double) -> Int {
        guard let preRoll else { return run(samples, scoredFrom: 0, into: events, shift: shift) }
        let chunk = stream.chunkSamples
        preRoll.unitsSeen &+= (preRoll.position &+ samples.count) / chunk &- preRoll.position / chunk
        guard preRoll.gate.isOpen else {
            preRoll.keep(samples)
            return 0
        }
        var detections = 0
        if preRoll.takeOpening() { detections = replay(preRoll, into: events, shift: shift) }
        preRoll.fed(samples.count)
        return detections &+ run(samples, scoredFrom: 0, into: events, shift: shift)
    }

    /// On an opening: the skipped samples, replayed from a point that keeps the stream's chunk and
    /// mel-frame boundaries where they are ungated. When the pre-roll covers the whole gap the
    /// backbone sees exactly the ungated audio; otherwise the chunks within `warmUp` samples of
    /// the replay's start (stale mel and embedding history) are computed but not scored, and from
    /// then on every score is the ungated one. Allocates: never.
    private func replay(_ preRoll: GatePreRoll, into events: EventList, shift: Double) -> Int {
        let chunk = stream.chunkSamples
        let (offset, exact) = preRoll.replayStart(alignment: chunk)
        let start = preRoll.position &- preRoll.held &+ offset
        chunks = start / chunk
        let scoredFrom = exact ? 0 : (start &+ preRoll.warmUp &+ chunk &- 1) / chunk &- 1
        var detections = 0
        var next = offset
        while next < preRoll.held {
            let segment = preRoll.segment(from: next)
            detections &+= run(segment, scoredFrom: scoredFrom, into: events, shift: shift)
            next &+= segment.count
        }
        preRoll.replayed()
        return detections
    }

    /// The backbone and heads over samples; chunks before `scoredFrom` give no detection.
    private func run(_ samples: UnsafeBufferPointer<Float>, scoredFrom: Int, into events: EventList, shift: Double) -> Int {
        guard let base = samples.baseAddress else { return 0 }
        let count = modelIndices.count
        let width = stream.rowWidth
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
            chunksRun &+= written
            preRoll?.unitsRun &+= written
            var row = 0
            while row < written {
                let chunk = chunks
                chunks &+= 1
                var m = 0
                while m < count && chunk >= scoredFrom {
                    let (label, score) = best(row: rows + row &* width, model: m)
                    if columnCounts[m] > 1 || episodeLabel[m] >= 0 {
                        detections &+= episode(m, label: label, score: score, chunk: chunk, shift: shift, into: events)
                    } else if label >= 0, chunk &- lastDetection[m] >= refractoryChunks[m] {
                        lastDetection[m] = chunk
                        events.append(PipelineEvent(
                            modelIndex: modelIndices[m], labelIndex: label, keywordIndex: keywordOffsets[m] &+ label,
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

    /// A multi-class head's chunk: opens, extends or ends its episode (see the type's comment);
    /// returns 1 when an episode ended with an event. Allocates: never.
    private func episode(_ m: Int, label: Int, score: Float, chunk: Int, shift: Double, into events: EventList) -> Int {
        if episodeLabel[m] < 0 {
            guard label >= 0, chunk &- lastDetection[m] >= refractoryChunks[m] else { return 0 }
            (episodeLabel[m], episodeScore[m], episodeChunk[m], episodeShift[m]) = (label, score, chunk, shift)
            (episodeStart[m], episodeQuiet[m]) = (chunk, 0)
            return 0
        }
        if label >= 0 {
            episodeQuiet[m] = 0
            if score > episodeScore[m] { (episodeLabel[m], episodeScore[m], episodeChunk[m], episodeShift[m]) = (label, score, chunk, shift) }
        } else {
            episodeQuiet[m] &+= 1
        }
        guard episodeQuiet[m] >= Self.quietChunks || chunk &- episodeStart[m] &+ 1 >= refractoryChunks[m] else { return 0 }
        emitEpisode(m, into: events)
        return 1
    }

    private func emitEpisode(_ m: Int, into events: EventList) {
        let label = episodeLabel[m]
        lastDetection[m] = episodeChunk[m]
        events.append(PipelineEvent(
            modelIndex: modelIndices[m], labelIndex: label, keywordIndex: keywordOffsets[m] &+ label,
            time: Double(episodeChunk[m] &+ 1) * chunkSeconds + episodeShift[m], score: episodeScore[m]))
        episodeLabel[m] = -1
    }

    /// Model `m`'s label with the highest score among those at or above their thresholds in `row`,
    /// and that score; label -1 when none is. Allocates: never.
    private func best(row: UnsafeMutablePointer<Float>, model m: Int) -> (label: Int, score: Float) {
        let first = columnOffsets[m]
        var label = -1
        var score: Float = 0
        var c = 0
        while c < columnCounts[m] {
            let value = row[first &+ c]
            if value >= thresholds[first &+ c], label < 0 || value > score { (label, score) = (c, value) }
            c &+= 1
        }
        return (label, score)
    }

    /// Samples of audio a score depends on: the head's embeddings, each over its mel frames, each
    /// over `frameLength` samples (openWakeWord's: 15 × 1280 + 76 × 160 + 352 = 31,712, 1.98 s).
    var contextSamples: Int {
        let model = stream.models[0]
        return (model.headEmbeddings &- 1) &* model.chunkSamples &+ model.embeddingFrames &* model.mel.hop
            &+ model.mel.frameLength &- model.mel.hop
    }

    /// Puts all openWakeWord models behind the stream's voice-activity gate (they share one
    /// backbone, which is what the gate saves). Allocates: the pre-roll (set-up only).
    func attach(_ gate: SpeechGate) {
        let seconds = gate.settings.preRollSeconds ?? GatePreRoll.openWakeWordSeconds
        preRoll = GatePreRoll(gate: gate, rows: GatePreRoll.rows(seconds: seconds, rowsPerSecond: Double(Pipeline.openWakeWordRate)),
                              width: 1, warmUp: contextSamples)
    }
}
