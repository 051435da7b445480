import Audio
import Foundation
import Listener
import Testing

@Suite("Board configurations: strict parsing, every shipped file valid")
struct BoardConfigurationTests {
    private func parse(_ text: String) throws(BoardConfigurationError) -> BoardConfiguration {
        try BoardConfiguration.parse(Array(text.utf8), source: "boards/test.json", directory: "boards")
    }

    private func error(_ text: String) -> BoardConfigurationError? {
        do {
            _ = try parse(text)
            return nil
        } catch {
            return error
        }
    }

    @Test("every file in firmware-configs/ parses, and names what it must",
          arguments: ["rpi3", "rpi4", "rpi5", "rpi-zero-2w", "generic-x86_64", "demo"])
    func shipped(name: String) throws {
        let path = repositoryRoot + "/firmware-configs/\(name).json"
        let config = try BoardConfiguration.load(path: path)
        #expect(!config.board.isEmpty && config.board != "unnamed board")
        #expect(config.source == path)
        // Every section is spelled out in the shipped files (no silent defaults).
        let text = try String(contentsOfFile: path, encoding: .utf8)
        for key in ["\"device\"", "\"format\"", "\"rate\"", "\"period_frames\"", "\"buffer_frames\"", "\"model\"",
                    "\"smoothing_seconds\"", "\"threshold\"", "\"refractory_seconds\"", "\"cpu_affinity\"",
                    "\"realtime_priority\"", "\"lock_memory\""] {
            #expect(text.contains(key), "\(name).json does not spell out \(key)")
        }
        #expect(config.audio.bufferFrames >= 2 * config.audio.periodFrames)
    }

