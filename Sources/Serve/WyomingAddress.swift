#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Where the server listens: `tcp://HOST:PORT` (IPv4, IPv6 in brackets, or a name; port 0 picks a
/// free port) or `unix://PATH` (a Unix-domain stream socket), as other Wyoming servers spell it.
public enum WyomingAddress: Equatable, Sendable, CustomStringConvertible {
    case tcp(host: String, port: Int)
    case unix(path: String)

    /// - Throws: `ServeError.invalidAddress`.
    public init(parsing text: String) throws(ServeError) {
        if text.hasPrefix("unix://") {
            let path = String(text.dropFirst("unix://".count))
            // sun_path holds 108 bytes including the terminating zero.
            guard !path.isEmpty, path.utf8.count < 108, !path.utf8.contains(0) else { throw .invalidAddress(text) }
            self = .unix(path: path)
            return
        }
        guard text.hasPrefix("tcp://") else { throw .invalidAddress(text) }
        let rest = text.dropFirst("tcp://".count)
        guard let colon = rest.lastIndex(of: ":"), let port = Int(rest[rest.index(after: colon)...]), (0...65_535).contains(port) else {
            throw .invalidAddress(text)
        }
        var host = String(rest[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty, !host.utf8.contains(0) else { throw .invalidAddress(text) }
        self = .tcp(host: host, port: port)
    }

    public var description: String {
        switch self {
        case let .tcp(host, port): return host.contains(":") ? "tcp://[\(host)]:\(port)" : "tcp://\(host):\(port)"
        case let .unix(path): return "unix://\(path)"
        }
    }
}

/// A listening socket.
struct ListeningSocket {
    let descriptor: Int32
    /// The address actually bound (the port filled in when 0 was asked for).
    let address: WyomingAddress

    /// Binds and listens. A stale Unix socket file (one nobody accepts on) is replaced; any
    /// other file at the path is left alone and reported.
    ///
    /// - Throws: `ServeError.system` naming the call that failed.
    init(_ address: WyomingAddress, backlog: Int32 = 16) throws(ServeError) {
        switch address {
        case let .unix(path):
            var addr = sockaddr_un()
            addr.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &addr.sun_path) { raw in
                for (i, byte) in path.utf8.enumerated() { raw[i] = byte }
                raw[path.utf8.count] = 0
            }
            var info = stat()
            if lstat(path, &info) == 0 {
                guard info.st_mode & S_IFMT == S_IFSOCK else {
                    throw .system(call: "bind", detail: "\(path) exists and is not a socket", errno: EEXIST)
                }
                unlink(path)
            }
            let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard fd >= 0 else { throw .system(call: "socket", detail: "AF_UNIX", errno: errno) }
            let bound = withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
            guard bound == 0 else {
                let number = errno
                close(fd)
                throw .system(call: "bind", detail: path, errno: number)
            }
            guard listen(fd, backlog) == 0 else {
                let number = errno
                close(fd)
                throw .system(call: "listen", detail: path, errno: number)
            }
            descriptor = fd
            self.address = address
        case let .tcp(host, port):
            var hints = addrinfo()
            hints.ai_family = AF_UNSPEC
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
            hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV
            var list: UnsafeMutablePointer<addrinfo>?
            let status = getaddrinfo(host, String(port), &hints, &list)
            guard status == 0, let first = list else {
                throw .system(call: "getaddrinfo", detail: "\(host): \(String(cString: gai_strerror(status)))", errno: 0)
            }
            defer { freeaddrinfo(list) }
            let fd = socket(first.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard fd >= 0 else { throw .system(call: "socket", detail: host, errno: errno) }
            var one: Int32 = 1
            setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
            guard bind(fd, first.pointee.ai_addr, first.pointee.ai_addrlen) == 0 else {
                let number = errno
                close(fd)
                throw .system(call: "bind", detail: "\(host):\(port)", errno: number)
            }
            guard listen(fd, backlog) == 0 else {
                let number = errno
                close(fd)
                throw .system(call: "listen", detail: "\(host):\(port)", errno: number)
            }
            var storage = sockaddr_storage()
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            var boundPort = port
            let named = withUnsafeMutablePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
            }
            if named == 0 {
                // sin_port and sin6_port sit at the same offset, in network byte order.
                let raw = withUnsafeBytes(of: &storage) { UInt16($0[2]) << 8 | UInt16($0[3]) }
                boundPort = Int(raw)
            }
            descriptor = fd
            self.address = .tcp(host: host, port: boundPort)
        }
    }

    /// Closes the socket (and removes a Unix socket's file).
    func closeSocket() {
        close(descriptor)
        if case let .unix(path) = address { unlink(path) }
    }
}
