import SystemFile

import JSON

/// One client: reads events, answers them, streams its audio through its own `ClientStream`.
///
/// Events handled: `describe` -> `info`; `ping` -> `pong`; `detect` (optional `names`, and a
/// `context` echoed back); `audio-start`, `audio-chunk`, `audio-stop` -> `detection` events as
/// keywords are found, and `not-detected` at audio-stop when none was. Anything else, and any
/// malformed input, ends the connection with the reason (the caller logs it).
final class WyomingConnection {
    private let descriptor: Int32
    private let server: WyomingServer
    private let reader: SocketReader
    private let payload: UnsafeMutableRawPointer
    private let payloadCapacity: Int
    private var stream: ClientStream?
    private var selection: [Bool]?
    private var context: JSON?
    private var detectedSinceStart = 0
    private var streaming = false
    /// Counters for the closing log line.
    private(set) var chunks = 0
    private(set) var detectionsSent = 0

    init(descriptor: Int32, server: WyomingServer) {
        self.descriptor = descriptor
        self.server = server
        let settings = server.settings
        reader = SocketReader(
            descriptor: descriptor, capacity: settings.maximumHeaderBytes, idleSeconds: settings.idleTimeoutSeconds,
            stallSeconds: settings.stallTimeoutSeconds, shouldStop: { [server] in server.isStopping })
        payloadCapacity = max(settings.maximumPayloadBytes, settings.maximumHeaderBytes)
        payload = .allocate(byteCount: payloadCapacity, alignment: 16)
    }

    deinit { payload.deallocate() }

    /// Serves until the client leaves (nil) or breaks the protocol (the error).
    func run() -> ServeError? {
        do {
            while true {
                guard let line = try reader.readLine() else { return nil }
                if line.isEmpty { continue }
                let settings = server.settings
                var event = try WyomingEvent.parseHeader(
                    line, maximumData: settings.maximumHeaderBytes, maximumPayload: settings.maximumPayloadBytes)
                if event.dataLength > 0 {
                    try reader.read(into: payload, count: event.dataLength, what: "\(event.type) data")
                    try event.mergeData(UnsafeRawBufferPointer(start: payload, count: event.dataLength))
                }
                if event.payloadLength > 0 {
                    try reader.read(into: payload, count: event.payloadLength, what: "\(event.type) payload")
                }
                try handle(event)
            }
        } catch {
            return error
        }
    }

    private func handle(_ event: WyomingEvent) throws(ServeError) {
        switch event.type {
        case "describe":
            try transmit(server.infoEvent)
        case "ping":
            try transmit(WyomingEvent.encode(type: "pong", data: event.data["text"].map { [("text", $0)] } ?? []))
        case "detect":
            var names: [String]? = nil
            if let value = event.data["names"], value != .null {
                guard case let .array(list) = value else { throw .protocolViolation("detect: \"names\" is \(value.typeName), not a list") }
                var strings: [String] = []
                for element in list {
                    guard let name = element.stringValue else { throw .protocolViolation("detect: a name is \(element.typeName), not a string") }
                    strings.append(name)
                }
                names = strings
            }
            let flags = server.catalog.selection(names: names, models: server.models)
            if let names, !flags.contains(true) {
                server.log("client \(descriptor): detect names \(names) match no keyword; nothing will be reported")
            }
            selection = flags
            stream?.select(flags)
            let context = event.data["context"]
            self.context = context == .null ? nil : context
        case "audio-start":
            try begin(format: try Self.format(event, "audio-start"))
        case "audio-chunk":
            let format = try Self.format(event, "audio-chunk")
            if !streaming || stream.map({ $0.rate != format.rate || $0.width != format.width || $0.channels != format.channels }) ?? true {
                try begin(format: format)   // a chunk without audio-start, or a new format: start a stream
            }
            guard let stream else { return }
            guard event.payloadLength % stream.frameBytes == 0 else {
                throw .protocolViolation("audio-chunk: \(event.payloadLength) bytes is not a whole number of "
                                         + "\(stream.frameBytes)-byte frames")
            }
            chunks &+= 1
            stream.process(UnsafeRawBufferPointer(start: payload, count: event.payloadLength))
            try sendDetections(stream)
        case "audio-stop":
            if let stream, streaming {
                stream.finish()
                try sendDetections(stream)
            }
            if detectedSinceStart == 0 {
                try transmit(WyomingEvent.encode(type: "not-detected", data: context.map { [("context", $0)] } ?? []))
            }
            streaming = false
            detectedSinceStart = 0
        default:
            throw .protocolViolation("unknown event type '\(Self.printable(event.type))'")
        }
    }

    private func begin(format: (rate: Int, width: Int, channels: Int)) throws(ServeError) {
        if let stream, stream.rate == format.rate, stream.width == format.width, stream.channels == format.channels {
            stream.reset()
        } else {
            let fresh = try ClientStream(pipeline: server.pipeline, catalog: server.catalog,
                                         rate: format.rate, width: format.width, channels: format.channels)
            if let selection { fresh.select(selection) }
            stream = fresh
        }
        streaming = true
        detectedSinceStart = 0
    }

    private func sendDetections(_ stream: ClientStream) throws(ServeError) {
        for detection in stream.detections.items {
            let name = server.catalog.entries[Int(detection.keyword)].name
            var data: [(String, JSON)] = [
                ("name", .string(name)), ("timestamp", Self.milliseconds(detection.time)), ("speaker", .null),
            ]
            if let context { data.append(("context", context)) }
            try transmit(WyomingEvent.encode(type: "detection", data: data))
            detectedSinceStart &+= 1
            detectionsSent &+= 1
            server.noteDetection(client: descriptor, name: name, time: detection.time, score: detection.score)
        }
    }

    static func format(_ event: WyomingEvent, _ type: String) throws(ServeError) -> (rate: Int, width: Int, channels: Int) {
        guard let rate = event.data["rate"]?.wholeNumber, let width = event.data["width"]?.wholeNumber,
              let channels = event.data["channels"]?.wholeNumber else {
            throw .protocolViolation("\(type) needs integer rate, width and channels in its data")
        }
        return (rate, width, channels)
    }

    /// A detection's time in whole milliseconds (Wyoming's `timestamp` is an int).
    static func milliseconds(_ seconds: Double) -> JSON {
        let value = (seconds * 1000).rounded()
        return abs(value) < 9.0e15 ? .int(Int(value)) : .null
    }

    static func printable(_ text: String) -> String {
        let cut = text.unicodeScalars.prefix(64).map { $0.value >= 0x20 && $0.value < 0x7F ? Character($0) : "?" }
        return String(cut) + (text.unicodeScalars.count > 64 ? "..." : "")
    }

    /// Writes all of `bytes`; a peer that does not read for the stall timeout is cut off.
    private func transmit(_ bytes: [UInt8]) throws(ServeError) {
        var sent = 0
        while sent < bytes.count {
            let result = bytes.withUnsafeBytes { raw in
                SystemSocket.send(descriptor, raw.baseAddress! + sent, count: raw.count - sent)
            }
            switch result {
            case .interrupted: continue
            case .timedOut:
                throw .stalled(seconds: server.settings.stallTimeoutSeconds, waitingFor: "the client to read its events")
            case let .reset(error), let .failed(error): throw .system(error, detail: "client socket")
            case let .bytes(count): sent += count
            }
        }
    }
}