    @Test("values are read with their types; relative paths resolve against the file's directory")
    func values() throws {
        let config = try parse("""
            {
              "board": "Test board",
              "audio": {"device": "plughw:1,0", "alsa_config": "extra.conf", "format": "S32_LE", "rate": 48000,
                        "channels": 2, "period_frames": 480, "buffer_frames": 1920, "device_resampling": true},
              "model": {"path": "models/kws.earshot", "window_hop_frames": 3},
              "detector": {"smoothing_seconds": 0.3, "threshold": 0.75, "thresholds": {"yes": 0.6, "stop": 1},
                           "refractory_seconds": 2, "refractory_scope": "same_keyword", "ignore": ["_silence_"]},
              "system": {"cpu_affinity": [2, 3], "realtime_priority": 40, "lock_memory": true},
              "duration_seconds": 12.5
            }
            """)
        #expect(config.board == "Test board")
        #expect(config.audio.device == "plughw:1,0")
        #expect(config.audio.alsaConfiguration == "boards/extra.conf")
        #expect(config.audio.format == .s32LE)
        #expect(config.audio.captureParameters == CaptureParameters(
            format: .s32LE, rate: 48_000, channels: 2, periodFrames: 480, bufferFrames: 1_920, deviceResampling: true))
        #expect(config.model.path == "boards/models/kws.earshot")
        #expect(config.model.windowHopFrames == 3)
        #expect(config.detector.smoothingSeconds == 0.3)
        #expect(config.detector.threshold == 0.75)
        #expect(config.detector.thresholds == ["yes": 0.6, "stop": 1])
        #expect(config.detector.refractorySeconds == 2)
        #expect(config.detector.refractoryScope == .sameKeyword)
        #expect(config.detector.ignoredLabels == ["_silence_"])
        #expect(config.system.cpuAffinity == [2, 3])
        #expect(config.system.realtimePriority == 40)
        #expect(config.system.lockMemory)
        #expect(config.durationSeconds == 12.5)
    }

    @Test("an empty object is the documented defaults; null means 'none' where allowed")
    func defaults() throws {
        let config = try parse("{}")
        var expected = BoardConfiguration()
        expected.source = "boards/test.json"
        #expect(config == expected)
        let nulls = try parse("""
            {"audio": {"alsa_config": null}, "model": {"path": null, "window_hop_frames": null},
             "system": {"cpu_affinity": null, "realtime_priority": null}, "duration_seconds": null}
            """)
        #expect(nulls.model.path == nil && nulls.system.cpuAffinity == nil && nulls.durationSeconds == nil)
        #expect(try parse(#"{"system": {"realtime_priority": 0}}"#).system.realtimePriority == nil)
    }

    @Test("an unknown key is an error naming the key, the file and the line")
    func unknownKey() {
        let e = error("""
            {
              "audio": {
                "device": "hw:0",
                "sample_rate": 16000
              }
            }
            """)
        #expect(e?.key == "audio.sample_rate")
        #expect(e?.line == 4)
        #expect(e?.description == "boards/test.json: 'audio.sample_rate' (line 4): unknown key; the keys allowed here are "
            + "device, alsa_config, format, rate, channels, period_frames, buffer_frames, device_resampling")
        #expect(error(#"{"bord": "x"}"#)?.key == "bord")
        #expect(error(#"{"system": {"mlock": true}}"#)?.key == "system.mlock")
    }

    @Test("a wrong type is an error naming the key and both types")
    func wrongType() {
        #expect(error(#"{"audio": {"rate": "16000"}}"#)?.description
            == "boards/test.json: 'audio.rate' (line 1): expected an integer, found a string")
        #expect(error(#"{"audio": {"rate": 16000.5}}"#)?.problem == .wrongType(expected: "an integer", found: "a number"))
        #expect(error(#"{"audio": {"device_resampling": 1}}"#)?.problem == .wrongType(expected: "true or false", found: "an integer"))
        #expect(error(#"{"audio": {"rate": null}}"#)?.problem == .wrongType(expected: "an integer", found: "null"))
        #expect(error(#"{"audio": 5}"#)?.problem == .wrongType(expected: "an object", found: "an integer"))
        #expect(error(#"{"detector": {"ignore": ["_silence_", 3]}}"#)?.key == "detector.ignore")
        #expect(error(#"{"system": {"cpu_affinity": [1.5]}}"#)?.key == "system.cpu_affinity")
        #expect(error(#"{"detector": {"thresholds": {"yes": "high"}}}"#)?.key == "detector.thresholds.yes")
        #expect(error("[]")?.problem == .wrongType(expected: "an object", found: "an array"))
    }

    @Test("a value out of range is an error naming the key and the range")
    func outOfRange() {
        #expect(error(#"{"audio": {"rate": 1000}}"#)?.description
            == "boards/test.json: 'audio.rate' (line 1): 1000 is out of range (8000 to 384000)")
        #expect(error(#"{"audio": {"channels": 0}}"#)?.key == "audio.channels")
        #expect(error(#"{"audio": {"period_frames": 160, "buffer_frames": 200}}"#)?.problem
            == .outOfRange(value: "200", range: "at least two periods: 320 or more"))
        #expect(error(#"{"detector": {"threshold": 1.2}}"#)?.key == "detector.threshold")
        #expect(error(#"{"detector": {"thresholds": {"yes": -0.1}}}"#)?.key == "detector.thresholds.yes")
        #expect(error(#"{"system": {"realtime_priority": 100}}"#)?.key == "system.realtime_priority")
        #expect(error(#"{"system": {"cpu_affinity": [4096]}}"#)?.key == "system.cpu_affinity")
        #expect(error(#"{"system": {"cpu_affinity": []}}"#)?.key == "system.cpu_affinity")
        #expect(error(#"{"duration_seconds": 0}"#)?.key == "duration_seconds")
        #expect(error(#"{"model": {"window_hop_frames": 0}}"#)?.key == "model.window_hop_frames")
    }

    @Test("invalid names: sample format, refractory scope, empty device")
    func invalidNames() {
        #expect(error(#"{"audio": {"format": "U8"}}"#)?.description
            == "boards/test.json: 'audio.format' (line 1): 'U8' is not a sample format; use one of S16_LE, S32_LE, FLOAT_LE, S24_LE, S24_3LE")
        #expect(error(#"{"detector": {"refractory_scope": "all"}}"#)?.key == "detector.refractory_scope")
        #expect(error(#"{"audio": {"device": ""}}"#)?.key == "audio.device")
        #expect(error(#"{"detector": {"thresholds": {"_silence_": 0.5}}}"#)?.key == "detector.thresholds")
    }

    @Test("JSON syntax errors give the line and column; duplicate keys are refused")
    func syntax() {
        let e = error("{\n  \"board\": \"x\",\n  \"audio\": {\"rate\": 16000,}\n}")
        #expect(e?.line == 3)
        #expect(e?.description.hasPrefix("boards/test.json: not valid JSON: line 3, column 27:") == true)
        #expect(error(#"{"board": "a", "board": "b"}"#)?.description.contains("the key \"board\" appears twice") == true)
        #expect(error("")?.description.contains("the text ends where a value should start") == true)
        #expect(error("{} x")?.description.contains("unexpected text after the value") == true)
        #expect(error(#"{"board": "a\u0001"}"#) == nil)
        #expect(error("{\"board\": \"a\u{01}\"}")?.description.contains("control character") == true)
    }

    @Test("a missing or oversized file is refused before parsing")
    func files() throws {
        do {
            _ = try BoardConfiguration.load(path: "/nonexistent/board.json")
            Issue.record("loaded")
        } catch {
            #expect(error.description.hasPrefix("/nonexistent/board.json: cannot read the board configuration:"))
        }
        let directory = try TemporaryDirectory()
        let big = try directory.write([UInt8](repeating: 0x20, count: (1 << 20) + 1), to: "big.json")
        #expect(throws: BoardConfigurationError.self) { _ = try BoardConfiguration.load(path: big) }
    }
}
