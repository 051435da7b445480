import Foundation
import Model
import Runtime
import Testing
import WeightArchive

@testable import Converter

/// Bidirectional recurrent layers, attention pooling and Conv1D through the ONNX importer and the
/// runtime, against ONNX Runtime's outputs (fixtures written by tools/fixtures/make_bidir_fixtures.py);
/// and the model-file rules for the `direction` key and the reverse tensors.
@Suite struct BidirectionalImportTests {
    static let cases = ["bigru_stack", "bilstm_attention", "conv1d_birnn"]

    private func load(_ name: String) throws -> (model: ImportedModel, x: [Float], y: [Float]) {
        let model = try ONNXImporter.importModel(bytes: manifestFixture("Bidirectional/\(name).onnx"))
        let io = try WeightArchive(bytes: manifestFixture("Bidirectional/\(name).io.npz"))
        return (model, try #require(io["x"]).values, try #require(io["y"]).values)
    }

    private func network(_ description: ModelDescription, _ tensors: [TensorData]) throws -> Network {
        try Network(model: ModelFile(bytes: ModelWriter.serialize(description, tensors: tensors)))
    }

    private func worst(_ a: [Float], _ b: [Float]) -> Float {
        a.count == b.count ? zip(a, b).map { abs($0 - $1) }.max() ?? 0 : .infinity
    }

    @Test(arguments: cases)
    func matchesONNXRuntime(name: String) throws {
        let (model, x, y) = try load(name)
        let layers = model.description.layers
        switch name {
        case "bigru_stack":
            #expect(layers.map(\.kind) == [.gru, .gru, .dense])
            #expect(layers[0].isBidirectional && layers[1].isBidirectional && !layers[0].resetAfter && layers[1].resetAfter)
            #expect(layers[1].inputSize == 6 && layers[1].outputSize == 8)
        case "bilstm_attention":
            #expect(layers.map(\.kind) == [.lstm, .attention, .dense, .softmax])
            #expect(layers[1].inputSize == 6 && layers[1].hiddenSize == 4 && layers[1].outputSize == 6)
        default:
            #expect(layers.map(\.kind) == [.conv2d, .rnn, .attention, .dense])
            #expect(layers[0].convolution == ConvolutionGeometry(
                kernelTime: 3, kernelFeatures: 5, padTimeBegin: 1, padTimeEnd: 1, channelsLast: false))
            #expect(layers[0].activation == .relu && layers[1].isBidirectional)
        }
        #expect(model.description.execution == .windowed(frames: 7, hop: 7))
        #expect(model.description.outputMode == .lastStep)

        let network = try network(model.description, model.tensors)
        #expect(network.runsWholeWindows && network.isSequenceModel)
        let direct = x.withUnsafeBufferPointer { Array(network.runWindow($0.baseAddress!, count: 7)) }
        #expect(worst(direct, y) < 2e-6, "\(name): runWindow vs ONNX Runtime \(worst(direct, y))")

