import AllocationCounter
import Converter
import Foundation
import Model
import Pipeline
import Spotter
import Testing

/// The wheel's microWakeWord models with their manifests, when pymicro-wakeword is installed in
/// the repository's venv (read at test time, never committed).
let microWakeWordWheelModels: [String] = {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let lib = root.appendingPathComponent(".venv/lib")
    guard let pythons = try? FileManager.default.contentsOfDirectory(atPath: lib.path) else { return [] }
    for python in pythons {
        let dir = lib.appendingPathComponent(python).appendingPathComponent("site-packages/pymicro_wakeword/models")
        if let files = try? FileManager.default.contentsOfDirectory(atPath: dir.path) {
            return files.filter { $0.hasSuffix(".tflite") }.sorted().map { dir.appendingPathComponent($0).path }
        }
    }
    return []
}()

private let wheelModels = microWakeWordWheelModels

/// A wheel model and its manifest, imported.
func importMicroWakeWordWheelModel(_ path: String) throws -> QuantizedGraph {
    let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    let json = [UInt8](try Data(contentsOf: URL(fileURLWithPath: String(path.dropLast(7)) + ".json")))
    return try TFLiteImporter.importModel(bytes: bytes, manifest: try MicroManifest.parse(json))
}

@Suite("Pipeline: imported microWakeWord models, alone and beside Earshot models on one stream")
struct MicroWakeWordStreamTests {
    @Test("process(samples:) allocates nothing per 10 ms period from the first period after a stated warm-up stream, detections included",
          .enabled(if: !wheelModels.isEmpty, "pymicro-wakeword is not installed in .venv"),
          arguments: [16_000, 48_000])
    func allocationFree(rate: Int) throws {
        let graph = try importMicroWakeWordWheelModel(wheelModels[0])
        var settings = DetectorSettings()
        // Cutoff 0: every full window whose mean is above zero is a detection, so events are
        // recorded during the count.
        settings.thresholds = [graph.wakeWord.name: 0]
        let pipeline = try Pipeline(graphs: [graph], detector: settings)
        let signal = burstSignal(seconds: 20, starts: stride(from: 0.2, to: 19.0, by: 0.5).map { $0 }, length: 0.2, rate: rate)
        let period = rate / 100
        // Stated warm-up: a throwaway stream over 1 s takes the process's one-time runtime
        // allocations (type metadata); the stream counted below is counted from its first period.
        _ = streamEvents(try pipeline.makeStream(inputRate: rate), Array(signal[0..<(100 * period)]), period: period)
        let stream = try pipeline.makeStream(inputRate: rate)
        let (allocations, detections, events) = countStreamAllocations(stream, signal, period: period)
        #expect(stream.posteriors == stream.featureFrames / graph.input.frames)
        #expect(detections > 0, "the detector fired during the count")
        #expect(events == detections && stream.droppedEvents == 0)
        #expect(allocations == 0, "\(allocations) allocations at \(rate) Hz")
    }

    @Test("all wheel models in one stream: one front end, 0 allocations per period, each model's events as its own stream's",
          .enabled(if: wheelModels.count > 1, "pymicro-wakeword is not installed in .venv"))
    func severalModels() throws {
        let graphs = try wheelModels.map(importMicroWakeWordWheelModel)
        var settings = DetectorSettings()
        for graph in graphs { settings.thresholds[graph.wakeWord.name] = 0 }
        let pipeline = try Pipeline(graphs: graphs, detector: settings)
        #expect(pipeline.frontends.count == 1, "one micro front end for all")
        let together = try pipeline.makeStream(inputRate: 16_000)
        #expect(together.labels == graphs.map { $0.wakeWord.name })
        let signal = burstSignal(seconds: 20, starts: stride(from: 0.2, to: 19.0, by: 0.5).map { $0 }, length: 0.2, rate: 16_000)
        var events: [PipelineEvent] = []
        events.reserveCapacity(10_000)
        let allocations = signal.withUnsafeBufferPointer { samples -> Int in
            together.process(samples: UnsafeBufferPointer(rebasing: samples[0..<1600]))
            events.append(contentsOf: together.events)
            allocation_counter_begin()
            var offset = 1600
            while offset + 160 <= samples.count {
                together.process(samples: UnsafeBufferPointer(rebasing: samples[offset..<(offset + 160)]))
                for event in together.events { events.append(event) }
                offset &+= 160
            }
            return allocation_counter_end()
        }
        #expect(allocations == 0, "\(allocations) allocations with \(graphs.count) models")
        #expect(!events.isEmpty)
        // Each model alone, on the same audio: the same events (its index aside).
        for (index, graph) in graphs.enumerated() {
            var one = DetectorSettings()
            one.thresholds[graph.wakeWord.name] = 0
            let alone = try Pipeline(graphs: [graph], detector: one).makeStream(inputRate: 16_000)
            var own: [PipelineEvent] = []
            signal.withUnsafeBufferPointer { samples in
                var offset = 0
                while offset + 160 <= samples.count {
                    alone.process(samples: UnsafeBufferPointer(rebasing: samples[offset..<(offset + 160)]))
                    for event in alone.events { own.append(PipelineEvent(modelIndex: index, labelIndex: 0, keywordIndex: index, time: event.time, score: event.score)) }
                    offset &+= 160
                }
            }
            #expect(events.filter { $0.modelIndex == index } == own, "model \(graph.wakeWord.name)")
        }
    }

