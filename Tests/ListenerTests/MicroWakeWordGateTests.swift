import AllocationCounter
import Foundation
import Model
import Pipeline
import Spotter
import TestSupport
import Testing
import WAVFile

private let gateClips = WheelAndSharedFiles.sharedClips("speech_commands_v0.02_subset/go", count: 2)

private func silence(_ seconds: Double) -> [Float] { [Float](repeating: 0, count: Int(seconds * 16_000)) }

private func gateClip(_ index: Int) throws -> [Float] {
    try WAVFile.decode([UInt8](try Data(contentsOf: URL(fileURLWithPath: gateClips[index])))).samples
}

/// The wheel's microWakeWord models at cutoff 0: every full probability window is a detection, so
/// an event marks each window the rule completes.
private func zeroCutoffPipeline() throws -> Pipeline {
    let graphs = try microWakeWordWheelModels.map(importMicroWakeWordWheelModel)
    var settings = DetectorSettings()
    for graph in graphs { settings.thresholds[graph.wakeWord.name] = 0 }
    return try Pipeline(graphs: graphs, detector: settings)
}

@Suite("Voice-activity gate in front of microWakeWord models (one VAD for all, pre-roll replay)")
struct MicroWakeWordGateTests {
    @Test("gaps the 2.5 s pre-roll covers: every model's gated events are its ungated ones",
          .enabled(if: !microWakeWordWheelModels.isEmpty, "pymicro-wakeword is not installed in .venv"),
          .enabled(if: WheelAndSharedFiles.sileroGraph != nil, "silero-vad is not installed in .venv"),
          .enabled(if: gateClips.count == 2, "../shared/data/speech_commands_v0.02_subset is absent"))
    func exactReplay() throws {
        let pipeline = try zeroCutoffPipeline()
        let signal = try silence(1) + gateClip(0) + silence(2) + gateClip(1) + silence(0.5)
        let plain = streamEvents(try pipeline.makeStream(inputRate: 16_000), signal, period: 160)
        let stream = try pipeline.makeStream(inputRate: 16_000)
        try stream.attachGate(vad: sileroModel(), settings: SpeechGateSettings())
        let gated = streamEvents(stream, signal, period: 160)
        let gate = try #require(stream.gate)
        #expect(gate.openings >= 2, "the gate closed between the words and opened again (\(gate.openings) openings)")
        #expect(!plain.isEmpty)
        // A replay runs each model's pre-roll in turn; the stream reports the events in time order.
        #expect(zip(gated, gated.dropFirst()).allSatisfy { $0.time <= $1.time }, "gated events out of time order")
        #expect(Set(gated.map { $0.modelIndex }).count >= 2, "events from more than one model")
        func ordered(_ events: [PipelineEvent]) -> [[Double]] {
            events.map { [$0.time, Double($0.modelIndex), Double($0.score)] }.sorted { $0.lexicographicallyPrecedes($1) }
        }
        #expect(ordered(gated) == ordered(plain))
    }

    @Test("a 5 s silence: the networks rest, one VAD for all models, 0 allocations per period",
          .enabled(if: !microWakeWordWheelModels.isEmpty, "pymicro-wakeword is not installed in .venv"),
          .enabled(if: WheelAndSharedFiles.sileroGraph != nil, "silero-vad is not installed in .venv"),
          .enabled(if: gateClips.count == 2, "../shared/data/speech_commands_v0.02_subset is absent"))
    func gatedAllocationFree() throws {
        let pipeline = try zeroCutoffPipeline()
        let vad = try sileroModel()
        let signal = try silence(5) + gateClip(0) + silence(5) + gateClip(1) + silence(0.5)
        // Stated warm-up: a throwaway gated stream takes the process's one-time runtime allocations.
        let warm = try pipeline.makeStream(inputRate: 16_000)
        try warm.attachGate(vad: vad, settings: SpeechGateSettings())
        _ = streamEvents(warm, try silence(3) + gateClip(1), period: 160)
        let stream = try pipeline.makeStream(inputRate: 16_000)
        try stream.attachGate(vad: vad, settings: SpeechGateSettings())
        let (allocations, _, _) = countStreamAllocations(stream, signal, period: 160)
        #expect(allocations == 0, "\(allocations) allocations")
        let gate = try #require(stream.gate)
        // One VAD for all four models: one chunk per 512 samples (the last partial one aside), not four.
        #expect(abs(gate.vad.chunks - signal.count / 512) <= 1, "\(gate.vad.chunks) VAD chunks for \(signal.count) samples")
        for model in 0..<pipeline.parts.count {
            let counts = try #require(stream.gateCounts(model: model))
            #expect(counts.run < counts.seen && counts.run > 0, "model \(model): \(counts.run) of \(counts.seen) steps")
        }
    }
}
