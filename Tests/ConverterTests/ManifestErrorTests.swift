import Model
import TestSupport
import Testing
import WeightArchive

@testable import Converter

/// A safetensors file (float32 unless `dtype` says otherwise), for error cases.
func safetensorsFile(_ tensors: [(key: String, shape: [Int], values: [Float])], integerKeys: Set<String> = []) -> [UInt8] {
    var header = "{"
    var data: [UInt8] = []
    for (index, tensor) in tensors.enumerated() {
        let integer = integerKeys.contains(tensor.key)
        let begin = data.count
        for value in tensor.values {
            let bits: UInt64 = integer ? UInt64(bitPattern: Int64(value)) : UInt64(value.bitPattern)
            for byte in 0..<(integer ? 8 : 4) { data.append(UInt8(truncatingIfNeeded: bits >> (8 * UInt64(byte)))) }
        }
        header += (index > 0 ? "," : "") + "\"\(tensor.key)\":{\"dtype\":\"\(integer ? "I64" : "F32")\",\"shape\":\(tensor.shape),\"data_offsets\":[\(begin),\(data.count)]}"
    }
    header += "}"
    let text = Array(header.utf8)
    return (0..<8).map { UInt8(truncatingIfNeeded: text.count >> (8 * $0)) } + text + data
}

/// Every manifest mistake is a `ManifestError` that names the manifest path (and archive key).
@Suite struct ManifestErrorTests {
    /// A TF1 BasicRNNCell (2 → 3) and a dense 3 → 2, plus tensors for the error cases.
    static let archive = safetensorsFile([
        ("rnn/kernel", [5, 3], (0..<15).map { Float($0) / 20 }),
        ("rnn/bias", [3], [0.1, 0.2, 0.3]),
        ("out/kernel", [3, 2], [1, 2, 3, 4, 5, 6]),
        ("out/bias", [2], [0, 0]),
        ("nan/kernel", [5, 3], (0..<15).map { $0 == 4 ? .nan : 0 }),
        ("inf/kernel", [5, 3], (0..<15).map { $0 == 7 ? -.infinity : 0 }),
        ("int/kernel", [5, 3], (0..<15).map { Float($0) }),
        ("lstm.weight_ih_l0", [12, 2], [Float](repeating: 0.1, count: 24)),
        ("lstm.weight_hh_l0", [12, 3], [Float](repeating: 0.1, count: 36)),
        ("lstm.bias_ih_l0", [12], [Float](repeating: 0, count: 12)),
        ("lstm.bias_hh_l0", [12], [Float](repeating: 0, count: 12)),
        ("lstm.weight_ih_l0_reverse", [12, 2], [Float](repeating: 0.1, count: 24)),
    ], integerKeys: ["int/kernel"])

    static let rnn = #"{"kind": "rnn", "convention": "tf1", "prefix": "rnn/"}"#
    static let dense = #"{"kind": "dense", "convention": "tf1", "weights": {"kernel": "out/kernel", "bias": "out/bias"}}"#

    func manifest(_ layers: [String], extra: String = "") -> String {
        #"{"earshot_manifest": 1, "input_size": 2, "output_mode": "every_step""# + extra + #", "layers": ["# + layers.joined(separator: ",") + "]}"
    }

    func importError(_ text: String, weights: [UInt8] = archive) -> ManifestError? {
        do {
            _ = try ManifestImporter.importModel(manifest: Array(text.utf8), weights: weights)
            return nil
        } catch {
            return error
        }
    }

