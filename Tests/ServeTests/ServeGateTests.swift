import AllocationCounter
import Converter
import Foundation
import Model
import Pipeline
import SystemFile
import TestSupport
import Testing

@testable import Serve

private let repository = WheelAndSharedFiles.repository()
private let sileroGraph = WheelAndSharedFiles.sileroGraph

private func vadModel() throws -> ModelFile {
    let imported = try ONNXImporter.importModel(bytes: [UInt8](try Data(contentsOf: URL(fileURLWithPath: sileroGraph!))))
    return try ModelFile(bytes: ModelWriter.serialize(imported.description, tensors: imported.tensors))
}

/// 48 kHz stereo s16le: 2 s of silence, then a 0.6 s burst of noise-like tones, 2 s of silence, repeated.
private func stereo48k(seconds: Int) -> [UInt8] {
    var bytes: [UInt8] = []
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    for i in 0..<(seconds * 48_000) {
        let t = Double(i % (48_000 * 3)) / 48_000
        var value: Int16 = 0
        if t >= 2.0 && t < 2.6 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            value = Int16(truncatingIfNeeded: Int64(state >> 52) - 2048) &* 4
        }
        for _ in 0..<2 {
            bytes.append(UInt8(truncatingIfNeeded: value))
            bytes.append(UInt8(truncatingIfNeeded: value >> 8))
        }
    }
    return bytes
}

@Suite("serve --vad: the gate in each client's model stream")
struct ServeGateTests {
    @Test("a gated client stream allocates nothing per chunk (48 kHz stereo), audio-stop and reset included",
          .enabled(if: sileroGraph != nil, "silero-vad is not installed in .venv"))
    func allocationFree() throws {
        let file = try ModelFile(path: repository.appendingPathComponent("models/wakeword/view_glass.earshot").path)
        let served = try ServedModel(name: "view_glass", file: file)
        served.vad = (try vadModel(), SpeechGateSettings())
        let catalog = KeywordCatalog(models: [served])
        let stream = try ClientStream(models: [served], catalog: catalog, rate: 48_000, width: 2, channels: 2)
        let audio = stereo48k(seconds: 12)
        let chunkBytes = 1024 * 4
        var allocations = 0
        audio.withUnsafeBytes { raw in
            var warm = 0
            while warm + chunkBytes <= 3 * 48_000 * 4 {
                stream.process(UnsafeRawBufferPointer(rebasing: raw[warm..<(warm + chunkBytes)]))
                warm += chunkBytes
            }
            stream.reset()
            allocation_counter_begin()
            var offset = 0
            while offset + chunkBytes <= raw.count {
                stream.process(UnsafeRawBufferPointer(rebasing: raw[offset..<(offset + chunkBytes)]))
                offset &+= chunkBytes
            }
            stream.finish()
            stream.reset()
            allocations = allocation_counter_end()
        }
        #expect(allocations == 0, "\(allocations) allocations")
    }

    @Test("a windowed model with a VAD is refused with its name",
          .enabled(if: sileroGraph != nil, "silero-vad is not installed in .venv"))
    func windowedRefused() throws {
        let file = try ModelFile(path: repository.appendingPathComponent("models/default.earshot").path)
        let served = try ServedModel(name: "default", file: file)
        served.vad = (try vadModel(), SpeechGateSettings())
        let catalog = KeywordCatalog(models: [served])
        #expect(throws: ServeError.self) {
            _ = try ClientStream(models: [served], catalog: catalog, rate: 16_000, width: 2, channels: 1)
        }
    }
}
