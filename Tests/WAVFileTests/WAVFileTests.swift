import Foundation
import Testing
import WAVFile

@Suite struct WAVFileRoundTripTests {
    /// Interleaved integer samples for `channels` channels, deterministic.
    static func integers(frames: Int, channels: Int, range: ClosedRange<Int>) -> [Int] {
        var state: UInt64 = 0x1234_5678
        return (0..<(frames * channels)).map { _ in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let span = UInt64(range.upperBound - range.lowerBound + 1)
            return range.lowerBound + Int((state >> 33) % span)
        }
    }

    /// Expected mono downmix: mean of the channel values, each value/scale.
    static func downmix(_ values: [Double], channels: Int) -> [Float] {
        stride(from: 0, to: values.count, by: channels).map { start in
            Float(values[start..<(start + channels)].reduce(0, +) / Double(channels))
        }
    }

    static func check(_ bytes: [UInt8], expected: [Float], channels: Int, format: WAVSampleFormat,
                      rate: Int = 16000) throws {
        let audio = try WAVFile.decode(bytes)
        #expect(audio.sampleRate == rate)
        #expect(audio.channelCount == channels)
        #expect(audio.format == format)
        #expect(audio.frameCount == expected.count)
        for (got, want) in zip(audio.samples, expected) {
            #expect(abs(got - want) <= 1e-7, "\(format) x\(channels): \(got) vs \(want)")
        }
    }

    @Test(arguments: [1, 2, 3])
    func unsigned8(channels: Int) throws {
        let values = Self.integers(frames: 101, channels: channels, range: 0...255)
        let bytes = wav(channels: channels, rate: 8000, bits: 8, data: values.map { UInt8($0) })
        try Self.check(bytes, expected: Self.downmix(values.map { Double($0 - 128) / 128 }, channels: channels),
                       channels: channels, format: .unsignedInt8, rate: 8000)
    }

    @Test(arguments: [1, 2, 6])
    func signed16(channels: Int) throws {
        let values = Self.integers(frames: 257, channels: channels, range: -32768...32767)
        let bytes = wav(channels: channels, bits: 16, data: values.flatMap { le16($0) })
        try Self.check(bytes, expected: Self.downmix(values.map { Double($0) / 32768 }, channels: channels),
                       channels: channels, format: .signedInt16)
    }

    @Test(arguments: [1, 2])
    func signed24(channels: Int) throws {
        let values = Self.integers(frames: 99, channels: channels, range: -8388608...8388607)
        let bytes = wav(channels: channels, rate: 48000, bits: 24, data: values.flatMap { Array(le32($0).prefix(3)) })
        try Self.check(bytes, expected: Self.downmix(values.map { Double($0) / 8388608 }, channels: channels),
                       channels: channels, format: .signedInt24, rate: 48000)
    }

    @Test(arguments: [1, 2])
    func signed32(channels: Int) throws {
        let values = Self.integers(frames: 64, channels: channels, range: Int(Int32.min)...Int(Int32.max))
        let bytes = wav(channels: channels, rate: 44100, bits: 32, data: values.flatMap { le32($0) })
        try Self.check(bytes, expected: Self.downmix(values.map { Double($0) / 2147483648 }, channels: channels),
                       channels: channels, format: .signedInt32, rate: 44100)
    }

    @Test(arguments: [1, 2])
    func float32(channels: Int) throws {
        let values = Self.integers(frames: 64, channels: channels, range: -1000...1000).map { Float($0) / 1000 }
        let bytes = wav(tag: 3, channels: channels, bits: 32, data: values.flatMap { le32(Int($0.bitPattern)) })
        try Self.check(bytes, expected: Self.downmix(values.map(Double.init), channels: channels),
                       channels: channels, format: .float32)
    }

    @Test func float64() throws {
        let values = [0.5, -0.25, 1.0 / 3.0, -1]
        let data = values.flatMap { value -> [UInt8] in
            let bits = value.bitPattern
            return (0..<8).map { UInt8((bits >> (8 * UInt64($0))) & 0xFF) }
        }
        try Self.check(wav(tag: 3, bits: 64, data: data), expected: values.map { Float($0) }, channels: 1,
                       format: .float64)
    }

    @Test func extensiblePCMAndFloat() throws {
        let values = Self.integers(frames: 50, channels: 2, range: -32768...32767)
        let pcm = wav(tag: 0xFFFE, channels: 2, bits: 16, data: values.flatMap { le16($0) }, subformat: subformatGUID(1))
        try Self.check(pcm, expected: Self.downmix(values.map { Double($0) / 32768 }, channels: 2),
                       channels: 2, format: .signedInt16)
        let floats: [Float] = [0.125, -0.5, 0.75]
        let float = wav(tag: 0xFFFE, bits: 32, data: floats.flatMap { le32(Int($0.bitPattern)) },
                        subformat: subformatGUID(3))
        try Self.check(float, expected: floats, channels: 1, format: .float32)
    }

