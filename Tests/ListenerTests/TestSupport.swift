import Foundation
import Frontend
import Model
import TestSupport

/// A fresh temporary directory, removed when the value is released.
final class TemporaryDirectory {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.path + "/earshot-listener-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    @discardableResult
    func write(_ bytes: [UInt8], to name: String) throws -> String {
        let file = path + "/" + name
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        return file
    }

    @discardableResult
    func write(_ text: String, to name: String) throws -> String { try write(Array(text.utf8), to: name) }
}

/// The repository root (this file is Tests/ListenerTests/TestSupport.swift).
let repositoryRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
}()

/// ../shared/data next to the repository (or $EARSHOT_SHARED/data, for a worktree elsewhere), when present.
let sharedData: String? = {
    let shared = ProcessInfo.processInfo.environment["EARSHOT_SHARED"] ?? repositoryRoot + "/../shared"
    let path = shared + "/data"
    return FileManager.default.fileExists(atPath: path) ? path : nil
}()

/// The `earshot` executable built next to this test bundle, when present.
let earshotExecutable: String? = {
    let directory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
    for candidate in [directory.path + "/earshot", directory.deletingLastPathComponent().path + "/earshot"]
    where FileManager.default.isExecutableFile(atPath: candidate) {
        return candidate
    }
    return nil
}()

let keywordLabels = ["_silence_", "_unknown_", "yes", "no"]

/// A model that says "yes" when the audio is loud: one dense layer over the 10 TensorFlow
/// MFCCs (16 kHz, 40 ms windows every 20 ms) with logit(yes) = 0.05 c0 + 5, where c0, the
/// first cepstral coefficient, follows the log energy (about -247 for digital silence), and
/// logits 0 for _silence_, -10 for the rest; then softmax.
func burstDetectorModel(execution: ExecutionMode = .streaming) throws -> ModelFile {
    let (description, tensors) = burstDetectorParts(execution: execution)
    return try ModelFile(bytes: ModelWriter.serialize(description, tensors: tensors))
}

/// The burst detector's description and tensors (for writing it to a file).
func burstDetectorParts(execution: ExecutionMode = .streaming) -> (ModelDescription, [TensorData]) {
    let features = 10
    var weights = [Float](repeating: 0, count: 4 * features)
    weights[2 * features + 0] = 0.05
    let bias: [Float] = [0, -10, 5, -10]
    let description = ModelDescription(
        inputSize: features,
        layers: [
            LayerDescription(kind: .dense, inputSize: features, hiddenSize: 4),
            LayerDescription(kind: .softmax, inputSize: 4, hiddenSize: 4),
        ],
        labels: keywordLabels, outputMode: execution == .streaming ? .everyStep : .lastStep,
        frontend: FrontendConfig.mlKWS(stride: 320), execution: execution)
    let tensors = [
        TensorData(name: TensorRole.inputWeights.tensorName(layer: 0), shape: [4, features], floats: weights),
        TensorData(name: TensorRole.bias.tensorName(layer: 0), shape: [4], floats: bias),
    ]
    return (description, tensors)
}

/// A random LSTM keyword model (10 MFCCs -> LSTM 48 -> dense 12 -> softmax) with the ML-KWS front end.
func randomLSTMModel(execution: ExecutionMode = .streaming, seed: UInt64 = 7) throws -> ModelFile {
    var generator = SeededGenerator(seed: seed)
    let layers = [
        LayerDescription(kind: .lstm, inputSize: 10, hiddenSize: 48),
        LayerDescription(kind: .dense, inputSize: 48, hiddenSize: 12),
        LayerDescription(kind: .softmax, inputSize: 12, hiddenSize: 12),
    ]
    var tensors: [TensorData] = []
    for (index, layer) in layers.enumerated() {
        for (role, shape) in layer.requiredTensors {
            let count = shape.reduce(1, *)
            // Inputs are MFCCs of magnitude ~10-200: keep the products moderate.
            let scale: Float = shape.count == 2 ? (index == 0 ? 0.02 : 1.5 / Float(shape[1]).squareRoot()) : 0.5
            tensors.append(TensorData(name: role.tensorName(layer: index), shape: shape,
                                      floats: (0..<count).map { _ in generator.uniform(closed: scale) }))
        }
    }
    let labels = ["_silence_", "_unknown_", "yes", "no", "up", "down", "left", "right", "on", "off", "stop", "go"]
    let description = ModelDescription(
        inputSize: 10, layers: layers, labels: labels, outputMode: execution == .streaming ? .everyStep : .lastStep,
        frontend: FrontendConfig.mlKWS(stride: 320), execution: execution)
    return try ModelFile(bytes: ModelWriter.serialize(description, tensors: tensors))
}

/// Little-endian S16 bytes of samples in [-1, 1].
func s16Bytes(_ samples: [Float]) -> [UInt8] {
    var bytes: [UInt8] = []
    bytes.reserveCapacity(samples.count * 2)
    for x in samples {
        let v = Int16(max(-32768, min(32767, (x * 32768).rounded())))
        withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) }
    }
    return bytes
}

/// `samples` quantized to S16 and back, as the file plugin will deliver them.
func quantized(_ samples: [Float]) -> [Float] {
    samples.map { Float(Int16(max(-32768, min(32767, ($0 * 32768).rounded())))) / 32768 }
}

/// ALSA configuration text for a capture PCM that reads a raw file (alsa-lib's file plugin
/// over the null plugin).
func filePluginPCM(named name: String, infile path: String) -> String {
    """
    pcm.\(name) {
        type file
        slave.pcm "null"
        file "/dev/null"
        infile "\(path)"
        format "raw"
    }
    """
}

/// Silence with white-noise bursts (amplitude `level`) starting at `starts` seconds.
func burstSignal(seconds: Double, starts: [Double], length: Double, rate: Int = 16_000, level: Float = 0.3, seed: UInt64 = 1) -> [Float] {
    var generator = SeededGenerator(seed: seed)
    var x = [Float](repeating: 0, count: Int(seconds * Double(rate)))
    for start in starts {
        let a = Int((start * Double(rate)).rounded())
        let b = min(x.count, a + Int(length * Double(rate)))
        for i in a..<b { x[i] = generator.uniform(closed: level) }
    }
    return x
}
