import ArgumentParser
import Listener
import Pipeline
import Serve

/// `earshot serve`: a Wyoming wake-word server for Home Assistant and other voice assistants.
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve wake-word detection over the Wyoming protocol (Home Assistant's).",
        discussion: """
            Clients send `detect`, `audio-start`, `audio-chunk`s and `audio-stop` (4 to 192 kHz, 8- to 32-bit \
            samples, 1 to 16 channels: downmixed and resampled to each model's rate as `listen` does) and get a \
            `detection` event {name, timestamp in ms of stream time} per keyword, or `not-detected` at \
            audio-stop; `describe` answers `info` listing every keyword as a wake model. Each client has its own \
            stream state; the models are loaded once. A client that sends malformed events, lengths over the \
            limits or an unknown event, or stalls mid-event, is closed with the reason on standard error; the \
            others are not disturbed. SIGINT/SIGTERM stop the server.

              earshot serve --wyoming tcp://0.0.0.0:10400
              earshot serve --wyoming unix:///run/earshot/wyoming.sock --model a.earshot --model b.earshot
              earshot serve --config firmware-configs/rpi4.json
            """
    )

    @Option(help: "Where to listen: tcp://HOST:PORT (port 0: any free port) or unix://PATH.")
    var wyoming = "tcp://0.0.0.0:10400"

    @Option(help: "A model file to serve, an Earshot model, an imported microWakeWord or openWakeWord model (repeat for several, all on one pipeline; default: the board configuration's model, else models/default.earshot).")
    var model: [String] = []

    @Option(help: "A board configuration (firmware-configs/*.json): its model and detector settings are used.")
    var config: String?

    @OptionGroup var thresholdOption: ThresholdOption

    @Option(name: .customLong("max-clients"), help: "Clients served at once.")
    var maxClients = 16

    @Option(name: .customLong("stall-timeout"), help: "Seconds a client may pause in the middle of an event before it is closed.")
    var stallTimeout = 10.0

    @Option(name: .customLong("idle-timeout"), help: "Seconds a client may stay silent between events before it is closed (0: no limit).")
    var idleTimeout = 0.0

    @Option(name: .customLong("max-payload"), help: "The largest audio chunk accepted, in bytes.")
    var maxPayload = 1 << 20

    @OptionGroup(title: "Voice-activity gate")
    var vadOptions: VADOptions

    @Option(help: "The language announced for the models (comma-separated).")
    var language = "en"

    @Flag(help: "Do not log each detection on standard error.")
    var quiet = false

    func validate() throws {
        guard maxClients >= 1 && maxClients <= 1024 else { throw ValidationError("--max-clients must be 1 to 1024") }
        guard stallTimeout > 0 && stallTimeout <= 3600 else { throw ValidationError("--stall-timeout must be in (0, 3600] seconds") }
        guard idleTimeout >= 0 && idleTimeout <= 86_400 else { throw ValidationError("--idle-timeout must be 0 to 86400 seconds") }
        guard maxPayload >= 1024 && maxPayload <= 64 << 20 else { throw ValidationError("--max-payload must be 1 KiB to 64 MiB") }
    }

    func run() throws {
        var board = BoardConfiguration()
        if let config { board = try BoardConfiguration.load(path: config) }
        let paths = !model.isEmpty ? model : [try board.model.path ?? DefaultModel.resolve(nil)]
        let detector = StreamPipeline.applying(threshold: thresholdOption.threshold, to: board.detector)
        let languages = language.split(separator: ",").map { String($0) }
        let parts = try StreamPipeline.parts(paths: paths, detector: detector, windowHopFrames: board.model.windowHopFrames)
        let gate = try vadOptions.request.option(boardVAD: board.vad)
        var served: [ServedModel] = []
        for (path, part) in zip(paths, parts) {
            let model = try ServedModel(name: Self.baseName(path), part: part, languages: languages)
            if let gate {
                if case let .earshot(file) = part.network, case .windowed = file.description.execution {
                    throw CLIError("'\(path)': --vad runs in front of streaming models; this one runs on windows")
                }
                model.vad = (gate.model, gate.settings)
            }
            served.append(model)
        }
        var settings = WyomingServer.Settings()
        settings.maximumClients = maxClients
        settings.stallTimeoutSeconds = stallTimeout
        settings.idleTimeoutSeconds = idleTimeout
        settings.maximumPayloadBytes = maxPayload
        settings.logDetections = !quiet
        let server = try WyomingServer(address: WyomingAddress(parsing: wyoming), models: served, settings: settings)
        StopRequest.installSignalHandlers()
        let stop = StopRequest.process
        server.run(shouldStop: { stop.isRequested })
    }

    /// "models/default.earshot" -> "default".
    static func baseName(_ path: String) -> String {
        let file = path.split(separator: "/").last.map(String.init) ?? path
        guard let dot = file.lastIndex(of: "."), dot != file.startIndex else { return file }
        return String(file[..<dot])
    }
}
