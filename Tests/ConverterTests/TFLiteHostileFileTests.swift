import Converter
import Foundation
import Model
import Runtime
import Testing

/// The wheel's microWakeWord models, when pymicro-wakeword is installed in the repository's venv
/// (never committed: read at test time).
private let wheelModels: [String] = {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let lib = root.appendingPathComponent(".venv/lib")
    guard let pythons = try? FileManager.default.contentsOfDirectory(atPath: lib.path) else { return [] }
    for python in pythons {
        let dir = lib.appendingPathComponent(python).appendingPathComponent("site-packages/pymicro_wakeword/models")
        if let files = try? FileManager.default.contentsOfDirectory(atPath: dir.path) {
            return files.filter { $0.hasSuffix(".tflite") }.sorted().map { dir.appendingPathComponent($0).path }
        }
    }
    return []
}()

@Suite("TFLite import: hostile and truncated files")
struct TFLiteHostileFileTests {
    @Test("Every wheel model imports, round-trips through its file and runs", .enabled(if: !wheelModels.isEmpty, "pymicro-wakeword is not installed in .venv"))
    func wheelModelsImport() throws {
        for path in wheelModels {
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
            let graph = try TFLiteImporter.importModel(bytes: bytes, manifest: nil)
            let file = try QuantizedGraphFile.serialize(graph)
            #expect(QuantizedGraphFile.isQuantizedGraph(file))
            #expect(try QuantizedGraphFile.parse(file) == graph)
            let network = try QuantizedNetwork(graph: graph)
            network.step()
        }
    }

    @Test("Truncated TFLite files give errors, never a crash", .enabled(if: !wheelModels.isEmpty, "pymicro-wakeword is not installed in .venv"))
    func truncated() throws {
        for path in wheelModels {
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
            var refused = 0, cuts = 0
            for length in stride(from: 0, to: bytes.count, by: max(1, bytes.count / 400)) {
                cuts += 1
                do {
                    _ = try TFLiteImporter.importModel(bytes: Array(bytes[..<length]), manifest: nil)
                } catch {
                    refused += 1
                    // A cut file is a broken flatbuffer: the error says which part is outside the file.
                    switch error {
                    case .malformed, .notAModel, .badIndex: break
                    default: Issue.record("\(path) cut at \(length): unexpected error kind: \(error)")
                    }
                }
            }
            // Every cut before the end loses data the model needs (the weights are near the end).
            #expect(refused == cuts, "\(path): \(cuts - refused) of \(cuts) cuts imported")
        }
    }

    @Test("Mutated TFLite files import or give errors, never a crash", .enabled(if: !wheelModels.isEmpty, "pymicro-wakeword is not installed in .venv"))
    func mutated() throws {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: wheelModels[0])))
        var generator = SystemRandomNumberGenerator()
        var refused = 0
        for _ in 0..<1500 {
            var copy = bytes
            for _ in 0..<Int.random(in: 1...4, using: &generator) {
                copy[Int.random(in: 0..<copy.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
            }
            do {
                let graph = try TFLiteImporter.importModel(bytes: copy, manifest: nil)
                // What imports must also run without touching memory outside its arena.
                try QuantizedNetwork(graph: graph).step()
            } catch {
                refused += 1
            }
        }
        #expect(refused > 0)
    }

    @Test("Truncated quantized-graph files give errors", .enabled(if: !wheelModels.isEmpty, "pymicro-wakeword is not installed in .venv"))
    func truncatedGraphFile() throws {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: wheelModels[0])))
        let file = try QuantizedGraphFile.serialize(try TFLiteImporter.importModel(bytes: bytes, manifest: nil))
        for length in stride(from: 0, to: file.count, by: max(1, file.count / 300)) {
            #expect(throws: ModelError.self) { _ = try QuantizedGraphFile.parse(Array(file[..<length])) }
        }
    }

    @Test("Non-TFLite bytes are refused with a reason")
    func notAModel() {
        #expect(throws: TFLiteError.self) { _ = try TFLiteImporter.importModel(bytes: [], manifest: nil) }
        #expect(throws: TFLiteError.self) { _ = try TFLiteImporter.importModel(bytes: Array("GGUF and more bytes".utf8), manifest: nil) }
        // A header that names TFL3 but whose root offset points past the end.
        #expect(throws: TFLiteError.self) { _ = try TFLiteImporter.importModel(bytes: [0xFF, 0xFF, 0, 0, 0x54, 0x46, 0x4C, 0x33], manifest: nil) }
    }
}
