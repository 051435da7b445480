import AllocationCounter
import Converter
import Foundation
import Model
import Pipeline
import TestSupport
import Testing
import WAVFile

private let sileroGraph = WheelAndSharedFiles.sileroGraph
/// Real speech: Speech Commands test clips from ../shared.
private let speechClips = WheelAndSharedFiles.sharedClips("speech_commands_v0.02_subset/yes", count: 12)

/// Twelve real clips with half a second of digital silence after each.
private func speechSignal() throws -> [Float] {
    var signal = [Float]()
    for path in speechClips {
        let audio = try WAVFile.decode([UInt8](try Data(contentsOf: URL(fileURLWithPath: path))))
        signal += audio.samples
        signal += [Float](repeating: 0, count: 8000)
    }
    return signal
}

@Suite("Silero VAD converted (VoiceActivityStream)")
struct SileroVADTests {
    @Test("process allocates nothing per chunk, counted from the first chunk",
          .enabled(if: sileroGraph != nil, "silero-vad is not installed in .venv"),
          .enabled(if: !speechClips.isEmpty, "../shared/data/speech_commands_v0.02_subset is absent"))
    func allocationFree() throws {
        let model = try sileroModel()
        let signal = try speechSignal()
        // A throwaway instance takes the Swift runtime's one-time allocations (type metadata).
        let warmUp = try VoiceActivityStream(model: model)
        signal.withUnsafeBufferPointer { _ = warmUp.process(samples: UnsafeBufferPointer(rebasing: $0[0..<2048])) }

        let stream = try VoiceActivityStream(model: model)
        var speechChunks = 0
        let allocations = signal.withUnsafeBufferPointer { samples -> Int in
            allocation_counter_begin()
            var offset = 0
            while offset + 512 <= samples.count {
                stream.process(samples: UnsafeBufferPointer(rebasing: samples[offset..<(offset + 512)]))
                if stream.probability >= 0.5 { speechChunks &+= 1 }
                offset &+= 512
            }
            return allocation_counter_end()
        }
        #expect(stream.chunks == signal.count / 512)
        #expect(speechChunks > 0 && speechChunks < stream.chunks, "\(speechChunks) of \(stream.chunks) chunks speech")
        #expect(allocations == 0, "\(allocations) allocations")
    }

    @Test("reset gives a fresh stream: the same probabilities as a new instance",
          .enabled(if: sileroGraph != nil, "silero-vad is not installed in .venv"),
          .enabled(if: !speechClips.isEmpty, "../shared/data/speech_commands_v0.02_subset is absent"))
    func resetMatchesFresh() throws {
        let model = try sileroModel()
        let signal = try speechSignal()
        let used = try VoiceActivityStream(model: model)
        // Odd-sized pieces: chunking must not depend on how the samples arrive.
        signal.withUnsafeBufferPointer { _ = used.process(samples: UnsafeBufferPointer(rebasing: $0[0..<7777])) }
        used.reset()
        #expect(used.chunks == 0 && used.probability == 0)
        let fresh = try VoiceActivityStream(model: model)
        var differences = 0
        var speech = 0
        signal.withUnsafeBufferPointer { samples in
            var offset = 0
            while offset < samples.count {
                let end = min(offset + 300, samples.count)
                fresh.process(samples: UnsafeBufferPointer(rebasing: samples[offset..<end]))
                used.process(samples: UnsafeBufferPointer(rebasing: samples[offset..<end]))
                if fresh.probability != used.probability { differences += 1 }
                if fresh.probability >= 0.5 { speech += 1 }
                offset = end
            }
        }
        #expect(differences == 0)
        #expect(speech > 0, "speech was heard, so the state mattered")
    }

    @Test("hostile graphs: every truncation and a foreign operator give errors, never a crash",
          .enabled(if: sileroGraph != nil, "silero-vad is not installed in .venv"))
    func hostileGraphs() throws {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: sileroGraph!)))
        // Truncations across the file (headers, node list, weights).
        var rejected = 0
        let fractions = Array(stride(from: 0.01, to: 1.0, by: 0.07))
        for fraction in fractions {
            let cut = Array(bytes[0..<Int(Double(bytes.count) * fraction)])
            do {
                _ = try ONNXImporter.importModel(bytes: cut)
            } catch {
                rejected += 1
            }
        }
        #expect(rejected == fractions.count)
        // An operator Earshot does not run (ReduceMean renamed ReduceMaxx) is named with its node.
        let from = Array("ReduceMean".utf8)
        let to = Array("ReduceMaxx".utf8)
        var edited = bytes
        var replaced = 0
        var i = 0
        while i + from.count <= edited.count {
            if Array(edited[i..<(i + from.count)]) == from {
                edited.replaceSubrange(i..<(i + from.count), with: to)
                replaced += 1
            }
            i += 1
        }
        #expect(replaced >= 1)
        #expect {
            _ = try ONNXImporter.importModel(bytes: edited)
        } throws: { error in
            guard let error = error as? ConversionError, case let .unsupportedOperator(node, op) = error else { return false }
            return op == "ReduceMaxx" && !node.isEmpty
        }
        // A Silero front end that cannot hold a frame is refused by name.
        var config = FrontendConfig.silero()
        config.windowLength = 100
        #expect(throws: FrontendError.self) { try config.validate() }
    }
}
