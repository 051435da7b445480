import JSON

/// One Wyoming event: a JSON header line `{"type", "data"?, "data_length"?, "payload_length"?,
/// "version"?}`, then `data_length` bytes of JSON merged into `data`, then `payload_length`
/// bytes of payload (audio for `audio-chunk`). This type holds the parsed header and data;
/// the payload is read by the connection into its own buffer.
struct WyomingEvent: Sendable {
    var type: String
    /// The event's data (an object; empty when absent).
    var data: JSON
    /// Bytes of JSON that follow the header line and extend `data`.
    var dataLength: Int
    /// Bytes of payload that follow the data.
    var payloadLength: Int

    /// The protocol version written into every header: the `wyoming` package release this
    /// server was tested against (tools/checks/wyoming_check.py).
    static let protocolVersion = "1.10.2"

    /// Headers and data nested deeper than this are refused (a hostile `[[[[...` cannot exhaust
    /// the stack; real events nest three levels).
    static let maximumDepth = 32

    /// Parses a header line (without its newline).
    ///
    /// - Parameters:
    ///   - maximumData: the largest `data_length` accepted.
    ///   - maximumPayload: the largest `payload_length` accepted.
    /// - Throws: `ServeError.protocolViolation` naming the problem.
    static func parseHeader(_ line: UnsafeRawBufferPointer, maximumData: Int, maximumPayload: Int) throws(ServeError) -> WyomingEvent {
        let header: JSON
        do {
            header = try JSON.parse(Array(line), maximumDepth: maximumDepth)
        } catch {
            throw .protocolViolation("the header line is not JSON (\(error))")
        }
        guard case .object = header else { throw .protocolViolation("the header is \(header.typeName), not an object") }
        guard let type = header["type"]?.stringValue, !type.isEmpty else {
            throw .protocolViolation("the header has no \"type\" string")
        }
        var data = JSON.object([])
        if let value = header["data"], value != .null {
            guard case .object = value else { throw .protocolViolation("\"data\" is \(value.typeName), not an object") }
            data = value
        }
        let dataLength = try length(header, "data_length", maximum: maximumData)
        let payloadLength = try length(header, "payload_length", maximum: maximumPayload)
        return WyomingEvent(type: type, data: data, dataLength: dataLength, payloadLength: payloadLength)
    }

    private static func length(_ header: JSON, _ key: String, maximum: Int) throws(ServeError) -> Int {
        guard let value = header[key], value != .null else { return 0 }
        guard let count = value.wholeNumber, count >= 0 else {
            throw .protocolViolation("\"\(key)\" is not a non-negative integer")
        }
        guard count <= maximum else { throw .protocolViolation("\"\(key)\" is \(count) bytes; at most \(maximum) are accepted") }
        return count
    }

    /// Merges the JSON object that followed the header into `data` (its members win).
    mutating func mergeData(_ bytes: UnsafeRawBufferPointer) throws(ServeError) {
        let extra: JSON
        do {
            extra = try JSON.parse(Array(bytes), maximumDepth: Self.maximumDepth)
        } catch {
            throw .protocolViolation("the event's data is not JSON (\(error))")
        }
        guard case let .object(members) = extra, case var .object(own) = data else {
            throw .protocolViolation("the event's data is \(extra.typeName), not an object")
        }
        for member in members {
            own.removeAll { $0.key == member.key }
            own.append(member)
        }
        data = .object(own)
    }

    /// The bytes of an event without payload: its header line with the data inline.
    /// Compact JSON (no newline inside), so that it fits on the header line.
    static func encode(type: String, data: [(String, JSON)]) -> [UInt8] {
        var members: [(String, JSON)] = [("type", .string(type)), ("version", .string(protocolVersion))]
        if !data.isEmpty { members.append(("data", .members(data))) }
        return Array((JSON.members(members).serialized() + "\n").utf8)
    }
}
