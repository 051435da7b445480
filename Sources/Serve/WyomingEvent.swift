/// One Wyoming event: a JSON header line `{"type", "data"?, "data_length"?, "payload_length"?,
/// "version"?}`, then `data_length` bytes of JSON merged into `data`, then `payload_length`
/// bytes of payload (audio for `audio-chunk`). This type holds the parsed header and data;
/// the payload is read by the connection into its own buffer.
struct WyomingEvent: Sendable {
    var type: String
    /// The event's data (an object; empty when absent).
    var data: WyomingJSON
    /// Bytes of JSON that follow the header line and extend `data`.
    var dataLength: Int
    /// Bytes of payload that follow the data.
    var payloadLength: Int

    /// The protocol version written into every header: the `wyoming` package release this
    /// server was tested against (tools/wyoming_check.py).
    static let protocolVersion = "1.10.2"

    /// Parses a header line (without its newline).
    ///
    /// - Parameters:
    ///   - maximumData: the largest `data_length` accepted.
    ///   - maximumPayload: the largest `payload_length` accepted.
    /// - Throws: `ServeError.protocolViolation` naming the problem.
    static func parseHeader(_ line: UnsafeRawBufferPointer, maximumData: Int, maximumPayload: Int) throws(ServeError) -> WyomingEvent {
        let header: WyomingJSON
        do {
            header = try WyomingJSON.parse(line)
        } catch {
            throw .protocolViolation("the header line is not JSON (\(error))")
        }
        guard case .object = header else { throw .protocolViolation("the header is \(header.kind), not an object") }
        guard let type = header["type"]?.string, !type.isEmpty else {
            throw .protocolViolation("the header has no \"type\" string")
        }
        var data = WyomingJSON.object([])
        if let value = header["data"], value != .null {
            guard case .object = value else { throw .protocolViolation("\"data\" is \(value.kind), not an object") }
            data = value
        }
        let dataLength = try length(header, "data_length", maximum: maximumData)
        let payloadLength = try length(header, "payload_length", maximum: maximumPayload)
        return WyomingEvent(type: type, data: data, dataLength: dataLength, payloadLength: payloadLength)
    }

    private static func length(_ header: WyomingJSON, _ key: String, maximum: Int) throws(ServeError) -> Int {
        guard let value = header[key], value != .null else { return 0 }
        guard let count = value.integer, count >= 0 else {
            throw .protocolViolation("\"\(key)\" is not a non-negative integer")
        }
        guard count <= maximum else { throw .protocolViolation("\"\(key)\" is \(count) bytes; at most \(maximum) are accepted") }
        return count
    }

    /// Merges the JSON object that followed the header into `data` (its members win).
    mutating func mergeData(_ bytes: UnsafeRawBufferPointer) throws(ServeError) {
        let extra: WyomingJSON
        do {
            extra = try WyomingJSON.parse(bytes)
        } catch {
            throw .protocolViolation("the event's data is not JSON (\(error))")
        }
        guard case let .object(members) = extra, case var .object(own) = data else {
            throw .protocolViolation("the event's data is \(extra.kind), not an object")
        }
        for member in members {
            own.removeAll { $0.key == member.key }
            own.append(member)
        }
        data = .object(own)
    }

    /// The bytes of an event without payload: its header line with the data inline.
    static func encode(type: String, data: [(key: String, value: WyomingJSON)]) -> [UInt8] {
        var members: [(key: String, value: WyomingJSON)] = [("type", .string(type)), ("version", .string(protocolVersion))]
        if !data.isEmpty { members.append(("data", .object(data))) }
        return Array((WyomingJSON.object(members).serialized + "\n").utf8)
    }
}
