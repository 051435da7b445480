import SystemFile
import Synchronization

import JSON
import Pipeline

/// A Wyoming wake-word server: accepts clients on one address and serves each on its own thread
/// with its own stream state; the models are loaded once and shared read-only.
///
/// A client that breaks the protocol, stalls or vanishes is closed and logged; the others go on.
public final class WyomingServer: @unchecked Sendable {
    /// Limits and timeouts.
    public struct Settings: Sendable {
        /// Clients served at once; more are accepted and closed at once, with a log line.
        public var maximumClients = 16
        /// Seconds a client may pause in the middle of an event (or leave our events unread).
        public var stallTimeoutSeconds = 10.0
        /// Seconds a client may wait between events before it is closed (0: no limit).
        public var idleTimeoutSeconds = 0.0
        /// The largest header line and `data_length` accepted.
        public var maximumHeaderBytes = 64 << 10
        /// The largest `payload_length` accepted (1 MiB: over 5 s of 48 kHz stereo s16).
        public var maximumPayloadBytes = 1 << 20
        /// Log every detection on standard error.
        public var logDetections = true
        public init() {}
    }

    public let settings: Settings
    public let models: [ServedModel]
    /// Every served model on one pipeline; each client's audio runs one stream of it.
    let pipeline: Pipeline
    let catalog: KeywordCatalog
    /// The `info` event, made once.
    let infoEvent: [UInt8]
    private let socket: ListeningSocket
    private let stopping = Atomic<Bool>(false)
    private let active = Mutex<Set<Int32>>([])
    private let served = Atomic<Int>(0)
    private let refused = Atomic<Int>(0)
    private let closedWithError = Atomic<Int>(0)

    /// The address clients connect to (with the port the system chose for port 0).
    public var address: WyomingAddress { socket.address }
    /// Clients served so far, refused (over the limit), and closed for an error.
    public var counts: (served: Int, refused: Int, errors: Int) {
        (served.load(ordering: .relaxed), refused.load(ordering: .relaxed), closedWithError.load(ordering: .relaxed))
    }

    /// Binds `address` (the server is reachable once this returns).
    ///
    /// - Throws: `ServeError.system` when the address cannot be bound, `.model` for a model
    ///   that cannot be served.
    public init(address: WyomingAddress, models: [ServedModel], settings: Settings = Settings()) throws(ServeError) {
        guard !models.isEmpty else { throw .model(name: "(none)", reason: "no model given") }
        self.settings = settings
        self.models = models
        pipeline = try Self.pipeline(of: models)
        // Built once here so that a model that cannot run fails at start, not per client.
        do throws(PipelineError) {
            _ = try pipeline.makeStream(inputRate: pipeline.sampleRate, eventCapacity: 1)
        } catch {
            throw .model(name: models.map(\.name).joined(separator: ", "), reason: "\(error)")
        }
        catalog = KeywordCatalog(models: models)
        infoEvent = WyomingEvent.encode(type: "info", data: Self.describe(models: models, catalog: catalog))
        // A client that goes away while we write must give EPIPE, not kill the process.
        SystemThread.ignoreBrokenPipe()
        socket = try ListeningSocket(address)
    }

    /// The one pipeline of `models`, in order.
    ///
    /// - Throws: `ServeError.model` when the models cannot share a pipeline.
    static func pipeline(of models: [ServedModel]) throws(ServeError) -> Pipeline {
        var parts: [Pipeline.Part] = []
        for model in models {
            var part = model.part
            if let vad = model.vad {
                // Refused here, where the model's name is known (each stream builds one gate for all).
                if case let .earshot(file) = part.network, case .windowed = file.description.execution {
                    throw .model(name: model.name, reason: "the VAD gate runs in front of streaming models; this one runs on windows")
                }
                part.gate = vad
            }
            parts.append(part)
        }
        do throws(PipelineError) {
            return try Pipeline(parts: parts)
        } catch {
            throw .model(name: models.map(\.name).joined(separator: ", "), reason: "\(error)")
        }
    }

