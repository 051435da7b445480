// Paths, directories, the environment and standard error: the few OS calls the CLI needs, so
// that it needs no Foundation (whose ICU data would make the board binary 50 MB larger).
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Questions about paths and the process environment, answered by the C library.
public enum FileSystem {
    /// What a path names.
    public enum Kind: Equatable, Sendable {
        case regularFile
        case directory
        case other
    }

    /// What `path` names (following symbolic links), or nil when it does not exist (`stat`).
    public static func kind(atPath path: String) -> Kind? {
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        switch status.st_mode & S_IFMT {
        case S_IFREG: return .regularFile
        case S_IFDIR: return .directory
        default: return .other
        }
    }

    /// Whether `path` exists (`stat`).
    public static func exists(_ path: String) -> Bool { kind(atPath: path) != nil }

    /// The names in directory `path`, without "." and "..", in the order the directory gives
    /// them (`opendir`, `readdir`).
    ///
    /// - Throws: `SystemFileError.open` when the directory cannot be opened.
    public static func entries(ofDirectory path: String) throws(SystemFileError) -> [String] {
        guard let directory = opendir(path) else { throw .open(path: path, errno: errno) }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// `path` made absolute with every symbolic link resolved (`realpath`), or nil when it
    /// cannot be (e.g. it does not exist).
    public static func resolvedPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// `path` without its last component ("a/b/c" -> "a/b", "c" -> ".", "/c" -> "/").
    public static func parentDirectory(of path: String) -> String {
        var trimmed = Substring(path)
        while trimmed.count > 1 && trimmed.last == "/" { trimmed.removeLast() }
        guard let slash = trimmed.lastIndex(of: "/") else { return "." }
        if slash == trimmed.startIndex { return "/" }
        return String(trimmed[..<slash])
    }

    /// The environment variable `name`, or nil when it is not set (`getenv`).
    public static func environment(_ name: String) -> String? {
        guard let value = getenv(name) else { return nil }
        return String(cString: value)
    }

    /// Sets the environment variable `name` to `value` (`setenv`).
    public static func setEnvironment(_ name: String, to value: String) {
        setenv(name, value, 1)
    }

    /// Whether standard error is a terminal (`isatty`).
    public static var standardErrorIsTerminal: Bool { isatty(STDERR_FILENO) == 1 }

    /// Writes all of `text` to standard error (`write(2)` on descriptor 2, retried after
    /// signals and partial writes; errors are ignored, as for any diagnostic).
    public static func writeStandardError(_ text: String) {
        var bytes = Array(text.utf8)
        bytes.withUnsafeMutableBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = write(STDERR_FILENO, raw.baseAddress! + offset, raw.count - offset)
                if written < 0 && errno == EINTR { continue }
                guard written > 0 else { return }
                offset += written
            }
        }
    }
}
