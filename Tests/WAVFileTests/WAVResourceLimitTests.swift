import Glibc
import Testing
import WAVFile

/// WAV headers that claim 2^32 frames (issue 9): a clear `WAVError`, without allocating the
/// samples. The 4 GiB file is sparse (`ftruncate`) and mapped, never read.
struct WAVResourceLimitTests {
    /// 8-bit mono with the largest data chunk a RIFF header can declare (2^32 - 1 frames), in a
    /// 44-byte file: the chunk runs past the end.
    @Test func headerClaimingTwoToThe32FramesInASmallFileIsTruncated() throws {
        let header = riff(chunk("fmt ", formatBody(tag: 1, channels: 1, rate: 16000, bits: 8))
            + Array("data".utf8) + le32(0xFFFF_FFFF))
        #expect(throws: WAVError.truncatedChunk(id: "\"data\"", offset: 36, declaredSize: 0xFFFF_FFFF, available: 0)) {
            try WAVFile.decode(header)
        }
    }

    /// The same header in a sparse file that really holds the 2^32 - 1 frames: refused by the
    /// frame limit (16 GiB of Float samples), before anything is allocated for them.
    @Test func twoToThe32FramesPresentAreRefusedByTheFrameLimit() throws {
        let dataSize = 0xFFFF_FFFF
        let header = Array("RIFF".utf8) + le32(0xFFFF_FFFF) + Array("WAVE".utf8)
            + chunk("fmt ", formatBody(tag: 1, channels: 1, rate: 16000, bits: 8)) + Array("data".utf8) + le32(dataSize)
        var template = Array("/tmp/earshot-wav-limit-XXXXXX".utf8CString)
        let fd = mkstemp(&template)
        try #require(fd >= 0, "mkstemp: errno \(errno)")
        let path = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        defer {
            close(fd)
            unlink(path)
        }
        let size = header.count + dataSize + 1  // + the pad byte of the odd-sized chunk
        try #require(header.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) } == header.count)
        try #require(ftruncate(fd, off_t(size)) == 0, "ftruncate: errno \(errno)")
        let mapped = try #require(mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0))
        try #require(mapped != MAP_FAILED, "mmap: errno \(errno)")
        defer { munmap(mapped, size) }
        let bytes = UnsafeRawBufferPointer(start: mapped, count: size)
        #expect(throws: WAVError.tooManyFrames(frames: dataSize, limit: WAVFile.defaultMaximumFrames)) {
            try WAVFile.decode(bytes)
        }
        let message = "\(WAVError.tooManyFrames(frames: dataSize, limit: WAVFile.defaultMaximumFrames))"
        #expect(message.contains("4294967295 frames") && message.contains("268435456"), "\(message)")
    }

    /// The limit is the caller's: a file of exactly `maximumFrames` frames decodes, one more is refused.
    @Test func frameLimitIsInclusive() throws {
        let file = wav(bits: 16, data: [UInt8](repeating: 0, count: 20))  // 10 frames
        #expect(try WAVFile.decode(file, maximumFrames: 10).frameCount == 10)
        #expect(throws: WAVError.tooManyFrames(frames: 10, limit: 9)) { try WAVFile.decode(file, maximumFrames: 9) }
    }
}
