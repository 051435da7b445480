import AllocationCounter
import Converter
import Foundation
import Model
import Pipeline
import Spotter
import Testing

/// The wheel's microWakeWord models with their manifests, when pymicro-wakeword is installed in
/// the repository's venv (read at test time, never committed).
private let wheelModels: [String] = {
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

private func importWheelModel(_ path: String) throws -> QuantizedGraph {
    let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    let json = [UInt8](try Data(contentsOf: URL(fileURLWithPath: String(path.dropLast(7)) + ".json")))
    return try TFLiteImporter.importModel(bytes: bytes, manifest: try MicroManifest.parse(json))
}

@Suite("Pipeline: imported microWakeWord models (QuantizedPipelineStream)")
struct QuantizedPipelineStreamTests {
    @Test("process(samples:) allocates nothing per 10 ms period, detections included",
          .enabled(if: !wheelModels.isEmpty, "pymicro-wakeword is not installed in .venv"),
          arguments: [16_000, 48_000])
    func allocationFree(rate: Int) throws {
        let graph = try importWheelModel(wheelModels[0])
        var settings = DetectorSettings()
        // Cutoff 0: every full window whose mean is above zero is a detection, so events are
        // recorded during the count.
        settings.thresholds = [graph.wakeWord.name: 0]
        let stream = try QuantizedPipelineStream(graph: graph, inputRate: rate, detector: settings)
        let signal = burstSignal(seconds: 20, starts: stride(from: 0.2, to: 19.0, by: 0.5).map { $0 }, length: 0.2, rate: rate)
        let period = rate / 100
        var detections = 0
        var events = 0
        let allocations = signal.withUnsafeBufferPointer { samples -> Int in
            // 100 ms first (a few network steps): the Swift runtime's one-time type metadata are
            // not per-period costs.
            stream.process(samples: UnsafeBufferPointer(rebasing: samples[0..<(10 * period)]))
            allocation_counter_begin()
            var offset = 10 * period
            while offset + period <= samples.count {
                detections &+= stream.process(samples: UnsafeBufferPointer(rebasing: samples[offset..<(offset + period)]))
                events &+= stream.events.count
                offset &+= period
            }
            return allocation_counter_end()
        }
        #expect(stream.posteriors == stream.featureFrames / graph.input.frames)
        #expect(detections > 0, "the detector fired during the count")
        #expect(events == detections && stream.droppedEvents == 0)
        #expect(allocations == 0, "\(allocations) allocations at \(rate) Hz")
    }

    @Test("all wheel models in one stream: one front end, 0 allocations per period, each model's events as its own stream's",
          .enabled(if: wheelModels.count > 1, "pymicro-wakeword is not installed in .venv"))
    func severalModels() throws {
        let graphs = try wheelModels.map(importWheelModel)
        var settings = DetectorSettings()
        for graph in graphs { settings.thresholds[graph.wakeWord.name] = 0 }
        let together = try QuantizedPipelineStream(graphs: graphs, inputRate: 16_000, detector: settings)
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
            let alone = try QuantizedPipelineStream(graph: graph, inputRate: 16_000, detector: one)
            var own: [PipelineEvent] = []
            signal.withUnsafeBufferPointer { samples in
                var offset = 0
                while offset + 160 <= samples.count {
                    alone.process(samples: UnsafeBufferPointer(rebasing: samples[offset..<(offset + 160)]))
                    for event in alone.events { own.append(PipelineEvent(modelIndex: index, labelIndex: index, time: event.time, score: event.score)) }
                    offset &+= 160
                }
            }
            #expect(events.filter { $0.modelIndex == index } == own, "model \(graph.wakeWord.name)")
        }
    }

    @Test("the manifest's cutoff and window are used; a per-keyword threshold replaces the cutoff; other names are refused",
          .enabled(if: !wheelModels.isEmpty, "pymicro-wakeword is not installed in .venv"))
    func manifestRule() throws {
        let graph = try importWheelModel(wheelModels[0])
        let plain = try QuantizedPipelineStream(graph: graph, inputRate: 16_000)
        #expect(plain.detector.cutoff == graph.wakeWord.probabilityCutoff)
        #expect(plain.detector.windowSize == graph.wakeWord.slidingWindow)
        var settings = DetectorSettings()
        settings.thresholds = [graph.wakeWord.name: 0.5]
        #expect(try QuantizedPipelineStream(graph: graph, inputRate: 16_000, detector: settings).detector.cutoff == 0.5)
        settings.thresholds = ["not the wake word": 0.5]
        #expect(throws: PipelineError.self) { try QuantizedPipelineStream(graph: graph, inputRate: 16_000, detector: settings) }
    }
}
