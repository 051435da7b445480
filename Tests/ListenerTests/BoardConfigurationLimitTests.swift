import Foundation
import Listener
import Testing

/// A board configuration with a 1 GiB string (issue 9): refused by its size before it is read.
/// The file is sparse (`ftruncate`): it costs no disk, and the reader only maps it.
struct BoardConfigurationLimitTests {
    @Test func gigabyteStringIsRefusedBeforeReading() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write(Array(#"{"board": ""#.utf8), to: "huge.json")
        // A 1 GiB string of NUL bytes: the file is never closed with `"}`, so only the size can refuse it.
        #expect(truncate(path, 1 << 30) == 0, "truncate: errno \(errno)")
        let error = #expect(throws: BoardConfigurationError.self) { try BoardConfiguration.load(path: path) }
        let text = error.map { "\($0)" } ?? ""
        #expect(text.contains(path), "\(text)")
        #expect(text.contains("\(1 << 30) bytes") && text.contains("at most 1 MiB"), "\(text)")
    }

    /// Just over the cap is refused; a valid file padded with spaces up to the cap is read.
    @Test func capIsOneMebibyte() throws {
        let directory = try TemporaryDirectory()
        let body = Array(#"{"board": "padded"}"#.utf8)
        let limit = BoardConfiguration.maximumFileBytes
        #expect(limit == 1 << 20)
        let fits = try directory.write(body + [UInt8](repeating: 0x20, count: limit - body.count), to: "fits.json")
        #expect(try BoardConfiguration.load(path: fits).board == "padded")
        let over = try directory.write(body + [UInt8](repeating: 0x20, count: limit - body.count + 1), to: "over.json")
        let error = #expect(throws: BoardConfigurationError.self) { try BoardConfiguration.load(path: over) }
        #expect(error.map { "\($0)" }?.contains("\(limit + 1) bytes") == true)
        #expect(throws: BoardConfigurationError.self) {
            try BoardConfiguration.parse(body + [UInt8](repeating: 0x20, count: limit), source: "bytes")
        }
    }
}
