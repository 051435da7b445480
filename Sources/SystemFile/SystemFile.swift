// The one module that talks to the operating system about files: open, fstat, mmap, read,
// write, fsync, rename. Everything else in Earshot sees bytes.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// MARK: - Errors

/// A failed file operation, with the path involved and the C library's `errno`.
///
/// `description` reads as a sentence, e.g. `cannot open 'x.earshot': No such file or directory`.
public enum SystemFileError: Error, Equatable, Sendable, CustomStringConvertible {
    /// `open(2)` failed.
    case open(path: String, errno: Int32)
    /// `fstat(2)` failed.
    case stat(path: String, errno: Int32)
    /// `mmap(2)` failed.
    case map(path: String, errno: Int32)
    /// `read(2)` failed.
    case read(path: String, errno: Int32)
    /// `write(2)` failed (or wrote nothing).
    case write(path: String, errno: Int32)
    /// `fsync(2)` failed.
    case sync(path: String, errno: Int32)
    /// `close(2)` failed (for a written file this can mean lost data).
    case close(path: String, errno: Int32)
    /// `rename(2)` of the finished temporary file over the target failed.
    case rename(from: String, to: String, errno: Int32)
    /// The path names a directory where a file was expected.
    case isDirectory(path: String)
    /// The path names something other than a regular file (device, FIFO, socket).
    case notRegularFile(path: String)
    /// The file is larger than this process can address.
    case tooLarge(path: String, size: Int64)

    public var description: String {
        switch self {
        case let .open(path, code): return "cannot open '\(path)': \(Self.message(code))"
        case let .stat(path, code): return "cannot get the status of '\(path)': \(Self.message(code))"
        case let .map(path, code): return "cannot memory-map '\(path)': \(Self.message(code))"
        case let .read(path, code): return "cannot read '\(path)': \(Self.message(code))"
        case let .write(path, code): return "cannot write '\(path)': \(Self.message(code))"
        case let .sync(path, code): return "cannot flush '\(path)' to disk: \(Self.message(code))"
        case let .close(path, code): return "cannot close '\(path)': \(Self.message(code))"
        case let .rename(from, to, code):
            return "cannot rename '\(from)' to '\(to)': \(Self.message(code))"
        case let .isDirectory(path): return "'\(path)' is a directory, not a file"
        case let .notRegularFile(path): return "'\(path)' is not a regular file"
        case let .tooLarge(path, size): return "'\(path)' is too large (\(size) bytes) to load"
        }
    }

    /// `strerror(code)` as a Swift string.
    static func message(_ code: Int32) -> String {
        guard let text = strerror(code) else { return "error \(code)" }
        return String(cString: text)
    }
}

// MARK: - Shims (one per C call, retrying EINTR)

@inline(__always) private func currentErrno() -> Int32 { errno }

private func systemOpen(_ path: String, _ flags: Int32, _ mode: mode_t = 0) -> Int32 {
    while true {
        let fd = open(path, flags, mode)
        if fd >= 0 || currentErrno() != EINTR { return fd }
    }
}

private func isDirectoryMode(_ mode: mode_t) -> Bool { (mode & S_IFMT) == S_IFDIR }
private func isRegularMode(_ mode: mode_t) -> Bool { (mode & S_IFMT) == S_IFREG }

/// Opens `path` read-only and returns the descriptor and its size; rejects directories and
/// anything that is not a regular file. The caller closes the descriptor.
private func openRegularFile(_ path: String) throws(SystemFileError) -> (fd: Int32, size: Int) {
    let fd = systemOpen(path, O_RDONLY | O_CLOEXEC)
    if fd < 0 { throw .open(path: path, errno: currentErrno()) }
    var status = stat()
    if fstat(fd, &status) != 0 {
        let code = currentErrno()
        _ = close(fd)
        throw .stat(path: path, errno: code)
    }
    if isDirectoryMode(status.st_mode) {
        _ = close(fd)
        throw .isDirectory(path: path)
    }
    if !isRegularMode(status.st_mode) {
        _ = close(fd)
        throw .notRegularFile(path: path)
    }
    let size = Int64(status.st_size)
    guard size >= 0, size <= Int64(Int.max / 2) else {
        _ = close(fd)
        throw .tooLarge(path: path, size: size)
    }
    return (fd, Int(size))
}

// MARK: - MappedFile

/// A whole regular file mapped read-only into memory (`mmap(PROT_READ, MAP_PRIVATE)`).
///
/// The mapping lives as long as this object; `bytes` must not be used after it is released.
/// An empty file gives an empty buffer (nothing is mapped). Wraps `open`, `fstat`, `mmap`, `munmap`.
public final class MappedFile: @unchecked Sendable {
    /// The file's contents; `count` is the file size at the time it was mapped.
    public let bytes: UnsafeRawBufferPointer
    /// The path the file was opened with.
    public let path: String

