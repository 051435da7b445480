import SystemFile

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
            do {
                descriptor = try SystemSocket.listenUnix(path: path, backlog: backlog)
            } catch {
                throw .system(error, detail: error.call == "socket" ? "AF_UNIX" : path)
            }
            self.address = address
        case let .tcp(host, port):
            do {
                let (fd, bound) = try SystemSocket.listenTCP(host: host, port: port, backlog: backlog)
                descriptor = fd
                self.address = .tcp(host: host, port: bound)
            } catch {
                if let reason = error.reason { throw .system(call: error.call, detail: "\(host): \(reason)", errno: error.errno) }
                throw .system(error, detail: error.call == "socket" ? host : "\(host):\(port)")
            }
        }
    }

    /// Closes the socket (and removes a Unix socket's file).
    func closeSocket() {
        SystemSocket.close(descriptor)
        if case let .unix(path) = address { SystemSocket.removeFile(path) }
    }
}
