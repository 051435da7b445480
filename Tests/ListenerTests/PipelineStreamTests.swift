import Listener
import Model
import Pipeline
import Spotter
import Testing

@Suite("Pipeline: shared parts, one stream per client, allocation-free process")
struct PipelineStreamTests {
    private var settings: DetectorSettings {
        var settings = DetectorSettings()
        settings.threshold = 0.1
        settings.refractorySeconds = 0.05
        settings.smoothingSeconds = 0.04
        return settings
    }

    @Test("process(samples:) allocates nothing from the first period after makeStream, events included",
          arguments: ["streaming", "windowed", "resampled"])
    func allocationFree(variant: String) throws {
        let model = variant == "windowed"
            ? try randomLSTMModel(execution: .windowed(frames: 25, hop: 2)) : try randomLSTMModel()
        let rate = variant == "resampled" ? 48_000 : 16_000
        let pipeline = try Pipeline(model: model, detector: settings)
        let signal = burstSignal(seconds: 20, starts: stride(from: 0.2, to: 19.0, by: 0.5).map { $0 }, length: 0.2, rate: rate)
        let period = rate / 100
        // Stated warm-up: the process's first run through a Pipeline makes a few one-time allocations
        // (Swift runtime metadata, per process, not per stream; 8 seen when this case runs first).
        // A throwaway stream over the same audio takes them; the stream counted below is counted from its own
        // first period.
        _ = streamEvents(try pipeline.makeStream(inputRate: rate), signal, period: period)
        let stream = try pipeline.makeStream(inputRate: rate)
        let (allocations, detections, events) = countStreamAllocations(stream, signal, period: period)
        #expect(detections > 10, "the detector fired during the count (\(variant))")
        #expect(events == detections && stream.droppedEvents == 0)
        #expect(allocations == 0, "\(allocations) allocations (\(variant))")
    }

    @Test("two streams of one pipeline keep their own state and give the same events for the same audio")
    func streamsAreIndependent() throws {
        let pipeline = try Pipeline(model: try burstDetectorModel(), detector: settings)
        let signal = burstSignal(seconds: 6, starts: [1.0, 3.0], length: 0.3)
        func run(_ stream: PipelineStream, _ samples: [Float]) -> [PipelineEvent] { streamEvents(stream, samples, period: 160) }
        let first = try pipeline.makeStream(inputRate: 16_000)
        let second = try pipeline.makeStream(inputRate: 16_000)
        // Silence through the second stream first: it must not disturb the first one.
        _ = run(second, [Float](repeating: 0, count: 16_000))
        let a = run(first, signal)
        second.reset()
        let b = run(second, signal)
        #expect(a.count == 2)
        #expect(a == b)
        // The same events StreamDetection (the listen path) reports for this audio.
        let (offline, _) = try StreamDetection.detect(samples: signal, rate: 16_000, model: try burstDetectorModel(), detector: settings)
        #expect(offline.map(\.time) == a.map(\.time))
    }

    @Test("models sharing a front end share one entry; two models on one stream each give their events alone")
    func frontendsAreListedOnce() throws {
        let model = try burstDetectorModel()
        var other = settings
        other.refractorySeconds = 0.5
        let pipeline = try Pipeline(parts: [Pipeline.Part(model: model, detector: settings), Pipeline.Part(model: model, detector: other)])
        #expect(pipeline.frontends.count == 1)
        #expect(pipeline.frontendIndex == [0, 0])
        let signal = burstSignal(seconds: 6, starts: [1.0, 1.6, 3.0], length: 0.3)
        func run(_ stream: PipelineStream) -> [PipelineEvent] { streamEvents(stream, signal, period: 160) }
        let both = run(try pipeline.makeStream(inputRate: 16_000))
        let first = run(try Pipeline(model: model, detector: settings).makeStream(inputRate: 16_000))
        let second = run(try Pipeline(model: model, detector: other).makeStream(inputRate: 16_000))
        #expect(!first.isEmpty && !second.isEmpty)
        #expect(both.filter { $0.modelIndex == 0 } == first)
        let labels = model.description.labels.count
        #expect(both.filter { $0.modelIndex == 1 } == second.map {
            PipelineEvent(modelIndex: 1, labelIndex: $0.labelIndex, keywordIndex: labels + $0.labelIndex, time: $0.time, score: $0.score)
        })
        #expect(throws: PipelineError.self) { _ = try Pipeline(parts: []) }
    }

    @Test("threshold order: a keyword's own > the settings' threshold (--threshold, else the board's) > the model's stored > 0.8")
    func thresholdOrder() throws {
        var (description, tensors) = burstDetectorParts()
        let keyword = "yes"
        let plain = try ModelFile(bytes: ModelWriter.serialize(description, tensors: tensors))
        description.metadata["detector.threshold"] = .float(0.35)
        let trained = try ModelFile(bytes: ModelWriter.serialize(description, tensors: tensors))
        func effective(_ model: ModelFile, _ settings: DetectorSettings) throws -> Float {
            let part = Pipeline.Part(model: model, detector: settings)
            let detector = try #require(try Pipeline(parts: [part]).makeStream(inputRate: 16_000).detector)
            // What the running detector uses agrees with the stated order.
            #expect(detector.configuration.thresholds[keyword] ?? detector.configuration.defaultThreshold == Float(part.threshold(for: keyword)))
            return Float(part.threshold(for: keyword))
        }
        var settings = DetectorSettings()
        #expect(try effective(plain, settings) == 0.8)
        #expect(try effective(trained, settings) == 0.35)
        settings.threshold = 0.6
        #expect(try effective(trained, settings) == 0.6)
        settings.thresholds = [keyword: 0.9]
        #expect(try effective(trained, settings) == 0.9)
    }
}