    /// Maps the file at `path`.
    ///
    /// - Throws: `SystemFileError.open`, `.stat`, `.map`, `.isDirectory`, `.notRegularFile`, `.tooLarge`.
    public init(path: String) throws(SystemFileError) {
        self.path = path
        let (fd, size) = try openRegularFile(path)
        defer { _ = close(fd) }
        if size == 0 {
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        guard let address = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0),
              address != MAP_FAILED
        else {
            throw .map(path: path, errno: currentErrno())
        }
        bytes = UnsafeRawBufferPointer(start: address, count: size)
    }

    deinit {
        if let base = bytes.baseAddress {
            _ = munmap(UnsafeMutableRawPointer(mutating: base), bytes.count)
        }
    }
}

// MARK: - Whole-file read and atomic write

/// Whole-file helpers. Every function wraps the C calls named in its documentation.
public enum SystemFile {
    /// The whole contents of the regular file at `path` (`open`, `fstat`, `read` until end of file).
    ///
    /// - Throws: `SystemFileError.open`, `.stat`, `.read`, `.isDirectory`, `.notRegularFile`, `.tooLarge`.
    public static func readAll(path: String) throws(SystemFileError) -> [UInt8] {
        let (fd, size) = try openRegularFile(path)
        defer { _ = close(fd) }
        var result = [UInt8]()
        // The size is a hint only: the file may grow or shrink while it is read.
        var capacity = max(size + 1, 4096)
        result.reserveCapacity(capacity)
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let got = chunk.withUnsafeMutableBytes { buffer in
                read(fd, buffer.baseAddress, buffer.count)
            }
            if got < 0 {
                let code = currentErrno()
                if code == EINTR { continue }
                throw .read(path: path, errno: code)
            }
            if got == 0 { break }
            if result.count + got > capacity {
                capacity = max(capacity * 2, result.count + got)
                result.reserveCapacity(capacity)
            }
            result.append(contentsOf: chunk[0..<got])
        }
        return result
    }

    /// Replaces the file at `path` with `bytes` so that readers see either the old file or the
    /// complete new one, never a partial write.
    ///
    /// Writes a temporary file in the same directory (`open(O_CREAT|O_EXCL)`, `write`, `fsync`,
    /// `close`), then `rename`s it over `path` and `fsync`s the directory (best effort). On any
    /// failure the temporary file is removed (`unlink`) and the old file is left untouched.
    ///
    /// - Throws: `SystemFileError.open`, `.write`, `.sync`, `.close`, `.rename`, `.isDirectory`.
    public static func writeAtomically(_ bytes: [UInt8], to path: String) throws(SystemFileError) {
        let (directory, base) = split(path)
        var status = stat()
        if stat(path, &status) == 0 && isDirectoryMode(status.st_mode) {
            throw .isDirectory(path: path)
        }
        var temporary = ""
        var fd: Int32 = -1
        for _ in 0..<16 {
            let tag = String(UInt64.random(in: 0...UInt64.max), radix: 36)
            temporary = (directory.isEmpty ? "" : directory + "/") + ".\(base).\(tag).tmp"
            fd = systemOpen(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
            if fd >= 0 || currentErrno() != EEXIST { break }
        }
        if fd < 0 { throw .open(path: temporary, errno: currentErrno()) }

        var failure: SystemFileError? = nil
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    let code = currentErrno()
                    if code == EINTR { continue }
                    failure = .write(path: temporary, errno: code)
                    return
                }
                if written == 0 {
                    failure = .write(path: temporary, errno: EIO)
                    return
                }
                offset += written
            }
        }
        if failure == nil && fsync(fd) != 0 {
            failure = .sync(path: temporary, errno: currentErrno())
        }
        if close(fd) != 0 && failure == nil {
            failure = .close(path: temporary, errno: currentErrno())
        }
        if failure == nil && rename(temporary, path) != 0 {
            failure = .rename(from: temporary, to: path, errno: currentErrno())
        }
        if let failure {
            _ = unlink(temporary)
            throw failure
        }
        // Make the rename itself durable; a failure here loses nothing already visible.
        let directoryFD = systemOpen(directory.isEmpty ? "." : directory, O_RDONLY | O_CLOEXEC)
        if directoryFD >= 0 {
            _ = fsync(directoryFD)
            _ = close(directoryFD)
        }
    }

    /// (directory, last component) of a path; the directory is "" for a bare file name.
    static func split(_ path: String) -> (directory: String, base: String) {
        guard let slash = path.lastIndex(of: "/") else { return ("", path) }
        let directory = String(path[..<slash])
        let base = String(path[path.index(after: slash)...])
        return (directory.isEmpty ? "/" : directory, base)
    }
}
