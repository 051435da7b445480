import Foundation
import Listener
import Testing

@Suite("Per-keyword actions: thresholds and commands in the board configuration, stop keywords")
struct KeywordActionTests {
    @Test("keywords.NAME: threshold joins the detector's thresholds; exec and stop are kept")
    func parses() throws {
        let text = """
            {"detector": {"threshold": 0.8}, "keywords": {
              "yes": {"threshold": 0.6, "exec": "mpc play"},
              "stop": {"stop": true, "exec": null}}}
            """
        let config = try BoardConfiguration.parse(Array(text.utf8), source: "k.json")
        #expect(config.detector.thresholds == ["yes": 0.6])
        #expect(config.keywords["yes"] == KeywordAction(command: "mpc play", isStop: false))
        #expect(config.keywords["stop"] == KeywordAction(command: nil, isStop: true))
    }

    @Test("bad keyword entries name the key", arguments: [
        (#"{"keywords": {"yes": {"run": "x"}}}"#, "'keywords.yes.run'"),
        (#"{"keywords": {"yes": {"exec": ""}}}"#, "the command is empty"),
        (#"{"keywords": {"yes": {"threshold": 2}}}"#, "'keywords.yes.threshold'"),
        (#"{"keywords": {"yes": {"stop": "yes"}}}"#, "'keywords.yes.stop'"),
        (#"{"keywords": {"_silence_": {"threshold": 0.5}}}"#, "is in detector.ignore"),
        (#"{"keywords": {"yes": 1}}"#, "'keywords.yes'"),
    ])
    func refuses(text: String, message: String) {
        do {
            _ = try BoardConfiguration.parse(Array(text.utf8), source: "k.json")
            Issue.record("accepted \(text)")
        } catch {
            #expect(error.description.contains(message), "\(error)")
        }
    }

    @Test("a stop keyword is reported as a stop and cancels the command still running; per-keyword commands replace --exec")
    func stopCancels() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("earshot-actions-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let log = directory.path + "/log"
        var pipe: [Int32] = [0, 0]
        #expect(Glibc.pipe(&pipe) == 0)
        let queue = EventQueue(capacity: 16)
        let reporter = EventReporter(
            queue: queue, formatter: EventFormatter(labels: ["_silence_", "play", "stop", "other"], json: false),
            command: "echo \"global $EARSHOT_KEYWORD $EARSHOT_EVENT\" >> '\(log)'", outputDescriptor: pipe[1],
            actions: [
                "play": KeywordAction(command: "echo \"play $EARSHOT_EVENT\" >> '\(log)'; exec sleep 30"),
                "stop": KeywordAction(command: "echo \"stopped $EARSHOT_EVENT\" >> '\(log)'", isStop: true),
            ])
        reporter.start()
        queue.push(QueuedEvent(kind: .detection, labelIndex: 1, time: 1.0, score: 0.9))
        queue.push(QueuedEvent(kind: .detection, labelIndex: 3, time: 2.0, score: 0.9))
        // The stop only once both commands have written their lines (the long one is then running).
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            if text.contains("play detection"), text.contains("global other detection") { break }
            usleep(10_000)
        }
        queue.push(QueuedEvent(kind: .detection, labelIndex: 2, time: 3.0, score: 0.95))
        reporter.finish()
        close(pipe[1])
        let printed = String(decoding: FileHandle(fileDescriptor: pipe[0], closeOnDealloc: true).readDataToEndOfFile(), as: UTF8.self)
        #expect(printed == "1.000\tplay\t0.9000\n2.000\tother\t0.9000\n3.000\tstop\t0.9500\tstop\n")
        let written = Set(((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init))
        #expect(written == ["play detection", "global other detection", "stopped stop"])
        // The long command is always cancelled; the quick `echo` for "other" may still be running
        // (not yet reaped) when the stop arrives on a loaded machine, and is then cancelled too.
        #expect((1...2).contains(reporter.commandsCancelled))
        #expect(reporter.commandsStarted == 3)
        #expect(reporter.commandsFailed == 0)
    }

    @Test("JSON: a stop keyword's line carries \"event\": \"stop\"")
    func jsonStop() throws {
        let formatter = EventFormatter(labels: ["stop"], json: true)
        let line = formatter.stopLine(keyword: "stop", time: 1.25, score: 0.9)
        let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
        #expect(object?["event"] as? String == "stop")
        #expect(object?["keyword"] as? String == "stop")
    }
}
