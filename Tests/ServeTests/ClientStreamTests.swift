import AllocationCounter
import Model
import SystemFile
import Testing
import WAVFile

@testable import Serve

/// The repository's default model and real "yes" clips from ../shared (the test is skipped without them).
private let repository: String = {
    var path = #filePath
    for _ in 0..<3 { path = String(path[..<path.lastIndex(of: "/")!]) }
    return path
}()
private let modelPath = repository + "/models/default.earshot"
private let clipDirectory = repository + "/../shared/data/speech_commands_v0.02_subset/yes"
private let clips = ["022cd682_nohash_0.wav", "105a0eea_nohash_1.wav", "1acc97de_nohash_0.wav"]
private func available(_ path: String) -> Bool { (try? MappedFile(path: path)) != nil }

@Suite("ClientStream: one client's audio through the served models")
struct ClientStreamTests {
    /// 48 kHz stereo s16le bytes: the clips (16 kHz) with 1 s of silence after each, each sample
    /// repeated 3 times and written to both channels.
    static func stereo48k() throws -> [UInt8] {
        var bytes: [UInt8] = []
        for clip in clips {
            let file = try MappedFile(path: clipDirectory + "/" + clip)
            let audio = try withExtendedLifetime(file) { try WAVFile.decode(file.bytes) }
            for sample in audio.samples + [Float](repeating: 0, count: 16_000) {
                let value = Int16(max(-32768, min(32767, (sample * 32768).rounded())))
                for _ in 0..<6 {   // 3 × upsampling, 2 channels
                    bytes.append(UInt8(truncatingIfNeeded: value))
                    bytes.append(UInt8(truncatingIfNeeded: value >> 8))
                }
            }
        }
        return bytes
    }

    @Test("no allocation per chunk, at audio-stop or at a new audio-start (48 kHz stereo, resampled and downmixed), detections included",
          .enabled(if: available(modelPath) && available(clipDirectory + "/" + clips[0]), "needs models/default.earshot and ../shared"))
    func allocationFree() throws {
        let served = try ServedModel(name: "default", file: try ModelFile(path: modelPath))
        let catalog = KeywordCatalog(models: [served])
        let stream = try ClientStream(models: [served], catalog: catalog, rate: 48_000, width: 2, channels: 2)
        let audio = try Self.stereo48k()
        let chunkBytes = 1024 * 4   // 1024 frames, as Home Assistant's satellites send
        var detections = 0
        var allocations = 0
        audio.withUnsafeBytes { raw in
            // Warm-up over the first clip (2 s): first-use work in the runtime (lazy one-time
            // set-up on a network's first run) happens here, not below.
            var warm = 0
            while warm + chunkBytes <= 2 * 48_000 * 4 {
                stream.process(UnsafeRawBufferPointer(rebasing: raw[warm..<(warm + chunkBytes)]))
                warm += chunkBytes
            }
            stream.reset()
            allocation_counter_begin()
            for _ in 0..<3 {
                var offset = 0
                while offset + chunkBytes <= raw.count {
                    stream.process(UnsafeRawBufferPointer(rebasing: raw[offset..<(offset + chunkBytes)]))
                    detections &+= stream.detections.count
                    offset &+= chunkBytes
                }
                stream.finish()
                detections &+= stream.detections.count
                stream.reset()
            }
            allocations = allocation_counter_end()
        }
        #expect(allocation_counter_is_active() == 1)
        #expect(allocations == 0, "\(allocations) allocations over \(3 * audio.count / chunkBytes) chunks")
        #expect(detections > 0, "the detection path was not exercised")
    }

    @Test("downmixing: a stereo stream whose channels are equal gives the mono stream's detections",
          .enabled(if: available(modelPath) && available(clipDirectory + "/" + clips[0]), "needs models/default.earshot and ../shared"))
    func stereoEqualsMono() throws {
        let served = try ServedModel(name: "default", file: try ModelFile(path: modelPath))
        let catalog = KeywordCatalog(models: [served])
        let stereo = try Self.stereo48k()
        // The same audio as 48 kHz mono: the left channel.
        var mono: [UInt8] = []
        for f in 0..<(stereo.count / 4) { mono.append(stereo[4 * f]); mono.append(stereo[4 * f + 1]) }
        func run(_ bytes: [UInt8], channels: Int) throws -> [StreamDetection] {
            let stream = try ClientStream(models: [served], catalog: catalog, rate: 48_000, width: 2, channels: channels)
            var found: [StreamDetection] = []
            bytes.withUnsafeBytes { raw in
                let chunk = 960 * 2 * channels
                var offset = 0
                while offset < raw.count {
                    stream.process(UnsafeRawBufferPointer(rebasing: raw[offset..<min(offset + chunk, raw.count)]))
                    found += stream.detections.items
                    offset += chunk
                }
            }
            stream.finish()
            return found + stream.detections.items
        }
        let fromStereo = try run(stereo, channels: 2)
        #expect(!fromStereo.isEmpty)
        #expect(fromStereo == (try run(mono, channels: 1)))
    }

    @Test("formats outside the accepted ranges are refused with the value")
    func refusesFormats() throws {
        guard available(modelPath) else { return }
        let served = try ServedModel(name: "default", file: try ModelFile(path: modelPath))
        let catalog = KeywordCatalog(models: [served])
        #expect(throws: ServeError.unsupportedAudio("sample width 5 bytes is outside 1...4")) {
            _ = try ClientStream(models: [served], catalog: catalog, rate: 16_000, width: 5, channels: 1)
        }
        #expect(throws: ServeError.unsupportedAudio("0 channels is outside 1...16")) {
            _ = try ClientStream(models: [served], catalog: catalog, rate: 16_000, width: 2, channels: 0)
        }
    }
}