    @Test("the manifest's cutoff and window are used; a per-keyword threshold replaces the cutoff; other names are refused",
          .enabled(if: !wheelModels.isEmpty, "pymicro-wakeword is not installed in .venv"))
    func manifestRule() throws {
        let graph = try importMicroWakeWordWheelModel(wheelModels[0])
        func rule(_ settings: DetectorSettings) throws -> SlidingMeanDetector {
            try #require(try Pipeline(graphs: [graph], detector: settings).makeStream(inputRate: 16_000).microWakeWordRule(model: 0))
        }
        let plain = try rule(DetectorSettings())
        #expect(plain.cutoff == graph.wakeWord.probabilityCutoff)
        #expect(plain.windowSize == graph.wakeWord.slidingWindow)
        var settings = DetectorSettings()
        settings.thresholds = [graph.wakeWord.name: 0.5]
        #expect(try rule(settings).cutoff == 0.5)
        settings.thresholds = ["not the wake word": 0.5]
        #expect(throws: PipelineError.self) { try Pipeline(graphs: [graph], detector: settings) }
    }
}

/// models/default.earshot (committed; tf-mfcc front end, windowed GRU).
private let defaultModelPath = repositoryRoot + "/models/default.earshot"

@Suite("Pipeline: mixed model kinds and front ends on one stream")
struct MixedPipelineStreamTests {
    private func settings(wakeWord: String) -> DetectorSettings {
        var settings = DetectorSettings()
        // Low thresholds, so that both models fire on the bursts.
        settings.thresholds = [wakeWord: 0]
        settings.threshold = 0.05
        settings.refractorySeconds = 0.3
        return settings
    }

    @Test("a microWakeWord model and an Earshot model (different front ends) on one stream: each gives its events alone",
          .enabled(if: !wheelModels.isEmpty, "pymicro-wakeword is not installed in .venv"),
          arguments: [16_000, 48_000])
    func eachModelAsAlone(rate: Int) throws {
        let graph = try importMicroWakeWordWheelModel(wheelModels[0])
        let model = try ModelFile(path: defaultModelPath)
        let settings = settings(wakeWord: graph.wakeWord.name)
        // Alone, the Earshot model has no wake word to name (together its detector ignores it).
        var earshotSettings = settings
        earshotSettings.thresholds = [:]
        let hop = Pipeline.listeningWindowHop(for: model)
        let pipeline = try Pipeline(parts: [
            Pipeline.Part(graph: graph, detector: settings),
            Pipeline.Part(model: model, detector: settings, windowHopFrames: hop),
        ])
        #expect(pipeline.frontends.count == 2, "micro and tf-mfcc")
        #expect(pipeline.frontendIndex == [0, 1])
        let signal = burstSignal(seconds: 12, starts: stride(from: 0.3, to: 11.0, by: 0.7).map { $0 }, length: 0.25, rate: rate)
        let period = rate / 100
        let stream = try pipeline.makeStream(inputRate: rate)
        #expect(stream.labels == [graph.wakeWord.name] + model.description.labels)
        #expect(stream.labelOffsets == [0, 1])
        let together = streamEvents(stream, signal, period: period)
        let micro = streamEvents(try Pipeline(parts: [Pipeline.Part(graph: graph, detector: settings)]).makeStream(inputRate: rate),
                        signal, period: period)
        let earshot = streamEvents(try Pipeline(parts: [Pipeline.Part(model: model, detector: earshotSettings, windowHopFrames: hop)])
                            .makeStream(inputRate: rate), signal, period: period)
        #expect(!micro.isEmpty && !earshot.isEmpty, "both models fired (\(micro.count), \(earshot.count))")
        #expect(together.filter { $0.modelIndex == 0 } == micro)
        // Alone, the Earshot model is model 0; together it is model 1, its keywords after the wake word.
        #expect(together.filter { $0.modelIndex == 1 } == earshot.map {
            PipelineEvent(modelIndex: 1, labelIndex: $0.labelIndex, keywordIndex: $0.labelIndex + 1, time: $0.time, score: $0.score)
        })
        #expect(stream.posteriors(model: 0) == stream.featureFrames / graph.input.frames)
    }

    @Test("the mixed stream allocates nothing from its first period after a stated warm-up stream, flush included",
          .enabled(if: !wheelModels.isEmpty, "pymicro-wakeword is not installed in .venv"))
    func mixedAllocationFree() throws {
        let graph = try importMicroWakeWordWheelModel(wheelModels[0])
        let model = try ModelFile(path: defaultModelPath)
        let settings = settings(wakeWord: graph.wakeWord.name)
        let pipeline = try Pipeline(parts: [
            Pipeline.Part(graph: graph, detector: settings),
            Pipeline.Part(model: model, detector: settings, windowHopFrames: Pipeline.listeningWindowHop(for: model)),
        ])
        let rate = 48_000
        let period = rate / 100
        let signal = burstSignal(seconds: 12, starts: stride(from: 0.3, to: 11.0, by: 0.7).map { $0 }, length: 0.25, rate: rate)
        // Stated warm-up: a throwaway stream takes the process's one-time runtime allocations.
        _ = streamEvents(try pipeline.makeStream(inputRate: rate), Array(signal[0..<(rate * 2)]), period: period)
        let stream = try pipeline.makeStream(inputRate: rate)
        let (allocations, detections, events) = countStreamAllocations(stream, signal, period: period)
        #expect(detections > 2, "the detectors fired during the count")
        #expect(events == detections && stream.droppedEvents == 0)
        #expect(allocations == 0, "\(allocations) allocations")
    }
}
