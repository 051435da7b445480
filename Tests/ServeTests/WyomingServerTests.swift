#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Model
import Testing

@testable import Serve

/// A raw client on a Unix socket: bytes in, lines out.
private final class RawClient {
    let fd: Int32

    init(path: String) throws {
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            for (i, byte) in path.utf8.enumerated() { raw[i] = byte }
        }
        let status = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard status == 0 else { throw ServeError.system(call: "connect", detail: path, errno: errno) }
        var timeout = timeval(tv_sec: 20, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close(fd) }

    func send(_ text: String) {
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    /// The next line, or nil when the server closed the connection (or after 20 s).
    func line() -> String? {
        var bytes: [UInt8] = []
        var byte: UInt8 = 0
        while recv(fd, &byte, 1, 0) == 1 {
            if byte == 0x0A { return String(decoding: bytes, as: UTF8.self) }
            bytes.append(byte)
        }
        return nil
    }
}

@Suite("WyomingServer in-process: answers, refuses garbage per connection, stops")
struct WyomingServerTests {
    static let modelPath: String = String(#filePath.dropLast("Tests/ServeTests/WyomingServerTests.swift".count)) + "models/default.earshot"

    @Test("describe -> info; a garbage connection is closed while another keeps being served; stop() ends run()",
          .enabled(if: FileManager.default.fileExists(atPath: modelPath), "needs models/default.earshot"))
    func serves() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("earshot-serve-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.path + "/w.sock"
        let served = try ServedModel(name: "default", file: try ModelFile(path: Self.modelPath))
        var settings = WyomingServer.Settings()
        settings.stallTimeoutSeconds = 0.5
        settings.logDetections = false
        let server = try WyomingServer(address: .unix(path: path), models: [served], settings: settings)
        let finished = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            server.run()
            finished.signal()
        }

        let good = try RawClient(path: path)
        good.send(#"{"type": "describe"}"# + "\n")
        let info = try #require(good.line())
        let event = try #require(try JSONSerialization.jsonObject(with: Data(info.utf8)) as? [String: Any])
        #expect(event["type"] as? String == "info")
        let wake = ((event["data"] as? [String: Any])?["wake"] as? [[String: Any]])?.first
        let names = (wake?["models"] as? [[String: Any]])?.compactMap { $0["name"] as? String }
        #expect(names == served.keywords)

        for garbage in ["{not json\n", #"{"type": "audio-chunk", "payload_length": 9999999999}"# + "\n", #"{"type": "nope"}"# + "\n",
                        #"{"type": "audio-chunk", "data": {"rate": 16000, "width": 2, "channels": 1}, "payload_length": 100}"# + "\nabc"] {
            let bad = try RawClient(path: path)
            bad.send(garbage)
            #expect(bad.line() == nil, "the server closed the connection that sent \(garbage.debugDescription)")
        }

        // The first connection is still served: a stream of silence ends with not-detected.
        good.send(#"{"type": "ping", "data": {"text": "x"}}"# + "\n")
        #expect(Self.eventType(good.line()) == "pong")
        good.send(#"{"type": "audio-start", "data": {"rate": 16000, "width": 2, "channels": 1}}"# + "\n")
        good.send(#"{"type": "audio-chunk", "data": {"rate": 16000, "width": 2, "channels": 1}, "payload_length": 3200}"# + "\n"
                  + String(repeating: "\0", count: 3200))
        good.send(#"{"type": "audio-stop"}"# + "\n")
        #expect(Self.eventType(good.line()) == "not-detected")
        #expect(server.counts.errors == 4)

        server.stop()
        #expect(finished.wait(timeout: .now() + 20) == .success)
        #expect(!FileManager.default.fileExists(atPath: path), "the socket file is removed at stop")
    }

    /// The `type` of a header line, read by Foundation's parser (not the server's).
    static func eventType(_ line: String?) -> String? {
        guard let line, let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { return nil }
        return object["type"] as? String
    }
}
