import AllocationCounter
import Converter
import Foundation
import Model
import Pipeline
import Spotter
import TestSupport
import Testing
import WAVFile

private let repository = WheelAndSharedFiles.repository()
private let sileroGraph = WheelAndSharedFiles.sileroGraph
private let speechClips = WheelAndSharedFiles.sharedClips("speech_commands_v0.02_subset/go", count: 8)
private let wakeModelPath = repository.appendingPathComponent("models/wakeword/view_glass.earshot").path
private func vadModel() throws -> ModelFile { try sileroModel() }

/// Two seconds of digital silence, then each clip followed by two seconds of silence.
private func gappedSpeech() throws -> [Float] {
    var signal = [Float](repeating: 0, count: 32_000)
    for path in speechClips {
        signal += try WAVFile.decode([UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))).samples
        signal += [Float](repeating: 0, count: 32_000)
    }
    return signal
}

private func run(_ stream: PipelineStream, _ signal: [Float]) {
    signal.withUnsafeBufferPointer { samples in
        var offset = 0
        while offset + 160 <= samples.count {
            _ = stream.process(samples: UnsafeBufferPointer(start: samples.baseAddress! + offset, count: 160))
            offset &+= 160
        }
    }
}

@Suite("Voice-activity gate (SpeechGate in PipelineStream)")
struct SpeechGateTests {
    @Test("a gated stream allocates nothing per period, openings and pre-roll replays included",
          .enabled(if: sileroGraph != nil, "silero-vad is not installed in .venv"),
          .enabled(if: !speechClips.isEmpty, "../shared/data/speech_commands_v0.02_subset is absent"))
    func allocationFree() throws {
        let vad = try vadModel()
        let model = try ModelFile(path: wakeModelPath)
        let pipeline = try Pipeline(model: model)
        let signal = try gappedSpeech()
        let warmUp = try pipeline.makeStream(inputRate: 16_000)
        try warmUp.attachGate(vad: vad, settings: SpeechGateSettings())
        run(warmUp, Array(signal[0..<48_000]))

        let stream = try pipeline.makeStream(inputRate: 16_000)
        try stream.attachGate(vad: vad, settings: SpeechGateSettings())
        allocation_counter_begin()
        run(stream, signal)
        let allocations = allocation_counter_end()
        let gate = try #require(stream.gate)
        let counts = try #require(stream.gateCounts(model: 0))
        #expect(gate.openings >= 2, "the gate opened on the clips (\(gate.openings) times)")
        #expect(counts.run < counts.seen, "\(counts.run) of \(counts.seen) frames stepped")
        #expect(stream.posteriors == stream.featureFrames, "the detector saw every frame, stepped or silent")
        #expect(allocations == 0, "\(allocations) allocations")
    }

    @Test("silence steps nothing; on opening the network steps the full pre-roll first",
          .enabled(if: sileroGraph != nil, "silero-vad is not installed in .venv"),
          .enabled(if: !speechClips.isEmpty, "../shared/data/speech_commands_v0.02_subset is absent"))
    func preRoll() throws {
        let vad = try vadModel()
        let model = try ModelFile(path: wakeModelPath)
        let stream = try Pipeline(model: model).makeStream(inputRate: 16_000)
        let settings = SpeechGateSettings(threshold: 0.5, hangoverSeconds: 0.5, preRollSeconds: 0.8)
        try stream.attachGate(vad: vad, settings: settings)
        let gate = try #require(stream.gate)
        func counts() -> (seen: Int, run: Int) { stream.gateCounts(model: 0).map { ($0.seen, $0.run) } ?? (-1, -1) }
        run(stream, [Float](repeating: 0, count: 48_000))
        #expect(counts().run == 0 && gate.openings == 0 && counts().seen == stream.featureFrames)
        let clip = try WAVFile.decode([UInt8](try Data(contentsOf: URL(fileURLWithPath: speechClips[0])))).samples
        // Feed the clip until the gate first opens: the steps then are the pre-roll plus the frame at hand.
        var offset = 0
        while !gate.isOpen && offset + 160 <= clip.count {
            clip.withUnsafeBufferPointer { _ = stream.process(samples: UnsafeBufferPointer(start: $0.baseAddress! + offset, count: 160)) }
            offset += 160
        }
        #expect(gate.isOpen, "the VAD heard the spoken word")
        let preRollFrames = Int((0.8 * Double(stream.frontend.sampleRate) / Double(stream.frontend.hopLength)).rounded(.up))
        // The opening chunk may complete before the frame it belongs to: let one more frame through.
        clip.withUnsafeBufferPointer { _ = stream.process(samples: UnsafeBufferPointer(start: $0.baseAddress! + offset, count: stream.frontend.hopLength)) }
        #expect(counts().run >= preRollFrames + 1, "\(counts().run) steps after opening, pre-roll \(preRollFrames)")
        #expect(counts().run <= preRollFrames + 3)
        stream.reset()
        #expect(counts().run == 0 && counts().seen == 0 && !gate.isOpen && gate.vad.chunks == 0)
    }

    @Test("windowed models and VADs at another rate are refused with a reason",
          .enabled(if: sileroGraph != nil, "silero-vad is not installed in .venv"))
    func refusals() throws {
        let vad = try vadModel()
        let windowed = try Pipeline(model: ModelFile(path: repository.appendingPathComponent("models/default.earshot").path))
            .makeStream(inputRate: 16_000)
        #expect(throws: PipelineError.self) { try windowed.attachGate(vad: vad, settings: SpeechGateSettings()) }
        #expect(throws: PipelineError.self) {
            _ = try SpeechGate(vad: vad, settings: SpeechGateSettings(), sampleRate: 8000)
        }
        #expect(throws: PipelineError.self) {
            _ = try SpeechGate(vad: vad, settings: SpeechGateSettings(hangoverSeconds: -1), sampleRate: 16_000)
        }
    }

    @Test("two streaming models share one VAD: one VAD chunk per 512 samples, both networks rest and replay alike, 0 allocations",
          .enabled(if: sileroGraph != nil, "silero-vad is not installed in .venv"),
          .enabled(if: !speechClips.isEmpty, "../shared/data/speech_commands_v0.02_subset is absent"))
    func sharedVAD() throws {
        let vad = try vadModel()
        let models = try ["view_glass", "smart_mirror"].map {
            try ModelFile(path: repository.appendingPathComponent("models/wakeword/\($0).earshot").path)
        }
        let pipeline = try Pipeline(parts: models.map { Pipeline.Part(model: $0) })
        let signal = try gappedSpeech()
        let warmUp = try pipeline.makeStream(inputRate: 16_000)
        try warmUp.attachGate(vad: vad, settings: SpeechGateSettings())
        run(warmUp, Array(signal[0..<48_000]))
        let stream = try pipeline.makeStream(inputRate: 16_000)
        try stream.attachGate(vad: vad, settings: SpeechGateSettings())
        allocation_counter_begin()
        run(stream, signal)
        let allocations = allocation_counter_end()
        let gate = try #require(stream.gate)
        let fed = signal.count / 160 * 160
        #expect(gate.vad.chunks == fed / gate.chunkSamples, "\(gate.vad.chunks) VAD chunks for \(fed) samples")
        let first = try #require(stream.gateCounts(model: 0)), second = try #require(stream.gateCounts(model: 1))
        #expect(first == second && first.run < first.seen && first.seen == stream.featureFrames, "\(first) \(second)")
        #expect(allocations == 0, "\(allocations) allocations")
    }
}