    @Test func theBaseManifestImports() throws {
        let model = try ManifestImporter.importModel(manifest: Array(manifest([Self.rnn, Self.dense], extra: #", "labels": ["a", "b"]"#).utf8), weights: Self.archive)
        #expect(model.description.layers.map(\.kind) == [.rnn, .dense])
        #expect(model.description.labels == ["a", "b"])
    }

    @Test func malformedJSON() {
        guard case .malformedJSON? = importError(#"{"earshot_manifest": 1,"#) else { Issue.record("expected malformedJSON"); return }
    }

    @Test func unknownTopLevelFieldIsNamed() {
        let error = importError(manifest([Self.rnn], extra: #", "lables": ["a"]"#))
        guard case .unknownField(let path, let known)? = error else { Issue.record("\(String(describing: error))"); return }
        #expect(path == "lables" && known.contains("labels"))
        #expect(error!.description.contains("'lables'"))
    }

    @Test func versionAndRequiredFields() {
        #expect(importError(#"{"input_size": 2, "output_mode": "every_step", "layers": []}"#) == .missingField(path: "earshot_manifest"))
        #expect(importError(#"{"earshot_manifest": 2, "input_size": 2, "output_mode": "every_step", "layers": []}"#)?.description.contains("earshot_manifest") == true)
        #expect(importError(#"{"earshot_manifest": 1, "output_mode": "every_step", "layers": []}"#) == .missingField(path: "input_size"))
        #expect(importError(#"{"earshot_manifest": 1, "input_size": "2", "output_mode": "every_step", "layers": []}"#)
            == .wrongType(path: "input_size", expected: "an integer", found: "the string \"2\""))
        #expect(importError(#"{"earshot_manifest": 1, "input_size": 2, "output_mode": "streaming", "layers": []}"#)
            == .invalidValue(path: "output_mode", value: "\"streaming\"", expected: "\"every_step\" or \"last_step\""))
        #expect(importError(manifest([#"{"convention": "tf1", "prefix": "rnn/"}"#])) == .missingField(path: "layers[0].kind"))
        #expect(importError(manifest([#"{"kind": "rnn", "prefix": "rnn/"}"#])) == .missingField(path: "layers[0].convention"))
    }

    @Test func unknownConventionAndKind() {
        let convention = importError(manifest([#"{"kind": "rnn", "convention": "caffe", "prefix": "rnn/"}"#]))
        #expect(convention == .unknownConvention(path: "layers[0].convention", value: "caffe"))
        #expect(convention?.description.contains("pytorch, keras, tf1, onnx") == true)
        #expect(importError(manifest([#"{"kind": "conv3d", "convention": "tf1", "prefix": "rnn/"}"#]))
            == .unknownKind(path: "layers[0].kind", value: "conv3d", convention: "tf1"))
    }

    @Test func unknownAttributeAndSlotAreNamed() {
        let attribute = importError(manifest([#"{"kind": "rnn", "convention": "tf1", "prefix": "rnn/", "attributes": {"num_unit": 3}}"#]))
        guard case .unknownField(let path, let known)? = attribute else { Issue.record("\(String(describing: attribute))"); return }
        #expect(path == "layers[0].attributes.num_unit" && known.contains("num_units"))
        let slot = importError(manifest([#"{"kind": "rnn", "convention": "tf1", "weights": {"kernal": "rnn/kernel", "bias": "rnn/bias"}}"#]))
        guard case .unknownField(let slotPath, let slots)? = slot else { Issue.record("\(String(describing: slot))"); return }
        #expect(slotPath == "layers[0].weights.kernal" && slots == ["kernel", "bias"])
    }

    @Test func missingArchiveKeyNamesPathKeyAndNeighbours() {
        let error = importError(manifest([#"{"kind": "rnn", "convention": "tf1", "weights": {"kernel": "rnn/cell/kernel", "bias": "rnn/bias"}}"#]))
        guard case .missingTensor(let path, let key, let similar)? = error else { Issue.record("\(String(describing: error))"); return }
        #expect(path == "layers[0].weights.kernel" && key == "rnn/cell/kernel")
        #expect(similar.contains("rnn/kernel"))
        #expect(error!.description.contains("'layers[0].weights.kernel'") && error!.description.contains("'rnn/cell/kernel'"))
        #expect(importError(manifest([#"{"kind": "rnn", "convention": "tf1", "weights": {"bias": "rnn/bias"}}"#]))
            == .missingField(path: "layers[0].weights.kernel"))
    }

    @Test func wrongShapeIsNamed() {
        // The dense kernel [3, 2] follows a 3-unit RNN; feeding it from the 2-input frame fails.
        let error = importError(manifest([Self.dense]))
        #expect(error == .shapeMismatch(path: "layers[0].weights.kernel", key: "out/kernel", expected: "[2, units]", found: [3, 2]))
        let bias = importError(manifest([#"{"kind": "rnn", "convention": "tf1", "weights": {"kernel": "rnn/kernel", "bias": "out/bias"}}"#]))
        // The bias fixes num_units (2), so the [5, 3] kernel is the tensor that does not fit.
        #expect(bias == .shapeMismatch(
            path: "layers[0].weights.kernel", key: "rnn/kernel", expected: "[2 + 2, 2] ([input + recurrent, 1·num_units])", found: [5, 3]))
    }

    @Test func nonFiniteWeightsAreRefused() {
        #expect(importError(manifest([#"{"kind": "rnn", "convention": "tf1", "weights": {"kernel": "nan/kernel", "bias": "rnn/bias"}}"#]))
            .map { if case .nonFiniteWeights(let path, let key, let index, _) = $0 { return path == "layers[0].weights.kernel" && key == "nan/kernel" && index == 4 } else { return false } } == true)
        #expect(importError(manifest([#"{"kind": "rnn", "convention": "tf1", "weights": {"kernel": "inf/kernel", "bias": "rnn/bias"}}"#]))
            == .nonFiniteWeights(path: "layers[0].weights.kernel", key: "inf/kernel", index: 7, value: -.infinity))
    }

    @Test func integerTensorsAreNotWeights() {
        #expect(importError(manifest([#"{"kind": "rnn", "convention": "tf1", "weights": {"kernel": "int/kernel", "bias": "rnn/bias"}}"#]))
            == .notFloatingPoint(path: "layers[0].weights.kernel", key: "int/kernel", dtype: "I64"))
    }

    /// PyTorch bidirectional layers import (BidirectionalImportTests); reverse keys without
    /// `bidirectional: true`, or a missing reverse key, name the attribute or the key.
    @Test func bidirectionalMistakesAreClear() {
        let error = importError(manifest([#"{"kind": "lstm", "convention": "pytorch", "prefix": "lstm."}"#]))
        guard case .inconsistent(let path, let reason)? = error else { Issue.record("\(String(describing: error))"); return }
        #expect(path == "layers[0].attributes.bidirectional")
        #expect(reason.contains("lstm.weight_ih_l0_reverse") && reason.contains("bidirectional"))
        let missing = importError(manifest([#"{"kind": "lstm", "convention": "pytorch", "prefix": "lstm.", "attributes": {"bidirectional": true}}"#]))
        #expect("\(String(describing: missing))".contains("lstm.weight_hh_l0_reverse"), "\(String(describing: missing))")
        let explicit = importError(manifest([#"{"kind": "lstm", "convention": "pytorch", "weights": {"weight_ih": "lstm.weight_ih_l0"}, "attributes": {"bidirectional": true}}"#]))
        guard case .inconsistent(let explicitPath, _)? = explicit else { Issue.record("\(String(describing: explicit))"); return }
        #expect(explicitPath == "layers[0].attributes.bidirectional")
    }

    @Test func attributesMustAgreeWithTheWeights() {
        #expect(importError(manifest([#"{"kind": "rnn", "convention": "tf1", "prefix": "rnn/", "attributes": {"num_units": 7}}"#]))
            == .inconsistent(path: "layers[0].attributes.num_units", reason: "is 7, but 'rnn/bias' implies 3"))
        #expect(importError(manifest([Self.rnn, Self.dense], extra: #", "labels": ["a", "b", "c"]"#))
            == .invalidValue(path: "labels", value: "3 labels", expected: "2, the model's output size"))
        guard case .inconsistent(let path, _)? = importError(manifest([#"{"kind": "rnn", "convention": "tf1", "prefix": "rnn/", "weights": {"kernel": "rnn/kernel"}}"#])) else {
            Issue.record("both prefix and weights")
            return
        }
        #expect(path == "layers[0]")
        guard case .inconsistent(let layers, _)? = importError(manifest([#"{"kind": "lstm", "convention": "pytorch", "weights": {"weight_ih": "x"}, "attributes": {"num_layers": 2}}"#])) else {
            Issue.record("num_layers with explicit weights")
            return
        }
        #expect(layers == "layers[0].attributes.num_layers")
    }

    @Test func unsupportedFrameworkFeaturesSaySo() {
        let keras = importError(manifest([#"{"kind": "gru", "convention": "keras", "prefix": "k/", "attributes": {"recurrent_activation": "hard_sigmoid"}}"#]))
        guard case .unsupported(let path, let reason)? = keras else { Issue.record("\(String(describing: keras))"); return }
        #expect(path == "layers[0].attributes.recurrent_activation" && reason.contains("hard_sigmoid"))
        let onnx = importError(manifest([#"{"kind": "lstm", "convention": "onnx", "prefix": "x.", "attributes": {"direction": "bidirectional"}}"#]))
        guard case .unsupported? = onnx else { Issue.record("\(String(describing: onnx))"); return }
    }

    @Test func frontendAndExecutionReachTheDescription() throws {
        let extra = #", "frontend": {"preset": "tf-mfcc", "window_length": 640, "hop_length": 320, "coefficients": 2}, "execution": {"mode": "windowed", "window_frames": 49, "window_hop": 10}"#
        let model = try ManifestImporter.importModel(manifest: Array(manifest([Self.rnn], extra: extra).utf8), weights: Self.archive)
        let frontend = try #require(model.description.frontend)
        #expect(frontend.windowLength == 640 && frontend.hopLength == 320 && frontend.featureCount == 2)
        #expect(model.description.execution == .windowed(frames: 49, hop: 10))
        let mismatch = importError(manifest([Self.rnn], extra: #", "frontend": {"preset": "tf-mfcc", "coefficients": 13}"#))
        #expect(mismatch == .inconsistent(path: "frontend", reason: "makes 13 features per frame, but input_size is 2"))
        guard case .unknownField(let path, _)? = importError(manifest([Self.rnn], extra: #", "frontend": {"preset": "tf-mfcc", "hop": 3}"#)) else {
            Issue.record("a misspelt front-end field must be named")
            return
        }
        #expect(path == "frontend.hop")
    }

    @Test func unreadableArchiveIsAnArchiveError() {
        guard case .archive(.unknownFormat)? = importError(manifest([Self.rnn]), weights: Array("not weights".utf8)) else {
            Issue.record("expected an archive error")
            return
        }
    }

    @Test func mutatedManifestsNeverCrash() {
        let original = Array(manifest([Self.rnn, Self.dense], extra: #", "labels": ["a", "b"], "metadata": {"x": [1, 2.5]}"#).utf8)
        var generator = SeededGenerator(state: 0x4D41_4E49)
        var errors = 0
        for round in 0..<1500 {
            var bytes = original
            for _ in 0..<Int.random(in: 1...3, using: &generator) where !bytes.isEmpty {
                let position = Int.random(in: 0..<bytes.count, using: &generator)
                switch round % 3 {
                case 0: bytes[position] = UInt8.random(in: 0x20...0x7E, using: &generator)
                case 1: bytes.remove(at: position)
                default: bytes.insert(UInt8.random(in: 0x20...0x7E, using: &generator), at: position)
                }
            }
            do {
                _ = try ManifestImporter.importModel(manifest: bytes, weights: Self.archive)
            } catch {
                errors += 1
                #expect(!error.description.isEmpty)
            }
        }
        #expect(errors > 1000)
    }
}
