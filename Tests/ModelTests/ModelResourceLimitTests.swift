import Testing
import Model
import SystemFile
#if canImport(Glibc)
import Glibc
#endif

/// Model files larger than memory, and headers that claim more than the file holds (issue 9):
/// each a clear `ModelError`, without allocating what is claimed. The multi-GiB files are sparse
/// (`ftruncate`), so the tests cost no disk and no time; the loader maps them, it never reads them.
struct ModelResourceLimitTests {
    static let eightGiB: off_t = 8 << 30

    /// Writes `bytes` at the start of a file at `path` extended (sparsely) to `size` bytes.
    static func sparseFile(_ path: String, bytes: [UInt8], size: off_t) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        try #require(fd >= 0, "open \(path): errno \(errno)")
        defer { close(fd) }
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        try #require(written == bytes.count)
        try #require(ftruncate(fd, size) == 0, "ftruncate \(path) to \(size): errno \(errno)")
    }

    @Test func sparseMultiGigabyteFileOfZerosIsBadMagic() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/huge.earshot"
        try Self.sparseFile(path, bytes: [], size: Self.eightGiB)
        let error = modelError { () throws(ModelError) in _ = try ModelFile(path: path) }
        #expect(error == .badMagic(found: [0, 0, 0, 0]))
    }

    /// A valid model followed by 8 GiB of (sparse) zeros: only the header and tensors are touched.
    @Test func validModelInsideAnEightGigabyteFileLoadsByMapping() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/padded.earshot"
        let bytes = try ModelWriter.serialize(Fixtures.small, tensors: Fixtures.tensors(for: Fixtures.small))
        try Self.sparseFile(path, bytes: bytes, size: Self.eightGiB)
        let model = try ModelFile(path: path)
        #expect(model.fileByteCount == Int(Self.eightGiB))
        #expect(model.description == Fixtures.small)
    }

    /// The GGUF header's tensor and key-value counts (u64 at bytes 8 and 16) set to 2^63 and to
    /// the largest u64 in an 8 GiB file: refused as more than the file can hold, not allocated.
    @Test func headerCountsBeyondTheFileAreRefused() throws {
        let directory = try TemporaryDirectory()
        let valid = try ModelWriter.serialize(Fixtures.small, tensors: Fixtures.tensors(for: Fixtures.small))
        for offset in [8, 16] {
            for claim in [UInt64(1) << 63, UInt64.max, UInt64(Self.eightGiB)] {
                var bytes = valid
                for i in 0..<8 { bytes[offset + i] = UInt8(truncatingIfNeeded: claim >> (8 * UInt64(i))) }
                let path = directory.path + "/count-\(offset)-\(claim).earshot"
                try Self.sparseFile(path, bytes: bytes, size: Self.eightGiB)
                let error = modelError { () throws(ModelError) in _ = try ModelFile(path: path) }
                let what = offset == 8 ? "tensor" : "key"
                guard case let .countExceedsFile(name, count, _, fileSize)? = error else {
                    Issue.record("count \(claim) at byte \(offset): expected countExceedsFile, got \(String(describing: error))")
                    continue
                }
                #expect(count == claim)
                #expect(fileSize == Int(Self.eightGiB))
                #expect(name.contains(what), "\(name)")
                #expect("\(error!)".contains("\(claim)"))
            }
        }
    }
}
