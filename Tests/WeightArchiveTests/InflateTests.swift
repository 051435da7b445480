import Foundation
import TestSupport
import Testing

@testable import WeightArchive

/// The DEFLATE decoder against streams made by Python's zlib (fixtures from
/// tools/fixtures/make_weight_archive_fixtures.py), checked by zlib's own CRC-32 and length.
@Suite struct InflateTests {
    struct Stream {
        var name: String
        var length: Int
        var crc32: UInt32
        var bytes: [UInt8]
    }

    static func streams() throws -> [Stream] {
        let index = try JSONSerialization.jsonObject(with: Data(fixture("inflate.json"))) as! [String: Any]
        return try (index["streams"] as! [[String: Any]]).map { entry in
            let name = entry["name"] as! String
            return Stream(
                name: name, length: entry["length"] as! Int, crc32: UInt32(entry["crc32"] as! Int),
                bytes: try fixture("\(name).deflate"))
        }
    }

    @Test func crc32MatchesPublishedCheckValues() {
        #expect(CRC32.checksum([UInt8]()) == 0)
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(CRC32.checksum(Array("The quick brown fox jumps over the lazy dog".utf8)) == 0x414F_A339)
    }

    @Test func zlibStreamsInflateToTheirRecordedContent() throws {
        let streams = try Self.streams()
        #expect(streams.count >= 14)
        for stream in streams {
            let output = try Inflate.decompress(stream.bytes, expectedSize: stream.length)
            #expect(output.count == stream.length, "\(stream.name)")
            #expect(CRC32.checksum(output) == stream.crc32, "\(stream.name)")
        }
    }

    @Test func theSameContentFromDifferentEncodersAgrees() throws {
        let streams = try Self.streams()
        let text = streams.filter { $0.name.hasPrefix("text_") || $0.name == "sync_flushed" }
        #expect(text.count == 6)
        let outputs = try text.map { try Inflate.decompress($0.bytes, expectedSize: $0.length) }
        for output in outputs { #expect(output == outputs[0]) }
        #expect(String(decoding: outputs[0].prefix(19), as: UTF8.self) == "The quick brown fox")
    }

    @Test func aSubrangeOfTheInputIsDecoded() throws {
        let stream = try Self.streams().first { $0.name == "text_fixed" }!
        let padded = [0xAA, 0xBB] + stream.bytes + [0xCC]
        let output = try Inflate.decompress(padded, range: 2..<(2 + stream.bytes.count), expectedSize: stream.length)
        #expect(CRC32.checksum(output) == stream.crc32)
    }

    @Test func everyProperPrefixIsAnError() throws {
        for stream in try Self.streams() {
            // Every cut of the small streams, about a hundred spread over each large one.
            let step = max(1, stream.bytes.count / 100)
            for length in stride(from: 0, to: stream.bytes.count, by: stream.bytes.count < 1000 ? 1 : step) {
                #expect(throws: InflateError.self, "\(stream.name) cut at \(length)") {
                    try Inflate.decompress(Array(stream.bytes[0..<length]), expectedSize: stream.length)
                }
            }
        }
    }

    @Test func aWrongExpectedSizeIsAnError() throws {
        let stream = try Self.streams().first { $0.name == "text_default" }!
        for size in [0, stream.length - 1, stream.length + 1] {
            #expect(throws: InflateError.self) { try Inflate.decompress(stream.bytes, expectedSize: size) }
        }
    }

    // Hand-made invalid streams; zlib rejects each of them too (checked with zlib.decompress(b, -15)).
    @Test func reservedBlockTypeIsRejected() {
        #expect(throws: InflateError(reason: "block type 3 is reserved", offset: 1)) {
            try Inflate.decompress([0x07], expectedSize: 0)
        }
    }

    @Test func storedLengthComplementIsChecked() {
        #expect(throws: InflateError.self) { try Inflate.decompress([0x01, 0x05, 0x00, 0x00, 0x00], expectedSize: 5) }
    }

    @Test func aDistanceBeforeTheStartIsRejected() {
        // Fixed block: length 3 (symbol 257), distance 1, with nothing written yet.
        do {
            _ = try Inflate.decompress([0x03, 0x02], expectedSize: 3)
            Issue.record("expected an error")
        } catch {
            #expect(error.reason.contains("back-reference"))
        }
    }

    @Test func randomMutationsNeverCrash() throws {
        var generator = SeededGenerator(seed: 0xDEF1A7E)
        var errors = 0, total = 0
        for stream in try Self.streams() where stream.bytes.count > 10 && stream.bytes.count < 1000 {
            for round in 0..<400 {
                let bytes = mutate(stream.bytes, round: round, using: &generator)
                total += 1
                do {
                    let output = try Inflate.decompress(bytes, expectedSize: stream.length)
                    #expect(output.count == stream.length)
                } catch {
                    errors += 1
                }
            }
        }
        #expect(total >= 2000)
        #expect(errors > total / 2)
    }
}
