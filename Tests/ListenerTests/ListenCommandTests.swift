import Foundation
import Model
import Testing

/// Runs the built `earshot` executable.
private struct Run {
    var status: Int32
    var stdout: String
    var stderr: String
}

private func earshot(_ arguments: [String], environment: [String: String] = [:], terminateAfter: Double? = nil,
                     whenOutputContains marker: String? = nil) throws -> Run {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: earshotExecutable!)
    process.arguments = arguments
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = FileHandle.nullDevice
    // One reader thread per pipe, each until end of file: nothing written before the exit is lost
    // (a readability handler could still hold a chunk it had read when the process was reaped).
    let collected = OutputCollector()
    let finished = DispatchSemaphore(value: 0)
    try process.run()
    for (pipe, stream) in [(out, 1), (err, 2)] {
        let handle = pipe.fileHandleForReading
        Thread.detachNewThread {
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                collected.append(chunk, to: stream)
            }
            finished.signal()
        }
    }
    if let terminateAfter {
        let deadline = Date().addingTimeInterval(terminateAfter)
        while Date() < deadline {
            if let marker, collected.text(1).contains(marker) { break }
            Thread.sleep(forTimeInterval: 0.02)
        }
        process.terminate()   // SIGTERM
    }
    // Never hang the test run: a process still alive 30 s later is killed and reported.
    let deadline = Date().addingTimeInterval(30)
    while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
    if process.isRunning {
        kill(process.processIdentifier, SIGKILL)
        Issue.record("earshot \(arguments.joined(separator: " ")) did not exit; killed")
    }
    process.waitUntilExit()
    for name in ["stdout", "stderr"] where finished.wait(timeout: .now() + 30) == .timedOut {
        Issue.record("earshot \(arguments.joined(separator: " ")): \(name) not closed 30 s after the exit")
    }
    return Run(status: process.terminationStatus, stdout: collected.text(1), stderr: collected.text(2))
}

private final class OutputCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var data: [Int: Data] = [1: Data(), 2: Data()]
    func append(_ chunk: Data, to stream: Int) {
        lock.lock()
        data[stream]!.append(chunk)
        lock.unlock()
    }
    func text(_ stream: Int) -> String {
        lock.lock()
        defer { lock.unlock() }
        return String(decoding: data[stream]!, as: UTF8.self)
    }
}

/// A directory with the burst-detector model, a 16 kHz recording with bursts, and an ALSA
/// configuration defining `earshot_cli` (the file plugin reading it).
private final class Fixture {
    let directory: TemporaryDirectory
    let model: String
    let alsa: String
    let config: String
    let wav: String
    let starts = [0.5, 1.5, 2.5, 3.5]

    init(seconds: Double = 4.5) throws {
        directory = try TemporaryDirectory()
        model = directory.path + "/burst.earshot"
        let (description, tensors) = burstDetectorParts()
        try ModelWriter.write(description, tensors: tensors, to: model)
        let pcm = s16Bytes(burstSignal(seconds: seconds, starts: starts, length: 0.2))
        let raw = try directory.write(pcm, to: "stream.raw")
        wav = try directory.write(wavHeader(dataBytes: pcm.count) + pcm, to: "stream.wav")
        alsa = try directory.write(filePluginPCM(named: "earshot_cli", infile: raw), to: "asoundrc")
        config = try directory.write("""
            {"board": "test", "detector": {"smoothing_seconds": 0, "threshold": 0.5, "refractory_seconds": 0.5}}
            """, to: "detector.json")
    }

    /// Common arguments: the model, the file-plugin device, one-posterior detection.
    var listen: [String] { ["listen", "--config", config, "--model", model, "--alsa-config", alsa, "--device", "earshot_cli"] }
}

/// A 44-byte header for 16 kHz mono S16 PCM.
private func wavHeader(dataBytes: Int) -> [UInt8] {
    var h: [UInt8] = []
    func u32(_ v: Int) { withUnsafeBytes(of: UInt32(v).littleEndian) { h.append(contentsOf: $0) } }
    func u16(_ v: Int) { withUnsafeBytes(of: UInt16(v).littleEndian) { h.append(contentsOf: $0) } }
    h += Array("RIFF".utf8); u32(36 + dataBytes); h += Array("WAVEfmt ".utf8)
    u32(16); u16(1); u16(1); u32(16_000); u32(32_000); u16(2); u16(16)
    h += Array("data".utf8); u32(dataBytes)
    return h
}

