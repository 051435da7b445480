// `earshot listen`'s work, apart from its command so the static aarch64 build (Aarch64/earshot) runs
// the same code. Typed throws: Embedded Swift has no `any Error`.
import Audio
import Listener
import Model
import Pipeline
import Spotter
import SystemFile

/// What `earshot listen` was given (ListenCommand's options; the aarch64 build's ArgumentList).
struct ListenOptions {
    var config: String?
    var models: [String]
    /// The model used when neither --model nor the board configuration names one.
    var defaultModel: String?
    var device: String?
    var alsaConfig: String?
    var duration: Double?
    var json: Bool
    var command: String?
    var stats: Double?
    /// `--threshold`: for every keyword without its own, over the board configuration's.
    var threshold: Float? = nil
    /// The voice-activity gate asked for (`--vad`; the board configuration's `vad` key otherwise).
    var vad = VADRequest()
}

/// `earshot listen`: keywords from a live ALSA stream (see ListenCommand for the whole story).
enum ListenRun {
    static func run(_ o: ListenOptions) throws(CLIError) {
        var board = BoardConfiguration()
        if let config = o.config {
            do { board = try BoardConfiguration.load(path: config) } catch { throw CLIError(error.description) }
        }
        if let device = o.device { board.audio.device = device }
        if let alsaConfig = o.alsaConfig { board.audio.alsaConfiguration = alsaConfig }
        if let duration = o.duration { board.durationSeconds = duration }
        guard let modelPath = o.models.first ?? board.model.path ?? o.defaultModel else {
            throw CLIError("no model: pass --model MODEL.earshot or set model.path in the board configuration "
                           + "(no default model found at models/default.earshot)")
        }

        setALSADiagnosticsEnabled(FileSystem.environment("EARSHOT_ALSA_DEBUG") != nil)
        let alsa: ALSAConfiguration?
        if let file = board.audio.alsaConfiguration {
            // For `@func getenv` in the ALSA file: where the board configuration lives.
            let directory = o.config.map { FileSystem.parentDirectory(of: $0) } ?? "."
            FileSystem.setEnvironment("EARSHOT_CONFIG_DIR", to: directory)
            do { alsa = try ALSAConfiguration(path: file) } catch { throw CLIError(error.description) }
        } else {
            alsa = nil
        }

        // Every model (Earshot's and imported microWakeWord graphs) on one pipeline.
        let paths = o.models.isEmpty ? [modelPath] : o.models
        board.detector = StreamPipeline.applying(threshold: o.threshold, to: board.detector)
        let pipeline = try StreamPipeline.make(paths: paths, detector: board.detector, windowHopFrames: board.model.windowHopFrames)
        let parameters = board.audio.captureParameters
        let deviceName = board.audio.device
        let open: ListenSession.DeviceOpener = { () throws(AudioError) -> CaptureDevice in
            try CaptureDevice(device: deviceName, parameters: parameters, configuration: alsa)
        }
        let capture: CaptureDevice
        do {
            capture = try open()
        } catch {
            throw CLIError(explain(error))
        }
        let gate = try o.vad.option(boardVAD: board.vad)
        let queue = EventQueue(capacity: 256)
        let session: ListenSession
        do {
            session = try ListenSession(
                device: capture, reopen: open,
                makeSpotter: { (rate: Int) throws(ListenerError) -> KeywordSpotter in
                    let spotter = try KeywordSpotter(pipeline: pipeline, inputRate: rate)
                    if let gate { try spotter.attachGate(gate) }
                    return spotter
                },
                queue: queue, log: printDiagnostic)
        } catch {
            throw CLIError(error.description)
        }
        if let stats = o.stats { session.enableStatistics(intervalSeconds: stats) }
        let spotter = session.spotter
        // Per-keyword actions (board configuration `keywords`) must name the model's keywords.
        for name in board.keywords.keys.sorted() where !spotter.labels.contains(name) {
            throw CLIError("\(board.source): 'keywords.\(name)': not a label of the model (\(spotter.labels.joined(separator: " ")))")
        }
        printDiagnostic(startReport(board: board, modelPath: paths.joined(separator: ", "), capture: capture, spotter: spotter))
        if let gate = spotter.gate { printDiagnostic("earshot: " + VADRequest.settingsLine(gate)) }

        StopRequest.installSignalHandlers()
        let reporter = EventReporter(
            queue: queue, formatter: EventFormatter(labels: spotter.labels, json: o.json), command: o.command,
            stopWhenOutputCloses: StopRequest.process, actions: board.keywords)
        if o.stats != nil { reporter.statistics = session.statisticsMailbox }
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
            throw CLIError(error.description)
        }
        reporter.finish()
        printDiagnostic(closingReport(summary, reporter: reporter, queue: queue))
        if session.spotter.gate != nil { printDiagnostic("earshot: " + VADRequest.summary(session.spotter.stream)) }
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
        let stream = spotter.stream
        if stream.openWakeWordRule(model: 0) != nil {
            lines.append("earshot: model \(modelPath): openWakeWord (mel and embedding networks once per 80 ms chunk for all)")
            for index in stream.pipeline.parts.indices {
                guard let rule = stream.openWakeWordRule(model: index) else { continue }
                // One line per threshold (a multi-class head's keywords mostly share one).
                var done = [Bool](repeating: false, count: rule.keywords.count)
                for (k, keyword) in rule.keywords.enumerated() where !done[k] {
                    var names: [String] = []
                    for j in k..<rule.keywords.count where rule.keywords[j].threshold == keyword.threshold {
                        names.append(rule.keywords[j].label)
                        done[j] = true
                    }
                    // A multi-class head reports each episode's peak (OpenWakeWordRunner).
                    let peak = rule.keywords.count > 1 ? " (the peak of each run of such chunks)" : ""
                    lines.append("earshot: detector \(names.joined(separator: "/")): a chunk's score >= "
                                 + "\(EventFormatter.fixed(Double(keyword.threshold), 2))\(peak), then "
                                 + "\(EventFormatter.fixed(rule.refractorySeconds, 2)) s refractory")
                }
            }
            return lines.joined(separator: "\n")
        }
        if stream.detector == nil {
            lines.append("earshot: model \(modelPath): microWakeWord (TFLite int8 graph), keyword\(spotter.labels.count > 1 ? "s" : "") "
                         + spotter.labels.joined(separator: ", ") + (spotter.labels.count > 1 ? " (one front end for all)" : ""))
            for (index, label) in spotter.labels.enumerated() {
                guard let rule = stream.microWakeWordRule(model: index) else { continue }
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
