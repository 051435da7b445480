import ArgumentParser
import Audio
import Listener
import Model
import SystemFile

/// `earshot listen`: keywords from a live ALSA stream.
struct ListenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "listen",
        abstract: "Listen to an ALSA capture device and print each keyword as it is spoken.",
        discussion: """
            ALSA capture -> resampling to the model's rate -> the model's front end -> the network \
            (streaming, or re-run over a window for window-trained models) -> smoothing, thresholds \
            and a refractory period -> one line per event on standard output: TIME<tab>KEYWORD<tab>SCORE, \
            or with --json {"keyword": ..., "time": ..., "score": ...}. Times are seconds since the stream \
            started. Diagnostics (what the device granted, overruns, a device that went away and came back, \
            the closing summary) go to standard error.

            A board configuration (firmware-configs/*.json, schema in the README) sets the device, format, \
            rate, period and buffer, the model, the detector, and CPU affinity, SCHED_FIFO priority and \
            memory locking, which are applied when permitted (what is not is reported). Options given here \
            override the file. SIGINT and SIGTERM stop cleanly: queued events are printed and --exec \
            commands finish (up to 10 s) before exit.

              earshot listen --config firmware-configs/rpi4.json
              earshot listen --model kws.earshot --device plughw:1,0 --json
              earshot listen --config firmware-configs/demo.json --exec 'echo "$EARSHOT_KEYWORD"'
            """
    )

    @Option(help: "A board configuration (JSON; see firmware-configs/ and the README).")
    var config: String?

    @Option(help: "The Earshot model file (default: the board configuration's model, else models/default.earshot). Repeat it to run several imported microWakeWord models on one capture and front end.")
    var model: [String] = []

    @Option(help: "The ALSA capture device, e.g. default, hw:1,0, plughw:CARD=Mic (see `arecord -L`).")
    var device: String?

    @Option(name: .customLong("alsa-config"), help: "An ALSA configuration file loaded on top of the system's (defines extra PCMs).")
    var alsaConfig: String?

    @Option(help: "Stop after this many seconds of stream time.")
    var duration: Double?

    @OptionGroup(title: "Voice-activity gate")
    var vadOptions: VADOptions

    @Flag(help: "Print one JSON object per event: {\"keyword\", \"time\", \"score\"}.")
    var json = false

    @Option(name: .customLong("exec"), help: ArgumentHelp(
        "Run this shell command per event, without blocking capture.",
        discussion: "The event is in its environment: EARSHOT_KEYWORD, EARSHOT_TIME, EARSHOT_SCORE, EARSHOT_EVENT (detection, or stop for a board configuration's stop keyword). Its standard output goes to standard error. A keyword with its own `exec` in the board configuration runs that instead."))
    var command: String?

    @Option(help: ArgumentHelp(
        "Every SECONDS, print live latency figures on standard error.",
        discussion: "Per hop: front-end and network time (p50, p99, max), real-time factor, deadline misses against the hop, overruns and events; one JSON object per line with --json.",
        valueName: "seconds"))
    var stats: Double?

    func validate() throws {
        if let stats, !(stats > 0 && stats.isFinite) {
            throw ValidationError("--stats must be a positive number of seconds")
        }
        if let duration, !(duration > 0 && duration.isFinite) {
            throw ValidationError("--duration must be a positive number of seconds")
        }
        if let command, command.isEmpty { throw ValidationError("--exec needs a command") }
    }

    func run() throws {
        var board = BoardConfiguration()
        if let config { board = try BoardConfiguration.load(path: config) }
        if let device { board.audio.device = device }
        if let alsaConfig { board.audio.alsaConfiguration = alsaConfig }
        if let duration { board.durationSeconds = duration }
        guard let modelPath = model.first ?? board.model.path ?? DefaultModel.path() else {
            throw CLIError("no model: pass --model MODEL.earshot or set model.path in the board configuration "
                           + "(no default model found at models/default.earshot)")
        }

        setALSADiagnosticsEnabled(FileSystem.environment("EARSHOT_ALSA_DEBUG") != nil)
        let alsa: ALSAConfiguration?
        if let file = board.audio.alsaConfiguration {
            // For `@func getenv` in the ALSA file: where the board configuration lives.
            let directory = config.map { FileSystem.parentDirectory(of: $0) } ?? "."
            FileSystem.setEnvironment("EARSHOT_CONFIG_DIR", to: directory)
            alsa = try ALSAConfiguration(path: file)
        } else {
            alsa = nil
        }

        // An imported microWakeWord model (earshot-qgraph) runs with its own front end and rule.
        let paths = model.isEmpty ? [modelPath] : model
        // Several models: each must be one (reading it says which is not, and why).
        let graphs = paths.count > 1 || QuantizedGraphCommands.isQuantizedGraph(path: modelPath)
            ? try QuantizedGraphCommands.readModels(paths: paths) : nil
        let modelFile = graphs == nil ? try ModelFile(path: modelPath) : nil
        let parameters = board.audio.captureParameters
        let deviceName = board.audio.device
        let open: ListenSession.DeviceOpener = { () throws(AudioError) -> CaptureDevice in
            try CaptureDevice(device: deviceName, parameters: parameters, configuration: alsa)
        }
        let capture: CaptureDevice
        do {
            capture = try open()
        } catch {
            throw CLIError(Self.explain(error))
        }
        let settings = board.detector
        let gate = try vadOptions.option(boardVAD: board.vad)
        if gate != nil && graphs != nil { throw CLIError("--vad runs in front of Earshot's own streaming models, not imported microWakeWord models") }
        let hop = board.model.windowHopFrames ?? modelFile.flatMap { KeywordSpotter.listeningWindowHop(for: $0) }
        let queue = EventQueue(capacity: 256)
        let session = try ListenSession(
            device: capture, reopen: open,
            makeSpotter: { (rate: Int) throws(ListenerError) -> KeywordSpotter in
                if let graphs { return try KeywordSpotter(graphs: graphs, inputRate: rate, detector: settings) }
                let spotter = try KeywordSpotter(model: modelFile!, inputRate: rate, detector: settings, windowHopFrames: hop)
                if let gate { try spotter.attachGate(gate) }
                return spotter
            },
            queue: queue, log: printDiagnostic)
        if let stats { session.enableStatistics(intervalSeconds: stats) }
        let spotter = session.spotter
        // Per-keyword actions (board configuration `keywords`) must name the model's keywords.
        for name in board.keywords.keys.sorted() where !spotter.labels.contains(name) {
            throw CLIError("\(board.source): 'keywords.\(name)': not a label of the model (\(spotter.labels.joined(separator: " ")))")
        }
        printDiagnostic(Self.startReport(board: board, modelPath: paths.joined(separator: ", "), capture: capture, spotter: spotter))
        if let gate = spotter.gate { printDiagnostic("earshot: " + VADOptions.settingsLine(gate)) }

        StopRequest.installSignalHandlers()
        let reporter = EventReporter(
            queue: queue, formatter: EventFormatter(labels: spotter.labels, json: json), command: command,
            stopWhenOutputCloses: StopRequest.process, actions: board.keywords)
        if stats != nil { reporter.statistics = session.statisticsMailbox }
        reporter.start()
        // After every thread was started and every buffer allocated: see SystemTuning.apply.
        let tuning = SystemTuning.apply(board.system)
        for line in tuning.applied { printDiagnostic("earshot: applied \(line)") }
        for line in tuning.notApplied { printDiagnostic("earshot: not applied: \(line)") }

        let stop = StopRequest.process
        let summary: ListenSummary
        do {
            summary = try session.run(stop: stop, durationSeconds: board.durationSeconds)
        } catch {
            reporter.finish()
            throw error
        }
        reporter.finish()
        printDiagnostic(Self.closingReport(summary, reporter: reporter, queue: queue))
        if let gate = session.spotter.gate { printDiagnostic("earshot: " + VADOptions.summary(gate)) }
    }

    static func explain(_ error: AudioError) -> String {
        switch error {
        case .deviceNotFound:
            return "\(error). List capture devices with `arecord -L` (or `arecord -l` for cards) and pass one with --device."
        case .deviceBusy:
            return "\(error). Stop the other program (see `fuser -v /dev/snd/*`) or use a shared device such as dsnoop."
        default:
            return "\(error)"
        }
    }

    static func startReport(board: BoardConfiguration, modelPath: String, capture: CaptureDevice, spotter: KeywordSpotter) -> String {
        let granted = capture.configuration.granted
        let settings = board.detector
        var lines: [String] = []
        if !board.source.isEmpty { lines.append("earshot: board '\(board.board)' (\(board.source))") }
        lines.append("earshot: device '\(capture.device)': granted \(granted)")
        let differences = capture.configuration.differences
        if !differences.isEmpty {
            lines.append("earshot: note: the device changed \(differences.joined(separator: ", ")) from the request (\(capture.configuration.requested))")
        }
        if granted.rate != spotter.frontend.sampleRate {
            lines.append("earshot: resampling \(granted.rate) Hz -> \(spotter.frontend.sampleRate) Hz (polyphase windowed sinc)")
        }
        if let micro = spotter.microWakeWordStream {
            lines.append("earshot: model \(modelPath): microWakeWord (TFLite int8 graph), keyword\(spotter.labels.count > 1 ? "s" : "") "
                         + spotter.labels.joined(separator: ", ") + (spotter.labels.count > 1 ? " (one front end for all)" : ""))
            for (label, rule) in zip(spotter.labels, micro.detectors) {
                lines.append("earshot: detector \(label): mean of the last \(rule.windowSize) probabilities above "
                             + "\(EventFormatter.fixed(rule.cutoff, 2)); after a detection its window and network state start over")
            }
            return lines.joined(separator: "\n")
        }
        let detector = spotter.detector!.configuration
        let keywords = spotter.labels.filter { !detector.ignoredLabels.contains($0) }
        lines.append("earshot: model \(modelPath): \(spotter.execution), keywords \(keywords.joined(separator: " "))")
        lines.append("earshot: detector: posterior every \(EventFormatter.fixed(spotter.posteriorHopSeconds * 1000, 0)) ms, "
                     + "smoothing over \(detector.smoothingFrames), threshold \(EventFormatter.fixed(Double(detector.defaultThreshold), 2))"
                     + (detector.thresholds.isEmpty ? "" : " (" + detector.thresholds.keys.sorted().map {
                         "\($0) \(EventFormatter.fixed(Double(detector.thresholds[$0]!), 2))" }.joined(separator: ", ") + ")")
                     + ", refractory \(EventFormatter.fixed(detector.refractorySeconds, 2)) s"
                     + (settings.endSilenceSeconds > 0
                        ? ", event times at the keyword's end (after \(EventFormatter.fixed(settings.endSilenceSeconds, 2)) s of quiet)"
                        : ", event times where the score crossed"))
        return lines.joined(separator: "\n")
    }

    static func closingReport(_ summary: ListenSummary, reporter: EventReporter, queue: EventQueue) -> String {
        let perPeriod = summary.periods > 0 ? summary.processingSeconds / Double(summary.periods) : 0
        let factor = summary.audioSeconds > 0 ? summary.processingSeconds / summary.audioSeconds : 0
        var text = "earshot: \(summary.stopReason): \(EventFormatter.fixed(summary.streamSeconds, 2)) s of stream, "
            + "\(EventFormatter.fixed(summary.audioSeconds, 2)) s of audio in \(summary.periods) periods; "
            + "\(reporter.printedCount) event\(reporter.printedCount == 1 ? "" : "s")"
        text += "; overruns \(summary.overruns), reopens \(summary.reopens)"
        if summary.suspends > 0 { text += ", suspends \(summary.suspends)" }
        if queue.droppedCount > 0 { text += ", \(queue.droppedCount) events dropped (queue full)" }
        if reporter.command != nil || reporter.actions.contains(where: { $0.value.command != nil }) {
            text += "; --exec ran \(reporter.commandsStarted), \(reporter.commandsFailed) failed"
            if reporter.commandsCancelled > 0 { text += ", \(reporter.commandsCancelled) cancelled by a stop keyword" }
        }
        text += "\nearshot: pipeline \(EventFormatter.fixed(perPeriod * 1e6, 1)) us per period on average, "
            + "longest \(EventFormatter.fixed(summary.longestPeriodSeconds * 1e6, 1)) us; real-time factor \(EventFormatter.fixed(factor, 4))"
        return text
    }
}
