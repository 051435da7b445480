// Stream sockets for `earshot serve` (host build only: the static aarch64 build has no server,
// and its glibc module has no socket headers).
#if !hasFeature(Embedded)
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Listening and connected stream sockets, one call per function, errno turned into
/// `SystemCallError` or into an outcome the caller acts on.
public enum SystemSocket {
    /// What a read or write on a connected socket did.
    public enum Transfer: Equatable, Sendable {
        /// Moved this many bytes (0 on a read: the peer closed the connection).
        case bytes(Int)
        /// Interrupted by a signal: call again.
        case interrupted
        /// The socket's timeout passed (EAGAIN/EWOULDBLOCK).
        case timedOut
        /// The peer reset the connection (ECONNRESET).
        case reset(SystemCallError)
        case failed(SystemCallError)
    }

    /// Binds a Unix-domain stream socket at `path` and listens. A stale socket file there is
    /// replaced; any other file is left alone and reported (EEXIST). `socket`, `bind`, `listen`.
    public static func listenUnix(path: String, backlog: Int32) throws(SystemCallError) -> Int32 {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, byte) in path.utf8.enumerated() { raw[i] = byte }
            raw[path.utf8.count] = 0
        }
        var info = stat()
        if lstat(path, &info) == 0 {
            guard info.st_mode & S_IFMT == S_IFSOCK else {
                throw SystemCallError(call: "bind", errno: EEXIST, reason: "\(path) exists and is not a socket")
            }
            unlink(path)
        }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .last("socket") }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        try finishListening(fd, bound: bound, backlog: backlog)
        return fd
    }

    /// Binds `host`:`port` (a name or address, IPv4 or IPv6; port 0: the system picks one) and
    /// listens. Returns the socket and the port bound. `getaddrinfo`, `socket`, `bind`, `listen`,
    /// `getsockname`.
    public static func listenTCP(host: String, port: Int, backlog: Int32) throws(SystemCallError) -> (descriptor: Int32, port: Int) {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, let first = list else {
            throw SystemCallError(call: "getaddrinfo", errno: 0, reason: String(cString: gai_strerror(status)))
        }
        defer { freeaddrinfo(list) }
        let fd = socket(first.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .last("socket") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        try finishListening(fd, bound: bind(fd, first.pointee.ai_addr, first.pointee.ai_addrlen), backlog: backlog)
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let named = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        // sin_port and sin6_port sit at the same offset, in network byte order.
        let bound = named == 0 ? Int(withUnsafeBytes(of: &storage) { UInt16($0[2]) << 8 | UInt16($0[3]) }) : port
        return (fd, bound)
    }

    private static func finishListening(_ fd: Int32, bound: Int32, backlog: Int32) throws(SystemCallError) {
        guard bound == 0 else {
            let error = SystemCallError.last("bind")
            close(fd)
            throw error
        }
        guard listen(fd, backlog) == 0 else {
            let error = SystemCallError.last("listen")
            close(fd)
            throw error
        }
    }

    /// Waits up to `milliseconds` (-1: for ever) for `fd` to be readable (or a listening socket
    /// to have a connection). Returns true when it is; false on timeout or a signal. `poll`.
    /// - Throws: `SystemCallError` when poll itself fails.
    public static func waitReadable(_ fd: Int32, milliseconds: Int32) throws(SystemCallError) -> Bool {
        var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let ready = poll(&entry, 1, milliseconds)
        if ready < 0 {
            if errno == EINTR { return false }
            throw .last("poll")
        }
        return ready > 0
    }

    /// Accepts a connection: its descriptor (close-on-exec), or nil for the errors to retry
    /// (EINTR, EAGAIN, ECONNABORTED). `accept`, `fcntl`.
    /// - Throws: `SystemCallError` for others (e.g. EMFILE: out of descriptors).
    public static func accept(_ fd: Int32) throws(SystemCallError) -> Int32? {
        let client = Glibc.accept(fd, nil, nil)
        guard client >= 0 else {
            if errno == EINTR || errno == EAGAIN || errno == ECONNABORTED { return nil }
            throw .last("accept")
        }
        _ = fcntl(client, F_SETFD, FD_CLOEXEC)   // (accept4 is not visible from Swift's Glibc)
        return client
    }

    /// Sets a served connection's options: keep-alive, TCP_NODELAY for TCP, and a send timeout
    /// of `sendTimeoutSeconds` (writes to a peer that stopped reading give up). `setsockopt`.
    public static func configureClient(_ fd: Int32, tcp: Bool, sendTimeoutSeconds seconds: Double) {
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, socklen_t(MemoryLayout<Int32>.size))
        if tcp { setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size)) }
        var timeout = timeval(tv_sec: Int(seconds), tv_usec: Int((seconds - seconds.rounded(.down)) * 1e6))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    /// Reads up to `count` bytes into `buffer`. `recv`.
    public static func receive(_ fd: Int32, into buffer: UnsafeMutableRawPointer, count: Int) -> Transfer {
        outcome(recv(fd, buffer, count, 0), call: "recv")
    }

    /// Writes up to `count` bytes without raising SIGPIPE. `send(MSG_NOSIGNAL)`.
    public static func send(_ fd: Int32, _ bytes: UnsafeRawPointer, count: Int) -> Transfer {
        outcome(Glibc.send(fd, bytes, count, Int32(MSG_NOSIGNAL)), call: "send")
    }

    private static func outcome(_ result: Int, call: String) -> Transfer {
        if result >= 0 { return .bytes(result) }
        switch errno {
        case EINTR: return .interrupted
        case EAGAIN, EWOULDBLOCK: return .timedOut
        case ECONNRESET: return .reset(.last(call))
        default: return .failed(.last(call))
        }
    }

    /// Ends both directions of a connection, waking a thread blocked on it. `shutdown`.
    public static func shutdown(_ fd: Int32) { _ = Glibc.shutdown(fd, Int32(SHUT_RDWR)) }

    /// `close`.
    public static func close(_ fd: Int32) { _ = Glibc.close(fd) }

    /// Removes a Unix socket's file. `unlink`.
    public static func removeFile(_ path: String) { _ = unlink(path) }

    /// Writes `text` to standard error with one call, so lines of threads do not interleave.
    public static func writeStandardError(_ text: String) {
        var text = text
        text.withUTF8 { bytes in _ = write(2, bytes.baseAddress, bytes.count) }
    }
}
#endif
