import AllocationCounter
import Model
import Pipeline
import Spotter
import Testing

/// A tiny openWakeWord model at openWakeWord's 1280-sample chunk whose head ignores the audio:
/// zero weights, so every chunk's scores are softmax(bias) (or sigmoid(bias) for one score).
/// The backbone is a real one (mel frames, a dense embedding), so the stream still runs.
private func constantModel(name: String, labels: [String], logits: [Float], threshold: Double? = nil) -> OpenWakeWordModel {
    let frame = 320, bins = 2, mels = 2, frames = 6, size = 3
    let ramp = (0..<(bins * frame)).map { Float($0 % 7) / 7 }
    let mel = OpenWakeWordMel(
        frameLength: frame, hop: 160, bins: bins, mels: mels, dftReal: ramp, dftImaginary: ramp.reversed(), biasReal: [0, 0],
        biasImaginary: [0, 0], filters: [1, 0, 0, 1], powerFloor: 1e-10, powerCeiling: .infinity,
        logMultiplier: 10, logDivisor: 2.3025851, divides: true, dbOffset: 0, dbCeiling: .infinity, topDB: 80)
    let embedding = FloatLayerStack(input: FloatShape(height: frames, width: mels, channels: 1), layers: [
        .dense(outputs: size, weights: (0..<(size * frames * mels)).map { Float($0 % 5) / 10 }, bias: [0, 0, 0], activation: .none),
    ])
    let outputs = logits.count
    let head = FloatLayerStack(input: FloatShape(height: 2, width: size, channels: 1), layers: [
        .dense(outputs: outputs, weights: [Float](repeating: 0, count: outputs * 2 * size), bias: logits, activation: .none),
        outputs == 1 ? .sigmoid : .softmax,
    ])
    var model = OpenWakeWordModel(name: name, mel: mel, embedding: embedding, head: head, chunkSamples: 1280,
                                  embeddingFrames: frames, headEmbeddings: 2, threshold: threshold)
    model.labels = labels
    return model
}

@Suite("Pipeline: multi-class openWakeWord heads")
struct OpenWakeWordMultiClassPipelineTests {
    /// softmax([3, 0, 1, -1]) ≈ [0.831, 0.041, 0.112, 0.015]: "_silence_" leads, then "no", then "yes".
    private let labels = ["_silence_", "yes", "no", "up"]
    private let logits: [Float] = [3, 0, 1, -1]
    private let seconds = 4.0

    private func events(_ parts: [Pipeline.Part]) throws -> [PipelineEvent] {
        let pipeline = try Pipeline(parts: parts)
        return streamEvents(try pipeline.makeStream(inputRate: 16_000), burstSignal(seconds: seconds, starts: [0.5], length: 1), period: 1280)
    }

    private func part(_ model: OpenWakeWordModel, _ change: (inout DetectorSettings) -> Void = { _ in }) -> Pipeline.Part {
        var settings = DetectorSettings()
        change(&settings)
        return Pipeline.Part(openWakeWord: model, detector: settings)
    }

    @Test("an ignored label never fires, even at threshold 0; the part's labels are the model's")
    func ignoredLabels() throws {
        let model = constantModel(name: "commands", labels: labels, logits: [8, -8, -8, -8])
        let silent = part(model) { $0.threshold = 0.9 }
        #expect(silent.labels == labels)
        #expect(try events([silent]).isEmpty)
        // Threshold 0 for every label: a keyword label fires (all score alike; the first, "yes"), never "_silence_".
        let all = try events([part(model) { $0.threshold = 0 }])
        #expect(!all.isEmpty && all.allSatisfy { $0.labelIndex != 0 })
    }

