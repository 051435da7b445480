import Foundation

/// Files the tests read at run time and never commit: wheels installed in the repository's venv,
/// and ../shared (beside the checkout, or beside a parent of it for git worktrees).
package enum WheelAndSharedFiles {
    /// The repository root (four levels above this file, Tests/Support/TestSupport/…).
    package static func repository() -> URL {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<4 { url = url.deletingLastPathComponent() }
        return url
    }

    /// `site-packages/<relativePath>` in the venv, when it exists.
    package static func wheelFile(_ relativePath: String) -> String? {
        let lib = repository().appendingPathComponent(".venv/lib")
        guard let pythons = try? FileManager.default.contentsOfDirectory(atPath: lib.path) else { return nil }
        for python in pythons {
            let path = lib.appendingPathComponent(python).appendingPathComponent("site-packages/" + relativePath).path
            if FileManager.default.fileExists(atPath: path) { return path }
        }
        return nil
    }

    /// The silero-vad wheel's 16 kHz op15 graph, when installed.
    package static var sileroGraph: String? { wheelFile("silero_vad/data/silero_vad_16k_op15.onnx") }

    /// The first `count` .wav files of `shared/data/<relativeDirectory>`, sorted, or [] when absent.
    package static func sharedClips(_ relativeDirectory: String, count: Int) -> [String] {
        var directory = repository()
        while directory.path != "/" {
            let clips = directory.deletingLastPathComponent().appendingPathComponent("shared/data/" + relativeDirectory)
            if let files = try? FileManager.default.contentsOfDirectory(atPath: clips.path) {
                return files.filter { $0.hasSuffix(".wav") }.sorted().prefix(count).map { clips.appendingPathComponent($0).path }
            }
            directory = directory.deletingLastPathComponent()
        }
        return []
    }
}