        // The same through the window ring (the first layer's forward direction carried when it is recurrent).
        let windowed = try #require(try WindowedNetwork.forModel(network))
        windowed.reset()
        var ran = false
        x.withUnsafeBufferPointer { frames in
            for t in 0..<7 { ran = windowed.push(frames.baseAddress! + t * 5) }
        }
        #expect(ran)
        #expect(worst(Array(windowed.output), y) < 2e-6, "\(name): WindowedNetwork vs ONNX Runtime")
        #expect(network.carriedWidth == (name == "conv1d_birnn" ? 0 : 3))
    }

    /// fp16 and int8 storage of the reverse tensors too: the runtime reads every one of them, and
    /// the results stay near fp32.
    @Test(arguments: cases)
    func quantizedWeightsStayClose(name: String) throws {
        let (model, x, y) = try load(name)
        for (type, bound) in [(TensorType.float16, Float(5e-3)), (.int8, 0.1)] {
            let converted = try Quantizer.apply(WeightPlan(weightType: type), to: model)
            let reverse = converted.tensors.filter { $0.name.hasSuffix("reverse_input_weights") }
            #expect(!reverse.isEmpty && reverse.allSatisfy { $0.type == type })
            let network = try network(converted.description, converted.tensors)
            let output = x.withUnsafeBufferPointer { Array(network.runWindow($0.baseAddress!, count: 7)) }
            #expect(worst(output, y) < bound, "\(name) \(type): \(worst(output, y))")
        }
        // --weights int8 with a front end keeps both input matrices of a bidirectional first layer fp16.
        var description = model.description
        description.frontend = .mlKWS(stride: 320)
        let names = WeightPlan.inputMatrices(of: description)
        #expect(names.count == (name == "conv1d_birnn" ? 1 : 2))
    }

    /// A PyTorch state_dict of nn.GRU(num_layers=2, bidirectional=True) + nn.Linear through a
    /// manifest, against ONNX Runtime running the same weights (tools/fixtures/make_bidir_fixtures.py).
    @Test func pytorchBidirectionalManifest() throws {
        let model = try ManifestImporter.importModel(
            manifest: manifestFixture("Bidirectional/pytorch_bigru.json"), weights: manifestFixture("Bidirectional/pytorch_bigru.npz"))
        let layers = model.description.layers
        #expect(layers.map(\.kind) == [.gru, .gru, .dense])
        #expect(layers[0].isBidirectional && layers[1].isBidirectional && layers[1].inputSize == 6 && layers[2].inputSize == 6)
        let io = try WeightArchive(bytes: manifestFixture("Bidirectional/pytorch_bigru.io.npz"))
        let x = try #require(io["x"]).values, y = try #require(io["y"]).values
        let network = try network(model.description, model.tensors)
        let output = x.withUnsafeBufferPointer { Array(network.runWindow($0.baseAddress!, count: 7)) }
        #expect(worst(output, y) < 2e-6, "PyTorch bidirectional GRU vs ONNX Runtime: \(worst(output, y))")
    }

    /// Keras Bidirectional(GRU, merge_mode) → Bidirectional(LSTM) through a manifest, each merge
    /// mode, against ONNX Runtime running each layer with the directions merged in numpy.
    @Test(arguments: ["concat", "sum", "mul", "ave", "final"])
    func kerasBidirectionalMergeModes(mode: String) throws {
        let model = try ManifestImporter.importModel(
            manifest: manifestFixture("Bidirectional/keras_bidirectional_\(mode).json"),
            weights: manifestFixture("Bidirectional/keras_bidirectional.npz"))
        let layers = model.description.layers
        #expect(layers.map(\.kind) == [.gru, .lstm] && layers[0].isBidirectional && layers[1].isBidirectional)
        // "final": the ave model with the LSTM's return_sequences=False (its final states only).
        #expect(layers[0].merge.rawValue == (mode == "final" ? "ave" : mode) && layers[1].merge == .concat && layers[0].resetAfter)
        #expect(layers[1].inputSize == (mode == "concat" ? 6 : 3))
        #expect(!layers[0].finalStatesOnly && layers[1].finalStatesOnly == (mode == "final"))
        let io = try WeightArchive(bytes: manifestFixture("Bidirectional/keras_bidirectional.io.npz"))
        let x = try #require(io["x"]).values, y = try #require(io["y_\(mode)"]).values
        // Through the model file (the merge key round-trips) and the window ring.
        let network = try network(model.description, model.tensors)
        #expect(network.model.description.layers[1].finalStatesOnly == (mode == "final"))
        let windowed = try #require(try WindowedNetwork.forModel(network))
        x.withUnsafeBufferPointer { frames in
            for t in 0..<7 { windowed.push(frames.baseAddress! + t * 5) }
        }
        #expect(worst(Array(windowed.output), y) < 2e-6, "Keras merge_mode \(mode) vs ONNX Runtime: \(worst(Array(windowed.output), y))")
    }

    @Test func kerasBidirectionalMistakesAreClear() throws {
        let weights = try manifestFixture("Bidirectional/keras_bidirectional.npz")
        let text = String(decoding: try manifestFixture("Bidirectional/keras_bidirectional_sum.json"), as: UTF8.self)
        func error(_ from: String, _ to: String) -> String {
            do {
                _ = try ManifestImporter.importModel(manifest: Array(text.replacingOccurrences(of: from, with: to).utf8), weights: weights)
                return "no error"
            } catch {
                return "\(error)"
            }
        }
        #expect(error("\"merge_mode\": \"sum\"", "\"merge_mode\": \"max\"").contains("layers[0].attributes.merge_mode"))
        let notBidirectional = error("\"bidirectional\": true,", "\"bidirectional\": false,")
        #expect(notBidirectional.contains("layers[0].attributes.merge_mode"), "\(notBidirectional)")
        #expect(error("\"gru/backward/kernel\"", "\"gru/backward/kernal\"").contains("gru/backward/kernal"))
    }

    /// The `output` key (final states): round trip, a bad value, and the writer refusing it on a
    /// forward layer.
    @Test func finalStatesKey() throws {
        let model = try ManifestImporter.importModel(
            manifest: manifestFixture("Bidirectional/keras_bidirectional_final.json"),
            weights: manifestFixture("Bidirectional/keras_bidirectional.npz"))
        let bytes = try ModelWriter.serialize(model.description, tensors: model.tensors)
        #expect(try ModelFile(bytes: bytes).description.layers[1].finalStatesOnly)
        #expect(loadError(try patched(bytes, "final", "finax", after: "earshot.layer.1.output")).contains("earshot.layer.1.output"))
        var forward = try load("bigru_stack").model
        forward.description.layers[2].finalStatesOnly = true
        #expect(throws: ModelError.self) { try ModelWriter.serialize(forward.description, tensors: forward.tensors) }
    }

    @Test func refusedGraphsNameTheNode() throws {
        func error(_ name: String) -> String {
            do {
                _ = try ONNXImporter.importModel(bytes: manifestFixture("Bidirectional/\(name).onnx"))
                return "no error"
            } catch {
                return "\(error)"
            }
        }
        #expect(error("bad_softmax_axis").contains("'softmax_over_units'"))
        #expect(error("bad_softmax_axis").contains("time axis"))
        #expect(error("bad_every_step").contains("last time step"))
        #expect(error("bad_direction_order").contains("'merge_interleaved'"))
        #expect(error("bad_reverse").contains("direction"))
    }

    // MARK: - Model file

    private func serialized(_ name: String = "bilstm_attention") throws -> [UInt8] {
        let (model, _, _) = try load(name)
        return try ModelWriter.serialize(model.description, tensors: model.tensors)
    }

    /// `bytes` with the first occurrence of `old` replaced by `new` (same length).
    private func patched(_ bytes: [UInt8], _ old: String, _ new: String, after anchor: String? = nil) throws -> [UInt8] {
        let o = Array(old.utf8), n = Array(new.utf8)
        precondition(o.count == n.count)
        var start = 0
        if let anchor {
            let a = Array(anchor.utf8)
            start = try #require((0...(bytes.count - a.count)).first { Array(bytes[$0..<($0 + a.count)]) == a }) + a.count
        }
        let at = try #require((start...(bytes.count - o.count)).first { Array(bytes[$0..<($0 + o.count)]) == o })
        var copy = bytes
        copy.replaceSubrange(at..<(at + o.count), with: n)
        return copy
    }

    private func loadError(_ bytes: [UInt8]) -> String {
        do {
            _ = try ModelFile(bytes: bytes)
            return "no error"
        } catch {
            return "\(error)"
        }
    }

    @Test func directionKeyRoundTripsAndOldFilesLoad() throws {
        let file = try ModelFile(bytes: serialized())
        #expect(file.description.layers[0].direction == .bidirectional)
        #expect(file.description.layers[1].direction == .forward)
        #expect(file.tensor(layer: 0, role: .reverseRecurrentWeights)?.shape == [12, 3])
        // A forward-only model writes no direction key (files stay as before this key existed).
        let forward = ModelDescription(inputSize: 2, layers: [LayerDescription(kind: .dense, inputSize: 2, hiddenSize: 1)])
        let bytes = try ModelWriter.serialize(forward, tensors: [
            TensorData(name: "layer.0.input_weights", shape: [1, 2], floats: [1, 2]),
            TensorData(name: "layer.0.bias", shape: [1], floats: [0]),
        ])
        #expect(!String(decoding: bytes, as: UTF8.self).contains("direction"))
    }

    @Test func hostileDirectionAndAttentionKeys() throws {
        let bytes = try serialized()
        // An unknown direction value.
        #expect(loadError(try patched(bytes, "bidirectional", "bidirectionax"))
            .contains("earshot.layer.0.direction"))
        // The key on the attention layer (layer 1), and layer 0 left with reverse tensors it does not declare.
        let moved = loadError(try patched(bytes, "earshot.layer.0.direction", "earshot.layer.1.direction"))
        #expect(moved.contains("layer 1 has direction") && moved.contains("LSTM, GRU and RNN"), "\(moved)")
        // A missing reverse tensor.
        #expect(loadError(try patched(bytes, "layer.0.reverse_input_weights", "layer.0.reverse_input_weightz"))
            .contains("layer.0.reverse_input_weights"))
        // Attention with another activation than tanh.
        let relu = loadError(try patched(bytes, "tanh", "relu", after: "earshot.layer.1.activation"))
        #expect(relu.contains("layer 1") && relu.contains("activation"), "\(relu)")
        // A merge mode on a forward layer, and an unknown merge value.
        var forward = try load("bigru_stack").model
        forward.description.layers[2].merge = .sum
        #expect(throws: ModelError.self) { try ModelWriter.serialize(forward.description, tensors: forward.tensors) }
        var summed = try load("bigru_stack").model
        summed.description.layers[0].merge = .sum
        summed.description.layers[1].inputSize = 3
        let sumFile = try ModelWriter.serialize(summed.description, tensors: summed.tensors.map { tensor in
            guard tensor.name.hasPrefix("layer.1.") && tensor.name.hasSuffix("input_weights") else { return tensor }
            return TensorData(name: tensor.name, shape: [12, 3], floats: [Float](repeating: 0.1, count: 36))
        })
        #expect(try ModelFile(bytes: sumFile).description.layers[0].merge == .sum)
        #expect(loadError(try patched(sumFile, "sum", "max", after: "earshot.layer.0.merge")).contains("earshot.layer.0.merge"))
        // A bidirectional layer in a streaming model: the writer refuses it with the reader's error.
        let (model, _, _) = try load("bigru_stack")
        var streaming = model.description
        streaming.execution = .streaming
        #expect(throws: ModelError.self) { try ModelWriter.serialize(streaming, tensors: model.tensors) }
        do {
            _ = try ModelWriter.serialize(streaming, tensors: model.tensors)
        } catch {
            #expect("\(error)".contains("windowed"), "\(error)")
        }
    }
}