    @Test func skipsUnknownChunksWithOddSizes() throws {
        let values = [1, -2, 300, -32768, 32767]
        let body = riff(
            chunk("LIST", [1, 2, 3]) + chunk("fmt ", formatBody(tag: 1, channels: 1, rate: 16000, bits: 16))
                + chunk("junk", [9]) + chunk("fact", le32(5)) + chunk("data", values.flatMap { le16($0) })
                + chunk("id3 ", [1, 2, 3, 4, 5]))
        try Self.check(body, expected: values.map { Float(Double($0) / 32768) }, channels: 1, format: .signedInt16)
    }

    @Test func ignoresAPartialLastFrameAndTrailingJunk() throws {
        // 5 bytes of 16-bit stereo data: one whole frame (4 bytes) and one stray byte.
        var bytes = wav(channels: 2, bits: 16, data: le16(16384) + le16(-16384) + [7])
        bytes += [0, 0, 0]  // trailing junk shorter than a chunk header
        let audio = try WAVFile.decode(bytes)
        #expect(audio.samples == [0])
    }

    @Test func emptyDataIsZeroFrames() throws {
        let audio = try WAVFile.decode(wav(data: []))
        #expect(audio.frameCount == 0 && audio.duration == 0)
    }
}

@Suite struct WAVFileErrorTests {
    static let validFormat = formatBody(tag: 1, channels: 1, rate: 16000, bits: 16)

    static func expectError(_ error: WAVError, _ bytes: [UInt8]) {
        #expect(throws: error) { try WAVFile.decode(bytes) }
        #expect(!error.description.isEmpty)
    }

    @Test func tooShort() { Self.expectError(.tooShort(byteCount: 11), Array("RIFF\0\0\0\0WAV".utf8)) }

    @Test func notRIFF() {
        Self.expectError(.notRIFF(found: "\"RIFX\""), riff(chunk("fmt ", Self.validFormat), riffID: "RIFX"))
        Self.expectError(.notRIFF(found: "0x00ff0102"), [0, 255, 1, 2] + Array(repeating: 0, count: 20))
    }

    @Test func notWAVE() {
        Self.expectError(.notWAVE(found: "\"AVI \""), riff(chunk("fmt ", Self.validFormat), form: "AVI "))
    }

    @Test func truncatedChunk() {
        let full = wav(data: le16(1) + le16(2) + le16(3))
        // Cut inside the data chunk: 6 bytes declared, 3 present.
        Self.expectError(.truncatedChunk(id: "\"data\"", offset: 36, declaredSize: 6, available: 3),
                         Array(full.prefix(full.count - 3)))
        // Cut inside the fmt chunk.
        Self.expectError(.truncatedChunk(id: "\"fmt \"", offset: 12, declaredSize: 16, available: 10),
                         Array(full.prefix(30)))
        // Cut inside a chunk header before any data chunk.
        Self.expectError(.truncatedChunk(id: "(header)", offset: 36, declaredSize: 8, available: 4),
                         Array(full.prefix(40)))
    }

    @Test func absurdDataSizeDoesNotAllocate() {
        // A data chunk claiming 2^32 - 1 bytes (over 2^31 frames) with 4 bytes present.
        let bytes = riff(chunk("fmt ", Self.validFormat) + chunk("data", [1, 2, 3, 4], declaredSize: 0xFFFF_FFFF))
        Self.expectError(.truncatedChunk(id: "\"data\"", offset: 36, declaredSize: 0xFFFF_FFFF, available: 4), bytes)
    }

    @Test func missingFormat() { Self.expectError(.missingFormatChunk, riff(chunk("data", [0, 0]))) }

    @Test func missingData() { Self.expectError(.missingDataChunk, riff(chunk("fmt ", Self.validFormat))) }

    @Test func formatChunkTooShort() {
        Self.expectError(.formatChunkTooShort(size: 14, needed: 16),
                         riff(chunk("fmt ", Array(Self.validFormat.prefix(14))) + chunk("data", [])))
        let extensible = formatBody(tag: 0xFFFE, channels: 1, rate: 16000, bits: 16)  // no extension
        Self.expectError(.formatChunkTooShort(size: 16, needed: 40), riff(chunk("fmt ", extensible) + chunk("data", [])))
    }

    @Test(arguments: [(2, "Microsoft ADPCM"), (6, "A-law"), (7, "mu-law"), (0x11, "IMA ADPCM"),
                      (0x55, "MPEG Layer 3"), (0x1234, "compressed or unknown")])
    func compressedFormatsAreNamed(tag: Int, name: String) {
        Self.expectError(.unsupportedFormat(tag: UInt16(tag), name: name), wav(tag: tag, bits: 4, data: [0, 0]))
        #expect(WAVError.unsupportedFormat(tag: UInt16(tag), name: name).description.contains(name))
    }

    @Test func unsupportedSubformat() {
        // KSDATAFORMAT_SUBTYPE_ALAW {00000006-0000-0010-8000-00AA00389B71}.
        Self.expectError(.unsupportedSubformat(guid: "00000006-0000-0010-8000-00AA00389B71"),
                         wav(tag: 0xFFFE, bits: 8, data: [0], subformat: subformatGUID(6)))
    }

