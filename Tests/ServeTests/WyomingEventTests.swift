import Testing

import JSON

@testable import Serve

@Suite("Wyoming events and addresses")
struct WyomingEventTests {
    func header(_ text: String, maximumPayload: Int = 1 << 20) throws -> WyomingEvent {
        var bytes = Array(text.utf8)
        return try bytes.withUnsafeMutableBytes { raw in
            try WyomingEvent.parseHeader(UnsafeRawBufferPointer(raw), maximumData: 65_536, maximumPayload: maximumPayload)
        }
    }

    @Test("a header as the wyoming package writes it")
    func parsesHeader() throws {
        let event = try header(#"{"type": "audio-chunk", "version": "1.10.2", "data_length": 54, "payload_length": 2048}"#)
        #expect(event.type == "audio-chunk")
        #expect(event.dataLength == 54)
        #expect(event.payloadLength == 2048)
        var data = Array(#"{"rate": 16000, "width": 2, "channels": 1, "timestamp": null}"#.utf8)
        var merged = event
        try data.withUnsafeMutableBytes { try merged.mergeData(UnsafeRawBufferPointer($0)) }
        #expect(merged.data["rate"]?.wholeNumber == 16000)
        #expect(merged.data["timestamp"] == .null)
    }

    @Test("malformed headers are refused with the reason", arguments: [
        ("not json", "the header line is not JSON"),
        (#"["type"]"#, "the header is an array"),
        (#"{"data": {}}"#, "no \"type\" string"),
        (#"{"type": "x", "payload_length": -1}"#, "\"payload_length\" is not a non-negative integer"),
        (#"{"type": "x", "payload_length": 1.5}"#, "\"payload_length\" is not a non-negative integer"),
        (#"{"type": "x", "payload_length": 99999999999}"#, "at most 1048576"),
        (#"{"type": "x", "data": 3}"#, "\"data\" is a number"),
        (String(repeating: "[", count: 100), "nesting deeper than 32 levels"),
        (#"{"type": "\ud800"}"#, "without its low surrogate"),
        (#"{"type": "x", "type": "y"}"#, "appears twice"),
    ])
    func refusesHeader(text: String, reason: String) {
        do {
            _ = try header(text)
            Issue.record("accepted \(text)")
        } catch {
            #expect("\(error)".contains(reason), "\(error)")
        }
    }

    @Test("rates and widths: whole numbers however written; fractions refused")
    func audioFormat() throws {
        let whole = try header(#"{"type": "audio-start", "data": {"rate": 1.6e4, "width": 2.0, "channels": 1}}"#)
        let format = try WyomingConnection.format(whole, "audio-start")
        #expect(format.rate == 16000 && format.width == 2 && format.channels == 1)
        let fraction = try header(#"{"type": "audio-start", "data": {"rate": 16000.5, "width": 2, "channels": 1}}"#)
        #expect(throws: ServeError.self) { _ = try WyomingConnection.format(fraction, "audio-start") }
    }

    @Test("a client's context is written back with its members in its order")
    func contextKeepsItsOrder() throws {
        let context = try JSON.parse(Array(#"{"z": 1, "a": {"y": [true, null], "b": "é\n"}, "m": 2.50}"#.utf8))
        let line = WyomingEvent.encode(type: "not-detected", data: [("context", context)])
        #expect(line.last == UInt8(ascii: "\n") && line.dropLast().allSatisfy { $0 != UInt8(ascii: "\n") })
        let event = try JSON.parse(Array(line.dropLast()))
        #expect(event["type"] == .string("not-detected"))
        guard case .object(let written)? = event["data"]?["context"], case .object(let given) = context else {
            Issue.record("no context object in \(String(decoding: line, as: UTF8.self))")
            return
        }
        #expect(written.map(\.key) == given.map(\.key))
        #expect(written == given)
    }

    @Test("addresses: tcp://HOST:PORT and unix://PATH")
    func addresses() throws {
        #expect(try WyomingAddress(parsing: "tcp://0.0.0.0:10400") == .tcp(host: "0.0.0.0", port: 10400))
        #expect(try WyomingAddress(parsing: "tcp://[::1]:0") == .tcp(host: "::1", port: 0))
        #expect(try WyomingAddress(parsing: "unix:///run/x.sock") == .unix(path: "/run/x.sock"))
        for bad in ["tcp://host", "tcp://:1", "tcp://h:70000", "http://h:1", "unix://", "unix://" + String(repeating: "a", count: 200)] {
            #expect(throws: ServeError.invalidAddress(bad)) { _ = try WyomingAddress(parsing: bad) }
        }
    }
}
