import Foundation
import Model
import Runtime
import SystemFile
import Testing
import WeightArchive

@testable import Converter

/// The runtime's output for one window through a converted conv model.
private func runWindow(_ model: ImportedModel, frames: [Float]) throws -> [Float] {
    let network = try Network(model: ModelFile(bytes: ModelWriter.serialize(model.description, tensors: model.tensors)))
    #expect(network.hasConvolution)
    return frames.withUnsafeBufferPointer {
        Array(network.runWindow($0.baseAddress!, count: frames.count / model.description.inputSize))
    }
}

/// conv2d layers imported through manifests: against ONNX Runtime (fixtures written by
/// tools/fixtures/make_conv_fixtures.py) and against TensorFlow's own outputs for ARM's CRNN_S.
@Suite struct ConvolutionImportTests {
    @Test(arguments: ["onnx_conv2d_gru", "onnx_conv2d_rows_last_gru", "pytorch_conv1d_gru"])
    func convolutionMatchesONNXRuntime(name: String) throws {
        let model = try ManifestImporter.importModel(
            manifest: manifestFixture("Convolution/\(name).json"), weights: manifestFixture("Convolution/\(name).npz"))
        #expect(model.description.layers.map(\.kind) == [.conv2d, .gru, .dense, .softmax])
        #expect(model.description.layers[0].convolution?.channelsLast == name.contains("rows_last"))
        let io = try WeightArchive(bytes: manifestFixture("Convolution/\(name).io.npz"))
        let x = try #require(io["x"]), y = try #require(io["y"])
        let output = try runWindow(model, frames: x.values)
        #expect(output.count == y.values.count)
        let worst = zip(output, y.values).map { abs($0 - $1) }.max() ?? .infinity
        #expect(worst < 2e-6, "\(name): max abs difference \(worst) vs ONNX Runtime")
    }

    /// The same Conv → Relu → Transpose → Reshape → GRU graphs imported by the ONNX graph importer.
    @Test(arguments: ["onnx_conv2d_gru", "onnx_conv2d_rows_last_gru"])
    func onnxGraphConvMatchesONNXRuntime(name: String) throws {
        let model = try ONNXImporter.importModel(bytes: manifestFixture("Convolution/\(name).onnx"))
        #expect(model.description.layers.map(\.kind) == [.conv2d, .gru, .dense, .softmax])
        #expect(model.description.layers[0].activation == .relu)
        #expect(model.description.layers[0].convolution?.channelsLast == name.contains("rows_last"))
        #expect(model.description.execution == .windowed(frames: 12, hop: 12) && model.description.outputMode == .lastStep)
        let io = try WeightArchive(bytes: manifestFixture("Convolution/\(name).io.npz"))
        let x = try #require(io["x"]), y = try #require(io["y"])
        let output = try runWindow(model, frames: x.values)
        let worst = zip(output, y.values).map { abs($0 - $1) }.max() ?? .infinity
        #expect(output.count == y.values.count && worst < 2e-6, "\(name): max abs difference \(worst) vs ONNX Runtime")
    }

    @Test func manifestMistakesNameTheAttribute() throws {
        let weights = try manifestFixture("Convolution/onnx_conv2d_gru.npz")
        let text = String(decoding: try manifestFixture("Convolution/onnx_conv2d_gru.json"), as: UTF8.self)
        func error(_ from: String, _ to: String) -> String {
            let edited = Array(text.replacingOccurrences(of: from, with: to).utf8)
            do {
                _ = try ManifestImporter.importModel(manifest: edited, weights: weights)
                return "no error"
            } catch {
                return "\(error)"
            }
        }
        #expect(error("\"filters\": 4", "\"filters\": 5").contains("layers[0].attributes.filters"))
        #expect(error("\"padding\": [\n     1,", "\"padding\": \"same\", \"x\": [\n     1,").contains("layers[0]"))
        #expect(error("\"activation\": \"relu\"", "\"activation\": \"tanh\"").contains("layers[0].attributes.activation"))
        #expect(error("\"strides\": [", "\"dilations\": [2, 2], \"strides\": [").contains("dilations"))
        #expect(error("\"conv.W\"", "\"conv.X\"").contains("conv.X"))
    }

    /// ARM's CRNN_S with the shipped manifest, on TensorFlow's own MFCCs of the first 40 clips
    /// (all 480, and fp16/int8, are tools/checks/mlkws_parity.py's job).
    @Test func crnnSMatchesTensorFlow() throws {
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let reference = repository.deletingLastPathComponent().appendingPathComponent("shared/data/ml-kws/reference")
        guard FileManager.default.fileExists(atPath: reference.appendingPathComponent("CRNN_S_weights.npz").path) else {
            try Test.cancel("skipped: \(reference.path)/CRNN_S_weights.npz is absent")
        }
        let manifest = try SystemFile.readAll(path: repository.appendingPathComponent("tools/manifests/ml-kws/CRNN_S.json").path)
        let weights = try SystemFile.readAll(path: reference.appendingPathComponent("CRNN_S_weights.npz").path)
        let model = try ManifestImporter.importModel(manifest: manifest, weights: weights)
        #expect(model.description.layers.map(\.kind) == [.conv2d, .gru, .gru, .dense, .dense, .softmax])
        #expect(model.description.layers[0].outputSize == 4 * 48)
        let features = try WeightArchive(bytes: SystemFile.readAll(path: reference.appendingPathComponent("CRNN_S_reference.npz").path))
        let mfcc = try #require(features["mfcc"]), probs = try #require(features["probs"])
        #expect(mfcc.shape == [480, 49, 10])
        let file = try ModelFile(bytes: ModelWriter.serialize(model.description, tensors: model.tensors))
        let windowed = try #require(try WindowedNetwork.forModel(try Network(model: file)))
        var worst: Float = 0
        for clip in 0..<40 {
            mfcc.values.withUnsafeBufferPointer { values in
                for t in 0..<49 { windowed.push(values.baseAddress! + (clip * 49 + t) * 10) }
            }
            for (ours, theirs) in zip(windowed.output, probs.values[(clip * 12)..<(clip * 12 + 12)]) {
                worst = max(worst, abs(ours - theirs))
            }
        }
        #expect(worst < 1e-4, "CRNN_S max abs difference \(worst) vs TensorFlow")
    }
}