    @Test func zeroChannels() { Self.expectError(.zeroChannels, wav(channels: 0, data: [0, 0])) }

    @Test func zeroSampleRate() { Self.expectError(.zeroSampleRate, wav(rate: 0, data: [0, 0])) }

    @Test func unsupportedBitsPerSample() {
        Self.expectError(.unsupportedBitsPerSample(bits: 12, format: "PCM"), wav(bits: 12, data: [0, 0]))
        Self.expectError(.unsupportedBitsPerSample(bits: 16, format: "IEEE float"), wav(tag: 3, bits: 16, data: [0, 0]))
    }

    @Test func blockAlignMismatch() {
        let body = formatBody(tag: 1, channels: 2, rate: 16000, bits: 16, blockAlign: 2)
        Self.expectError(.blockAlignMismatch(blockAlign: 2, channels: 2, bitsPerSample: 16),
                         riff(chunk("fmt ", body) + chunk("data", [0, 0, 0, 0])))
    }
}

@Suite struct WAVFileFuzzTests {
    /// Seeded mutations and truncations of valid files: each decodes or throws a WAVError, and
    /// never returns more frames than its bytes can hold.
    @Test func mutationsNeverCrash() {
        var state: UInt64 = 0xDEAD_BEEF
        func next(_ bound: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(max(bound, 1)))
        }
        let seeds: [[UInt8]] = [
            wav(channels: 2, bits: 16, data: (0..<64).map { UInt8($0) }),
            wav(bits: 24, data: (0..<30).map { UInt8($0 * 7 & 0xFF) }),
            wav(tag: 0xFFFE, channels: 1, bits: 32, data: (0..<16).map { UInt8($0) }, subformat: subformatGUID(3)),
            riff(chunk("LIST", [1, 2, 3]) + chunk("fmt ", formatBody(tag: 1, channels: 1, rate: 8000, bits: 8))
                + chunk("data", [1, 2, 3, 4, 5])),
        ]
        var decoded = 0, rejected = 0
        for iteration in 0..<5000 {
            var bytes = seeds[iteration % seeds.count]
            switch next(4) {
            case 0:  // truncate
                bytes = Array(bytes.prefix(next(bytes.count + 1)))
            case 1:  // flip random bytes
                for _ in 0...next(4) { bytes[next(bytes.count)] = UInt8(next(256)) }
            case 2:  // overwrite a 32-bit field with an extreme value
                let at = next(bytes.count - 3)
                let extremes = [0, 1, 0x7FFF_FFFF, 0xFFFF_FFFF, 0x8000_0000, 0xFFFF_FFFE]
                let value = le32(extremes[next(extremes.count)])
                for i in 0..<4 { bytes[at + i] = value[i] }
            default:  // insert or delete a run
                let at = next(bytes.count)
                if next(2) == 0 {
                    bytes.insert(contentsOf: (0..<next(9)).map { _ in UInt8(next(256)) }, at: at)
                } else {
                    bytes.removeSubrange(at..<min(bytes.count, at + next(9)))
                }
            }
            do {
                let audio = try WAVFile.decode(bytes)
                #expect(audio.frameCount <= bytes.count)
                #expect(audio.channelCount > 0 && audio.sampleRate > 0)
                decoded += 1
            } catch {
                #expect(!error.description.isEmpty)
                rejected += 1
            }
        }
        print("WAV fuzz: \(decoded) decoded, \(rejected) rejected with a WAVError, 0 crashes")
        #expect(decoded > 0 && rejected > 0)
    }
}

@Suite struct WAVFileRealClipTests {
    @Test func speechCommandsClipsParse() throws {
        let directory = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("shared/data/speech_commands_v0.02_subset")
        guard let labels = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else {
            try Test.cancel("skipped: \(directory.path) is absent")
        }
        var count = 0
        for label in labels.sorted() {
            let folder = directory.appendingPathComponent(label)
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else { continue }
            for name in names where name.hasSuffix(".wav") {
                let data = try #require(FileManager.default.contents(atPath: folder.appendingPathComponent(name).path))
                let bytes = [UInt8](data)
                let audio = try WAVFile.decode(bytes)
                #expect(audio.sampleRate == 16000 && audio.channelCount == 1 && audio.format == .signedInt16)
                #expect(audio.frameCount == 16000, "\(label)/\(name)")
                // The last sample is the file's last two bytes (data is the final chunk here).
                let last = Int16(bitPattern: UInt16(bytes[bytes.count - 2]) | UInt16(bytes[bytes.count - 1]) << 8)
                #expect(audio.samples.last == Float(last) / 32768)
                #expect(audio.samples.allSatisfy { $0 >= -1 && $0 < 1 })
                count += 1
            }
        }
        print("parsed \(count) real clips")
        #expect(count == 480)
    }
}
