import SystemFile
import CListenerShims
import JSON
import Synchronization
import Timing

// MARK: - Formatting

/// Formats events as `listen` and `detect --stream` print them, one line each:
/// text `TIME\tKEYWORD\tSCORE` (3 and 4 decimals) or JSON `{"keyword": ..., "time": ..., "score": ...}`.
public struct EventFormatter: Sendable {
    public let labels: [String]
    public let json: Bool

    public init(labels: [String], json: Bool) {
        self.labels = labels
        self.json = json
    }

    /// The line for a detection, without the newline.
    public func line(keyword: String, time: Double, score: Float) -> String {
        if json {
            return "{\"keyword\": \(Self.quoted(keyword)), \"time\": \(Self.fixed(time, 3)), \"score\": \(Self.fixed(Double(score), 4))}"
        }
        return "\(Self.fixed(time, 3))\t\(keyword)\t\(Self.fixed(Double(score), 4))"
    }

    /// The line for a queued detection.
    public func line(_ event: QueuedEvent) -> String {
        line(keyword: keyword(event), time: event.time, score: event.score)
    }

    /// The line for a "stop" keyword's event: the detection's line marked as a stop
    /// (JSON `"event": "stop"`; text, a 4th column `stop`).
    public func stopLine(keyword: String, time: Double, score: Float) -> String {
        let plain = line(keyword: keyword, time: time, score: score)
        return json ? String(plain.dropLast()) + ", \"event\": \"stop\"}" : plain + "\tstop"
    }

    /// The keyword of a queued detection.
    public func keyword(_ event: QueuedEvent) -> String {
        let index = Int(event.labelIndex)
        return index >= 0 && index < labels.count ? labels[index] : "class\(index)"
    }

    /// `value` with exactly `decimals` digits after the point (round half away from zero).
    public static func fixed(_ value: Double, _ decimals: Int) -> String {
        guard value.isFinite else { return "0" }
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let scaled = (abs(value) * scale).rounded()
        guard scaled < 9e15 else { return "\(value)" }
        let units = Int(scaled)
        var unitScale = 1
        for _ in 0..<decimals { unitScale *= 10 }
        let whole = units / unitScale
        let fraction = String(units % unitScale)
        let sign = value < 0 && units != 0 ? "-" : ""
        guard decimals > 0 else { return sign + String(whole) }
        return sign + String(whole) + "." + String(repeating: "0", count: decimals - fraction.count) + fraction
    }

    /// A JSON string literal.
    public static func quoted(_ text: String) -> String { JSON.quoted(text) }
}

// MARK: - Output

/// Writes all of `text` to a file descriptor, retrying after signals and partial writes.
/// Returns false when the descriptor is closed for writing (EPIPE) or fails otherwise.
@discardableResult
func writeAll(_ fd: Int32, _ text: String) -> Bool { SystemProcess.writeAll(fd, text) }

/// A line on standard error (diagnostics; events go to standard output).
public func printDiagnostic(_ text: String) {
    writeAll(2, text + "\n")
}

// MARK: - Reporter thread

/// The reporting thread: takes events off an `EventQueue` and prints one line per event on
/// standard output (flushed per line), notes overruns on standard error, and runs the `--exec`
/// command per event with `EARSHOT_KEYWORD`, `EARSHOT_TIME` and `EARSHOT_SCORE` in its
/// environment (`/bin/sh -c COMMAND`, standard output sent to standard error so it cannot mix
/// with the event lines). Up to `maximumRunningCommands` commands run at once; the capture
/// thread never waits for any of this.
public final class EventReporter: @unchecked Sendable {
    public let queue: EventQueue
    public let formatter: EventFormatter
    /// The shell command run per event, or nil.
    public let command: String?
    /// Per-keyword commands (instead of `command`) and "stop" keywords, which are reported as
    /// stops and cancel (SIGTERM) the commands still running.
    public let actions: [String: KeywordAction]
    /// Commands cancelled by "stop" keywords.
    public var commandsCancelled: Int { cancelled.load(ordering: .acquiring) }
    private let cancelled = Atomic<Int>(0)
    /// Commands allowed to run at the same time; with this many running, the reporter waits.
    public let maximumRunningCommands = 4
    /// How long `finish` waits for running commands before leaving them behind.
    public let commandGraceSeconds: Double

    /// Detections printed.
    public var printedCount: Int { printed.load(ordering: .acquiring) }
    /// Commands started.
    public var commandsStarted: Int { started.load(ordering: .acquiring) }
    /// Commands that failed to start or exited with a non-zero status.
    public var commandsFailed: Int { failed.load(ordering: .acquiring) }
    /// True once standard output was found closed (e.g. `earshot listen | head -1` ended).
    public var outputClosed: Bool { closedOutput.load(ordering: .acquiring) }

    private let printed = Atomic<Int>(0)
    private let started = Atomic<Int>(0)
    private let failed = Atomic<Int>(0)
    private let closedOutput = Atomic<Bool>(false)
    private var running: [Int32] = []
    /// Commands sent SIGTERM by a stop keyword: their exit by that signal is not a failure.
    private var cancelledPIDs: Set<Int32> = []
    private var thread: SystemThread? = nil
    private let outputDescriptor: Int32
    private let stopWhenOutputCloses: StopRequest?
    /// Where `listen --stats` summaries come from (set before `start`), or nil.
    public var statistics: StatisticsMailbox?

