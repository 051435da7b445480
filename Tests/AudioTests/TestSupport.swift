import Foundation
import TestSupport

/// A fresh temporary directory, removed when the value is released.
final class TemporaryDirectory {
    let path: String

    init() throws {
        let base = FileManager.default.temporaryDirectory.path
        path = base + "/earshot-audio-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func write(_ bytes: [UInt8], to name: String) throws -> String {
        let file = path + "/" + name
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        return file
    }
}

/// Little-endian bytes of integers and floats, for building raw PCM files.
extension Array where Element == UInt8 {
    mutating func appendLittleEndian<T: FixedWidthInteger>(_ value: T) {
        Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
    }
}

/// The ALSA configuration text of a capture PCM named `name` that reads the raw file `path`
/// through alsa-lib's `file` plugin over a `null` slave.
func filePluginPCM(named name: String, infile path: String) -> String {
    """
    pcm.\(name) {
        type file
        slave.pcm "null"
        file "/dev/null"
        infile "\(path)"
        format "raw"
    }
    """
}