    /// The `info` data: one wake program, one wake model per keyword.
    static func describe(models: [ServedModel], catalog: KeywordCatalog) -> [(String, JSON)] {
        let attribution = JSON.members([("name", .string("Earshot")), ("url", .string("https://github.com/earshot"))])
        let wakeModels: [JSON] = catalog.entries.map { entry in
            let model = models[entry.model]
            return .members([
                ("name", .string(entry.name)), ("attribution", attribution), ("installed", .bool(true)),
                ("description", .string("keyword '\(entry.label)' of model \(model.name)")), ("version", .null),
                ("languages", .array(model.languages.map { .string($0) })), ("phrase", .string(entry.label)),
            ])
        }
        let program = JSON.members([
            ("name", .string("earshot")), ("attribution", attribution), ("installed", .bool(true)),
            ("description", .string("Earshot streaming keyword spotter")), ("version", .string("0.1.0")),
            ("models", .array(wakeModels)),
        ])
        return [("asr", .array([])), ("tts", .array([])), ("handle", .array([])), ("intent", .array([])),
                ("wake", .array([program])), ("mic", .array([])), ("snd", .array([]))]
    }

    var isStopping: Bool { stopping.load(ordering: .acquiring) }

    /// Asks `run` to return; open connections are shut down. Async-signal-safe.
    public func stop() { stopping.store(true, ordering: .releasing) }

    /// Accepts and serves clients until `stop()` or `shouldStop()` (checked every 0.2 s), then
    /// closes every connection and the listening socket.
    public func run(shouldStop: () -> Bool = { false }) {
        log("earshot: serving Wyoming on \(address): \(catalog.entries.count) keyword(s) "
            + "[\(catalog.entries.map(\.name).joined(separator: ", "))] from \(models.map(\.name).joined(separator: ", "))")
        while !isStopping {
            if shouldStop() { stop(); break }
            let client: Int32
            do {
                guard try SystemSocket.waitReadable(socket.descriptor, milliseconds: 200),
                      let accepted = try SystemSocket.accept(socket.descriptor) else { continue }
                client = accepted
            } catch {
                log("earshot: \(error.call) failed: \(ServeError.errnoText(error.errno))")
                SystemThread.sleep(milliseconds: 100)   // e.g. out of descriptors: do not spin
                continue
            }
            let admitted = active.withLock { set -> Bool in
                guard set.count < settings.maximumClients else { return false }
                set.insert(client)
                return true
            }
            guard admitted else {
                refused.add(1, ordering: .relaxed)
                log("earshot: client \(client) refused: \(settings.maximumClients) clients already connected")
                SystemSocket.close(client)
                continue
            }
            SystemSocket.configureClient(client, tcp: { if case .tcp = address { return true } else { return false } }(),
                                         sendTimeoutSeconds: settings.stallTimeoutSeconds)
            start(client)
        }
        socket.closeSocket()
        // Wake every client thread (its reads return) and wait up to 5 s for them to finish.
        active.withLock { set in for fd in set { SystemSocket.shutdown(fd) } }
        for _ in 0..<50 where active.withLock({ !$0.isEmpty }) { SystemThread.sleep(milliseconds: 100) }
        let c = counts
        log("earshot: stopped: \(c.served) client(s) served, \(c.errors) closed for an error, \(c.refused) refused")
    }

    /// A client's thread: serve, log why it ended, close.
    private func start(_ client: Int32) {
        do {
            try SystemThread.start { [self] in serve(client) }.detach()
        } catch {
            log("earshot: client \(client) dropped: cannot start a thread: \(ServeError.errnoText(error.errno))")
            active.withLock { _ = $0.remove(client) }
            SystemSocket.close(client)
        }
    }

    private func serve(_ client: Int32) {
        served.add(1, ordering: .relaxed)
        log("earshot: client \(client) connected")
        let connection = WyomingConnection(descriptor: client, server: self)
        let failure = connection.run()
        let summary = "\(connection.chunks) chunk(s), \(connection.detectionsSent) detection(s)"
        if let failure {
            closedWithError.add(1, ordering: .relaxed)
            log("earshot: client \(client) closed: \(failure) (after \(summary))")
        } else {
            log("earshot: client \(client) disconnected (\(summary))")
        }
        active.withLock { _ = $0.remove(client) }
        SystemSocket.close(client)
    }

    func noteDetection(client: Int32, name: String, time: Double, score: Float) {
        guard settings.logDetections else { return }
        let ms = Int((time * 1000).rounded())
        log("earshot: client \(client): detection \(name) at \(ms) ms (score \(Int((score * 1000).rounded())) / 1000)")
    }

    /// One line on standard error, written with one call so threads' lines do not interleave.
    func log(_ line: String) {
        var text = line
        text += "\n"
        SystemSocket.writeStandardError(text)
    }
}