    @Test("per-label thresholds: the user's, then the model's stored ones, in Part.threshold(for:) order; keyword indices")
    func perLabelThresholds() throws {
        var model = constantModel(name: "commands", labels: labels, logits: logits)
        // Nothing set: the default 0.5 (openWakeWord's) for every keyword; none reaches it.
        #expect(try events([part(model)]).isEmpty)
        // The model's own threshold for "yes" (0.04 < 0.041): "yes" fires, "no" (0.112, at 0.5) does not.
        model.keywordThresholds = ["yes": 0.04]
        let stored = try events([part(model)])
        #expect(!stored.isEmpty && stored.allSatisfy { $0.labelIndex == 1 && $0.keywordIndex == 1 })
        // The user's own threshold for "no" beats nothing; both fire -> the higher score ("no") wins each time.
        let both = try events([part(model) { $0.thresholds = ["no": 0.1] }])
        #expect(!both.isEmpty && both.allSatisfy { $0.labelIndex == 2 })
        #expect(abs(both[0].score - 0.1125) < 1e-3)
        // The user's threshold for every keyword beats the stored one: at 0.2, nothing fires.
        #expect(try events([part(model) { $0.threshold = 0.2 }]).isEmpty)
        // Behind another model, keyword indices continue after its labels.
        let single = constantModel(name: "wake", labels: [], logits: [-9])
        let second = try events([part(single), part(model)])
        #expect(!second.isEmpty && second.allSatisfy { $0.modelIndex == 1 && $0.keywordIndex == 1 + 1 })
    }

    @Test("refractory: the part's detector.refractorySeconds for a multi-class head (1 s by default), 2 s for a single score")
    func refractory() throws {
        let model = constantModel(name: "commands", labels: labels, logits: logits)
        let chunk = 0.08
        for (refractory, gap) in [(1.0, 13), (0.5, 7)] {
            let found = try events([part(model) { $0.threshold = 0.1; $0.refractorySeconds = refractory }])
            let chunks = found.map { Int(($0.time / chunk).rounded()) }
            // Scores exist from the second chunk on (2 embeddings per head run); then one event per `gap` chunks.
            #expect(chunks == Array(stride(from: 2, through: Int(seconds / chunk), by: gap)), "\(refractory) s: \(chunks)")
        }
        let single = constantModel(name: "wake", labels: [], logits: [4])
        let wake = try events([part(single) { $0.refractorySeconds = 0.3 }]).map { Int(($0.time / chunk).rounded()) }
        #expect(wake == [2, 27], "single score keeps wyoming-openwakeword's 2 s: \(wake)")
    }

    @Test("a pipeline stream with a multi-class and a single-score head: 0 allocations from the first 10 ms period, events included")
    func allocationFree() throws {
        let classes = constantModel(name: "commands", labels: labels, logits: logits)
        let single = constantModel(name: "wake", labels: [], logits: [4])
        let pipeline = try Pipeline(parts: [part(classes) { $0.threshold = 0.1 }, part(single)])
        let signal = burstSignal(seconds: seconds, starts: [0.5], length: 1)
        // Stated warm-up: a throwaway stream takes the process's one-time runtime allocations.
        _ = streamEvents(try pipeline.makeStream(inputRate: 16_000), Array(signal[0..<3200]), period: 160)
        let stream = try pipeline.makeStream(inputRate: 16_000)
        var count = 0
        var flushed = 0
        let allocations = signal.withUnsafeBufferPointer { samples -> Int in
            allocation_counter_begin()
            var offset = 0
            while offset < samples.count {
                count &+= stream.process(samples: UnsafeBufferPointer(start: samples.baseAddress! + offset, count: min(160, samples.count &- offset)))
                offset &+= 160
            }
            flushed = stream.flush()
            return allocation_counter_end()
        }
        #expect(allocations == 0, "\(allocations) allocations")
        // commands: an episode from chunk 2 every 13 chunks, each completed 13 chunks after it opens (3 while
        // streaming, the 4th, opened at chunk 41, by flush); wake: every 25 chunks (2).
        #expect(count == 3 + 2, "\(count) events")
        #expect(flushed == 1, "\(flushed) events completed by flush")
    }
}