    /// - Parameters:
    ///   - outputDescriptor: where event lines go (1, standard output, by default).
    ///   - stopWhenOutputCloses: asked to stop when writing an event line fails (the reader
    ///     of standard output went away), or nil to keep going.
    public init(queue: EventQueue, formatter: EventFormatter, command: String?,
                commandGraceSeconds: Double = 10, outputDescriptor: Int32 = 1,
                stopWhenOutputCloses: StopRequest? = nil, actions: [String: KeywordAction] = [:]) {
        self.queue = queue
        self.formatter = formatter
        self.command = command
        self.actions = actions
        self.commandGraceSeconds = commandGraceSeconds
        self.outputDescriptor = outputDescriptor
        self.stopWhenOutputCloses = stopWhenOutputCloses
    }

    /// Starts the thread. Call before `SystemTuning.apply`, so it does not inherit the capture
    /// thread's real-time priority and CPU affinity.
    public func start() {
        do throws(SystemCallError) {
            thread = try SystemThread.start { [self] in run() }
        } catch {
            // No thread: report synchronously in finish.
            printDiagnostic("earshot: cannot start the reporting thread (\(SystemTuning.errorText(error.errno))); events are printed at the end")
        }
    }

    /// Closes the queue, lets the thread print everything queued, waits for running commands
    /// (up to `commandGraceSeconds`) and joins the thread.
    public func finish() {
        queue.close()
        if let thread {
            thread.join()
            self.thread = nil
        } else {
            run()
        }
    }

    private func run() {
        while true {
            queue.wait()
            drain()
            reap(blocking: false)
            if queue.isClosed {
                drain()
                break
            }
        }
        waitForCommands()
    }

    private func drain() {
        while let event = queue.pop() {
            switch event.kind {
            case .detection:
                let keyword = formatter.keyword(event)
                let action = actions[keyword]
                let isStop = action?.isStop ?? false
                let line = isStop ? formatter.stopLine(keyword: keyword, time: event.time, score: event.score) : formatter.line(event)
                if !closedOutput.load(ordering: .relaxed) {
                    if !writeAll(outputDescriptor, line + "\n") {
                        closedOutput.store(true, ordering: .releasing)
                        if let stop = stopWhenOutputCloses {
                            printDiagnostic("earshot: standard output was closed; stopping")
                            stop.request()
                        }
                    }
                }
                printed.add(1, ordering: .releasing)
                if isStop { cancelCommands() }
                if let command = action?.command ?? command { spawn(command, event, stop: isStop) }
            case .overrun:
                printDiagnostic("earshot: audio overrun at \(EventFormatter.fixed(event.time, 3)) s recovered (\(event.count) so far)")
            case .statistics:
                // Text on standard error; with --json one JSON object per line there too, so
                // standard output stays events only.
                guard let summary = statistics?.take() else { break }
                printDiagnostic(formatter.json ? summary.json.serialized() : "earshot: " + summary.text)
            }
        }
    }

    // MARK: - Commands

    /// A "stop" keyword: SIGTERM to every command still running (reaped as usual).
    private func cancelCommands() {
        reap(blocking: false)
        for pid in running where SystemProcess.terminate(pid) {
            cancelledPIDs.insert(pid)
            cancelled.add(1, ordering: .releasing)
        }
    }

    private func spawn(_ command: String, _ event: QueuedEvent, stop: Bool) {
        while running.count >= maximumRunningCommands {
            reap(blocking: true)
        }
        let keyword = formatter.keyword(event)
        var environment: [String] = []
        var entry = earshot_environment()
        while let pointer = entry?.pointee {
            let text = String(cString: pointer)
            if !text.hasPrefix("EARSHOT_KEYWORD=") && !text.hasPrefix("EARSHOT_TIME=") && !text.hasPrefix("EARSHOT_SCORE=")
                && !text.hasPrefix("EARSHOT_EVENT=") {
                environment.append(text)
            }
            entry = entry! + 1
        }
        environment.append("EARSHOT_KEYWORD=\(keyword)")
        environment.append("EARSHOT_TIME=\(EventFormatter.fixed(event.time, 3))")
        environment.append("EARSHOT_SCORE=\(EventFormatter.fixed(Double(event.score), 4))")
        environment.append("EARSHOT_EVENT=\(stop ? "stop" : "detection")")
        do throws(SystemCallError) {
            running.append(try SystemProcess.spawnShell(command, environment: environment))
            started.add(1, ordering: .releasing)
        } catch {
            failed.add(1, ordering: .releasing)
            printDiagnostic("earshot: cannot run --exec command: \(SystemTuning.errorText(error.errno))")
        }
    }

    /// Collects finished commands; with `blocking`, waits up to 10 ms for one.
    private func reap(blocking: Bool) {
        var index = 0
        var waited = false
        while true {
            index = 0
            while index < running.count {
                let status = SystemProcess.reap(running[index])
                if status == .running {
                    index += 1
                } else {
                    let wasCancelled = cancelledPIDs.remove(running[index]) != nil
                    if !wasCancelled && status != SystemProcess.ChildStatus.ended(succeeded: true) {
                        failed.add(1, ordering: .releasing)
                    }
                    running.remove(at: index)
                }
            }
            if !blocking || waited || running.isEmpty { return }
            SystemThread.sleep(milliseconds: 10)
            waited = true
        }
    }

    private func waitForCommands() {
        var waitedSeconds = 0.0
        while !running.isEmpty && waitedSeconds < commandGraceSeconds {
            reap(blocking: true)
            waitedSeconds += 0.01
        }
        if !running.isEmpty {
            printDiagnostic("earshot: \(running.count) --exec command(s) still running after \(EventFormatter.fixed(commandGraceSeconds, 0)) s; not waiting for them")
        }
    }
}
