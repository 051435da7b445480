import TestSupport
import Testing
import SystemFile
#if canImport(Glibc)
import Glibc
#endif

struct SystemFileTests {
    @Test func writeReadAndMapAgree() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/data.bin"
        var random = SeededGenerator(seed: 3)
        let bytes = (0..<100_000).map { _ in UInt8.random(in: 0...255, using: &random) }
        try SystemFile.writeAtomically(bytes, to: path)
        #expect(try SystemFile.readAll(path: path) == bytes)
        let mapped = try MappedFile(path: path)
        #expect(mapped.bytes.count == bytes.count)
        #expect(Array(mapped.bytes) == bytes)
        #expect(mapped.path == path)
        #expect(directory.entries() == ["data.bin"])
    }

    @Test func replacesExistingFileWhole() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/data.bin"
        try SystemFile.writeAtomically([UInt8](repeating: 1, count: 5000), to: path)
        try SystemFile.writeAtomically([2, 3], to: path)
        #expect(try SystemFile.readAll(path: path) == [2, 3])
        #expect(directory.entries() == ["data.bin"])
    }

    @Test func emptyFile() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/empty"
        try SystemFile.writeAtomically([], to: path)
        #expect(try SystemFile.readAll(path: path) == [])
        let mapped = try MappedFile(path: path)
        #expect(mapped.bytes.count == 0)
    }

    @Test func missingFileErrorReadsAsSentence() {
        #expect(throws: SystemFileError.open(path: "/nonexistent/x.earshot", errno: ENOENT)) {
            try MappedFile(path: "/nonexistent/x.earshot")
        }
        #expect(throws: SystemFileError.open(path: "/nonexistent/x.earshot", errno: ENOENT)) {
            try SystemFile.readAll(path: "/nonexistent/x.earshot")
        }
        #expect(SystemFileError.open(path: "x.earshot", errno: ENOENT).description
            == "cannot open 'x.earshot': No such file or directory")
    }

    @Test func directoryIsAnError() throws {
        let directory = try TemporaryDirectory()
        #expect(throws: SystemFileError.isDirectory(path: directory.path)) { try MappedFile(path: directory.path) }
        #expect(throws: SystemFileError.isDirectory(path: directory.path)) { try SystemFile.readAll(path: directory.path) }
        #expect(throws: SystemFileError.isDirectory(path: directory.path)) { try SystemFile.writeAtomically([1], to: directory.path) }
    }

    @Test func deviceIsNotARegularFile() {
        #expect(throws: SystemFileError.notRegularFile(path: "/dev/null")) { try MappedFile(path: "/dev/null") }
    }

    /// A write that cannot complete leaves the old file as it was and no temporary behind.
    @Test func failedWriteKeepsOldFile() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/keep.bin"
        try SystemFile.writeAtomically([9, 9, 9], to: path)
        // The parent is a file, so the temporary cannot be created (works even as root).
        let error = #expect(throws: SystemFileError.self) {
            try SystemFile.writeAtomically([1], to: path + "/child")
        }
        guard case let .open(_, code)? = error else {
            Issue.record("expected an open error, got \(String(describing: error))")
            return
        }
        #expect(code == ENOTDIR)
        #expect(try SystemFile.readAll(path: path) == [9, 9, 9])
        #expect(directory.entries() == ["keep.bin"])
    }
}
