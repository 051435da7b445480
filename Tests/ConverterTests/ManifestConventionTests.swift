import Foundation
import Model
import Runtime
import SystemFile
import Testing
import WeightArchive

@testable import Converter

/// Tests/ConverterTests/ManifestFixtures, written by tools/fixtures/make_manifest_fixtures.py.
let manifestFixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("ManifestFixtures")

func manifestFixture(_ name: String) throws -> [UInt8] {
    try SystemFile.readAll(path: manifestFixtures.appendingPathComponent(name).path)
}

/// Streams `frames` ([T, inputSize], row-major) through a converted model from zero state.
func runImported(_ model: ImportedModel, frames: [Float]) throws -> [[Float]] {
    let file = try ModelFile(bytes: ModelWriter.serialize(model.description, tensors: model.tensors))
    let network = try Network(model: file)
    let inputSize = model.description.inputSize
    var outputs: [[Float]] = []
    frames.withUnsafeBufferPointer { input in
        for t in 0..<(frames.count / inputSize) {
            outputs.append(Array(network.step(input.baseAddress! + t * inputSize)))
        }
    }
    return outputs
}

/// Each framework convention's layout, imported through its manifest and run by the runtime,
/// against the framework's own formulas in its own layout (numpy float64, written independently
/// of Earshot in tools/fixtures/make_manifest_fixtures.py) or ONNX Runtime (the ONNX cases).
@Suite struct ManifestConventionTests {
    static let cases = [
        "pytorch_lstm_proj_stack", "pytorch_gru", "pytorch_rnn_relu_nobias",
        "keras_lstm_dense", "keras_gru_reset_after", "keras_gru_reset_before", "keras_simple_rnn",
        "tf1_lstm_peephole_projection", "tf1_basic_lstm", "tf1_gru_cell", "tf1_basic_rnn",
        "onnx_lstm_peephole_clip", "onnx_gru_linear_before_reset", "onnx_gru", "onnx_rnn_relu",
    ]

    @Test func everyFixtureIsListed() throws {
        let index = try JSONSerialization.jsonObject(with: Data(manifestFixture("index.json"))) as! [String: Any]
        let names = (index["cases"] as! [[String: Any]]).map { $0["name"] as! String }
        #expect(names.sorted() == Self.cases.sorted())
    }

    @Test(arguments: cases)
    func conventionMatchesItsFramework(name: String) throws {
        let manifest = try manifestFixture("\(name).json")
        let weightsName = FileManager.default.fileExists(atPath: manifestFixtures.appendingPathComponent("\(name).npz").path)
            ? "\(name).npz" : "\(name).safetensors"
        let model = try ManifestImporter.importModel(manifest: manifest, weights: manifestFixture(weightsName))
        let io = try WeightArchive(bytes: manifestFixture("\(name).io.npz"))
        let x = try #require(io["x"]), y = try #require(io["y"])
        #expect(x.shape[1] == model.description.inputSize)
        let outputs = try runImported(model, frames: x.values)
        let columns = y.shape[1]
        // A reference of one row is the last step's output (a last_step model).
        let compared = y.shape[0] == 1 ? [outputs[outputs.count - 1]] : outputs
        #expect(compared.count == y.shape[0])
        var worst: Float = 0
        for (row, output) in compared.enumerated() {
            #expect(output.count == columns)
            for column in 0..<columns { worst = max(worst, abs(output[column] - y.values[row * columns + column])) }
        }
        #expect(worst < 2e-6, "\(name): max abs difference \(worst)")
    }

    @Test func pytorchStackExpandsIntoLayers() throws {
        let model = try ManifestImporter.importModel(
            manifest: manifestFixture("pytorch_lstm_proj_stack.json"), weights: manifestFixture("pytorch_lstm_proj_stack.safetensors"))
        #expect(model.description.layers.map(\.kind) == [.lstm, .lstm, .dense, .softmax])
        #expect(model.description.layers.map(\.projectionSize) == [2, 2, 0, 0])
        #expect(model.description.layers[1].inputSize == 2)
        #expect(model.description.metadata["source"] == .string("manifest"))
        #expect(model.description.metadata["manifest.conventions"] == .strings(["pytorch"]))
    }

    @Test func attributesLandInTheDescription() throws {
        let tf = try ManifestImporter.importModel(
            manifest: manifestFixture("tf1_lstm_peephole_projection.json"), weights: manifestFixture("tf1_lstm_peephole_projection.npz"))
        let layer = tf.description.layers[0]
        #expect(layer.hasPeepholes && layer.projectionSize == 3 && layer.forgetBias == 0.5)
        #expect(layer.cellClip == 0.7 && layer.projectionClip == 0.4)
        let keras = try ManifestImporter.importModel(
            manifest: manifestFixture("keras_gru_reset_before.json"), weights: manifestFixture("keras_gru_reset_before.npz"))
        #expect(keras.description.layers[0].resetAfter == false && keras.description.outputMode == .lastStep)
        let onnx = try ManifestImporter.importModel(
            manifest: manifestFixture("onnx_lstm_peephole_clip.json"), weights: manifestFixture("onnx_lstm_peephole_clip.npz"))
        #expect(onnx.description.layers[0].gateClip == 1.5)
    }

    /// The real ARM ML-KWS weights convert with the shipped manifests (parity vs TensorFlow is
    /// tools/checks/mlkws_parity.py's job; here: structure and a first clip).
    @Test func mlKWSManifestsConvert() throws {
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let reference = repository.deletingLastPathComponent().appendingPathComponent("shared/data/ml-kws/reference")
        guard FileManager.default.fileExists(atPath: reference.path) else {
            try Test.cancel("skipped: \(reference.path) is absent")
        }
        for (name, hidden, projection) in [("LSTM_S", 144, 98), ("GRU_S", 154, 0), ("Basic_LSTM_S", 118, 0)] {
            let manifest = try SystemFile.readAll(path: repository.appendingPathComponent("tools/manifests/ml-kws/\(name).json").path)
            let weights = try SystemFile.readAll(path: reference.appendingPathComponent("\(name)_weights.npz").path)
            let model = try ManifestImporter.importModel(manifest: manifest, weights: weights)
            #expect(model.description.layers.map(\.hiddenSize) == [hidden, 12, 12])
            #expect(model.description.layers[0].projectionSize == projection)
            #expect(model.description.labels.count == 12 && model.description.outputMode == .lastStep)
            let features = try WeightArchive(bytes: SystemFile.readAll(path: reference.appendingPathComponent("\(name)_reference.npz").path))
            let mfcc = try #require(features["mfcc"]), probs = try #require(features["probs"])
            let steps = mfcc.shape[1]
            let outputs = try runImported(model, frames: Array(mfcc.values[0..<(steps * 10)]))
            for (ours, theirs) in zip(outputs[steps - 1], probs.values[0..<12]) { #expect(abs(ours - theirs) < 1e-4, "\(name)") }
        }
    }
}