@Suite("earshot listen (the executable)", .enabled(if: earshotExecutable != nil, "the earshot executable is not built next to the tests"))
struct ListenCommandTests {
    @Test("events on standard output, one line each; the report on standard error")
    func text() throws {
        let f = try Fixture()
        let run = try earshot(f.listen + ["--duration", "4.5"])
        #expect(run.status == 0, "\(run.stderr)")
        let lines = run.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 4, "\(run.stdout)")
        for (line, start) in zip(lines, f.starts) {
            let fields = line.split(separator: "\t").map(String.init)
            #expect(fields.count == 3 && fields[1] == "yes", "\(line)")
            let time = Double(fields[0]) ?? -1
            // Stamped where the 0.2 s burst ends (the default end finding).
            #expect(abs(time - (start + 0.2)) <= 0.021, "\(line)")
        }
        #expect(run.stderr.contains("device 'earshot_cli': granted S16_LE, 16000 Hz, 1 channel, period 160 frames"))
        #expect(run.stderr.contains("duration reached: 4.50 s of stream"))
        #expect(run.stderr.contains("4 events; overruns 0, reopens 0"))
    }

    @Test("--json prints one object per line with keyword, time and score")
    func json() throws {
        let f = try Fixture()
        let run = try earshot(f.listen + ["--duration", "4.5", "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        let lines = run.stdout.split(separator: "\n")
        #expect(lines.count == 4)
        for line in lines {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect(object?["keyword"] as? String == "yes")
            #expect(object?["time"] is Double || object?["time"] is NSNumber)
            #expect(Set(object?.keys.map { $0 } ?? []) == ["keyword", "time", "score"])
        }
    }

    @Test("--exec runs the command per event with the event in its environment")
    func exec() throws {
        let f = try Fixture()
        let log = f.directory.path + "/events.log"
        let run = try earshot(f.listen + [
            "--duration", "4.5", "--exec", "echo \"$EARSHOT_KEYWORD $EARSHOT_TIME $EARSHOT_SCORE\" >> '\(log)'",
        ])
        #expect(run.status == 0, "\(run.stderr)")
        let written = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        let entries = written.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }.sorted { $0[1] < $1[1] }
        let printed = run.stdout.split(separator: "\n").map { $0.split(separator: "\t").map(String.init) }
        #expect(entries.count == 4, "\(written)")
        for (entry, line) in zip(entries, printed) {
            #expect(entry == [line[1], line[0], line[2]])
        }
        #expect(run.stderr.contains("--exec ran 4, 0 failed"))
    }

    @Test("SIGTERM stops cleanly: exit 0 and every event already detected is printed")
    func sigterm() throws {
        // After the file ends the plugin delivers silence forever: only a signal stops it.
        let f = try Fixture()
        let run = try earshot(f.listen, terminateAfter: 20, whenOutputContains: "3.5")
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.split(separator: "\n").count == 4, "\(run.stdout)")
        #expect(run.stderr.contains("stopped by SIGTERM"), "\(run.stderr)")
    }

    @Test("detect --stream on the recording prints exactly the events listen prints capturing it")
    func detectStream() throws {
        let f = try Fixture()
        let live = try earshot(f.listen + ["--duration", "4.5"])
        let offline = try earshot(["detect", "--stream", "--config", f.config, "--model", f.model, f.wav])
        #expect(offline.status == 0, "\(offline.stderr)")
        #expect(offline.stdout == live.stdout)
        #expect(offline.stdout.split(separator: "\n").count == 4)
    }

    @Test("threshold order on the command line: --threshold > the board's detector.threshold > the model's stored threshold > 0.8")
    func thresholdOrder() throws {
        let f = try Fixture()
        // The bursts score about 0.997 for "yes" (printed below), silence about 0 (the burst detector).
        func events(_ arguments: [String], model: String? = nil) throws -> Int {
            let run = try earshot(["detect", "--stream", "--model", model ?? f.model, f.wav] + arguments)
            #expect(run.status == 0, "\(run.stderr)")
            return run.stdout.split(separator: "\n").count
        }
        let scores = try earshot(["detect", "--stream", "--config", f.config, "--model", f.model, f.wav]).stdout
            .split(separator: "\n").compactMap { $0.split(separator: "\t").last.flatMap { Float($0) } }
        #expect(scores.count == 4, "\(scores)")
        // The board says 0.5 (4 events); --threshold above every score wins over it.
        #expect(try events(["--config", f.config]) == 4)
        #expect(scores.allSatisfy { $0 > 0.9 && $0 < 0.999 }, "\(scores)")
        #expect(try events(["--config", f.config, "--threshold", "0.999"]) == 0)
        // A model storing detector.threshold 1.0: nothing fires by itself; the board's 0.5 overrides it.
        var (description, tensors) = burstDetectorParts()
        description.metadata["detector.threshold"] = .float(1.0)
        let strict = f.directory.path + "/strict.earshot"
        try ModelWriter.write(description, tensors: tensors, to: strict)
        #expect(try events([], model: strict) == 0)
        #expect(try events(["--config", f.config], model: strict) == 4)
        #expect(try events(["--threshold", "0.5"], model: strict) == 4)
        // Without any: 0.8 (the bursts reach it).
        #expect(try events([]) == (scores.filter { $0 >= 0.8 }.count))
        let bad = try earshot(["detect", "--stream", "--model", f.model, f.wav, "--threshold", "1.5"])
        #expect(bad.status != 0 && bad.stderr.contains("--threshold must be 0 to 1"), "\(bad.stderr)")
    }

    @Test("a missing device: a clear error naming it, and exit status 1")
    func missingDevice() throws {
        let f = try Fixture()
        let run = try earshot(["listen", "--model", f.model, "--device", "hw:29,0"])
        #expect(run.status == 1)
        #expect(run.stderr.contains("cannot open audio device 'hw:29,0': no such device"), "\(run.stderr)")
        #expect(run.stderr.contains("arecord -L"))
        #expect(run.stdout.isEmpty)
        let unknown = try earshot(["listen", "--model", f.model, "--device", "earshot_nowhere"])
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("cannot open audio device 'earshot_nowhere'"))
    }

    @Test("a bad board config: the error names the file and the key, exit status 1")
    func badConfig() throws {
        let f = try Fixture()
        let config = try f.directory.write(#"{"board": "x", "audio": {"device": "earshot_cli", "period": 160}}"#, to: "bad.json")
        let run = try earshot(["listen", "--config", config, "--model", f.model])
        #expect(run.status == 1)
        #expect(run.stderr.contains("\(config): 'audio.period' (line 1): unknown key"), "\(run.stderr)")
        let range = try f.directory.write(#"{"detector": {"threshold": 2}}"#, to: "range.json")
        let second = try earshot(["listen", "--config", range, "--model", f.model])
        #expect(second.status == 1)
        #expect(second.stderr.contains("'detector.threshold' (line 1): 2.0 is out of range (0.0 to 1.0)"), "\(second.stderr)")
    }

    @Test("a board config drives the run: device, ALSA file, duration; tuning reported")
    func boardConfig() throws {
        let f = try Fixture()
        let config = try f.directory.write("""
            {"board": "test rig", "audio": {"device": "earshot_cli", "alsa_config": "asoundrc"},
             "model": {"path": "burst.earshot"}, "detector": {"smoothing_seconds": 0, "threshold": 0.5},
             "system": {"cpu_affinity": [0], "realtime_priority": 1, "lock_memory": false},
             "duration_seconds": 4.5}
            """, to: "board.json")
        let run = try earshot(["listen", "--config", config])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.split(separator: "\n").count == 4)
        #expect(run.stderr.contains("board 'test rig'"))
        #expect(run.stderr.contains("CPU affinity"))
        #expect(run.stderr.contains("SCHED_FIFO"))
    }
}
