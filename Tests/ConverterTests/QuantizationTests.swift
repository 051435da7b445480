import Converter
import Frontend
import Model
import Runtime
import Testing

/// A float model built by hand: LSTM → dense → softmax, seeded uniform weights.
private func floatModel(seed: UInt64 = 1, poison: (name: String, index: Int, value: Float)? = nil) -> ImportedModel {
    let layers = [
        LayerDescription(kind: .lstm, name: "lstm", inputSize: 10, hiddenSize: 32),
        LayerDescription(kind: .dense, name: "classifier", inputSize: 32, hiddenSize: 6),
        LayerDescription(kind: .softmax, inputSize: 6, hiddenSize: 6),
    ]
    var state = seed
    func uniform() -> Float {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Float(Int64(bitPattern: state >> 11) % 2_000_001 - 1_000_000) / 1_000_000 * 0.4
    }
    var tensors: [TensorData] = []
    for (index, layer) in layers.enumerated() {
        for (role, shape) in layer.requiredTensors {
            let name = role.tensorName(layer: index)
            var values = (0..<shape.reduce(1, *)).map { _ in uniform() }
            if let poison, poison.name == name { values[poison.index] = poison.value }
            tensors.append(TensorData(name: name, shape: shape, floats: values))
        }
    }
    return ImportedModel(description: ModelDescription(inputSize: 10, layers: layers), tensors: tensors)
}

private func tensor(_ model: ImportedModel, _ name: String) -> TensorData? {
    model.tensors.first { $0.name == name }
}

@Suite("Quantizer and per-layer report")
struct QuantizationTests {
    @Test("int8 rows: scale = max|w|/127, values rounded to nearest, an all-zero row has scale 0")
    func int8Rows() {
        let (q, scales) = Quantizer.rows([0.5, -1.27, 0.005, 0.015, 0, 0, 0, 0, 2, 1, -2, 0.0078], rows: 3, columns: 4)
        #expect(scales[0] == Float(1.27) / 127)
        #expect(q[0..<4] == [50, -127, 0, 2])  // 0.5/0.01 = 50, 0.015/0.01 = 1.5 → 2 (ties to even)
        #expect(scales[1] == 0 && q[4..<8] == [0, 0, 0, 0])
        #expect(q[8..<12] == [127, 64, -127, 0])  // 1/(2/127) = 63.5 → 64 (even)
    }

    @Test("apply stores matrices as fp16 or int8 (with .scale), keeps vectors and chosen layers fp32")
    func apply() throws {
        let model = floatModel()
        let int8 = try Quantizer.apply(WeightPlan(weightType: .int8, float32Layers: [1]), to: model)
        #expect(tensor(int8, "layer.0.input_weights")?.type == .int8)
        #expect(tensor(int8, "layer.0.recurrent_weights")?.type == .int8)
        #expect(tensor(int8, "layer.0.input_weights.scale")?.shape == [128])
        #expect(tensor(int8, "layer.0.bias")?.type == .float32)
        #expect(tensor(int8, "layer.1.input_weights")?.type == .float32)
        #expect(tensor(int8, "layer.1.input_weights.scale") == nil)
        let fp16 = try Quantizer.apply(WeightPlan(weightType: .float16), to: model)
        #expect(tensor(fp16, "layer.1.input_weights")?.type == .float16)
        #expect(tensor(fp16, "layer.1.input_weights")?.bytes.count == 6 * 32 * 2)
        // Both load and run.
        for converted in [int8, fp16] {
            let network = try Network(model: ModelFile(bytes: ModelWriter.serialize(converted.description, tensors: converted.tensors)))
            let output = Array(network.step([Float](repeating: 0.3, count: 10)))
            #expect(abs(output.reduce(0, +) - 1) < 1e-5)
        }
    }

    @Test("int8 values dequantize to within half a step of the fp32 weights")
    func int8Accuracy() throws {
        let model = floatModel(seed: 3)
        let converted = try Quantizer.apply(WeightPlan(weightType: .int8), to: model)
        let original = try Quantizer.floats(of: tensor(model, "layer.0.recurrent_weights")!)
        let q = tensor(converted, "layer.0.recurrent_weights")!.bytes.map { Int8(bitPattern: $0) }
        let scales = try Quantizer.floats(of: tensor(converted, "layer.0.recurrent_weights.scale")!)
        for (i, w) in original.enumerated() {
            let scale = scales[i / 32]
            #expect(abs(Float(q[i]) * scale - w) <= scale * 0.5 * 1.0001)
        }
    }

    @Test("NaN and infinite weights are refused naming the tensor and the element", arguments: [Float.nan, .infinity])
    func nonFinite(value: Float) {
        let model = floatModel(poison: ("layer.0.recurrent_weights", 33, value))
        for type in [TensorType.float32, .float16, .int8] {
            #expect {
                _ = try Quantizer.apply(WeightPlan(weightType: type), to: model)
            } throws: { error in
                guard case let .nonFiniteWeight(tensor, index, _) = error as? QuantizationError else { return false }
                return tensor == "layer.0.recurrent_weights" && index == [1, 1]
            }
        }
        let bias = floatModel(poison: ("layer.1.bias", 2, value))
        #expect(throws: QuantizationError.self) { _ = try Quantizer.apply(WeightPlan(weightType: .int8), to: bias) }
    }

    @Test("weights beyond fp16's range are refused for fp16 and accepted for int8")
    func float16Overflow() throws {
        let model = floatModel(poison: ("layer.1.input_weights", 7, 70_000))
        #expect(throws: QuantizationError.float16Overflow(tensor: "layer.1.input_weights", index: [0, 7], value: 70_000)) {
            _ = try Quantizer.apply(WeightPlan(weightType: .float16), to: model)
        }
        _ = try Quantizer.apply(WeightPlan(weightType: .int8), to: model)
        _ = try Quantizer.apply(WeightPlan(weightType: .float16, float32Layers: [1]), to: model)
    }

    @Test("single matrices can differ from their layer; the input matrix is fp16 by default only with a front end")
    func tensorTypes() throws {
        var model = floatModel()
        #expect(WeightPlan.inputMatrix(of: model.description) == "layer.0.input_weights")
        #expect(WeightPlan.defaultInt8InputType(for: model.description) == .int8)
        model.description.frontend = FrontendConfig.mlKWS(stride: 640)
        #expect(WeightPlan.defaultInt8InputType(for: model.description) == .float16)
        let plan = WeightPlan(weightType: .int8, tensorTypes: ["layer.0.input_weights": .float16])
        let converted = try Quantizer.apply(plan, to: model)
        #expect(tensor(converted, "layer.0.input_weights")?.type == .float16)
        #expect(tensor(converted, "layer.0.input_weights.scale") == nil)
        #expect(tensor(converted, "layer.0.recurrent_weights")?.type == .int8)
        let report = try QuantizationReport(
            float32: model, converted: converted, frames: QuantizationReport.randomFrames(count: 5, size: 10))
        #expect(report.layers[0].weightTypes == [.float16, .int8])
        // --keep-fp32 wins over a per-matrix type.
        let kept = try Quantizer.apply(
            WeightPlan(weightType: .int8, float32Layers: [0], tensorTypes: ["layer.0.input_weights": .float16]), to: model)
        #expect(tensor(kept, "layer.0.input_weights")?.type == .float32)
    }

    @Test("--keep-fp32 lists: indices, first, last, kinds; mistakes name the item and the layers")
    func layerSelection() throws {
        let description = floatModel().description
        #expect(try WeightPlan.layers(selectedBy: "last", in: description) == [1])
        #expect(try WeightPlan.layers(selectedBy: "first", in: description) == [0])
        #expect(try WeightPlan.layers(selectedBy: "0, 1", in: description) == [0, 1])
        #expect(try WeightPlan.layers(selectedBy: "dense", in: description) == [1])
        #expect(throws: QuantizationError.invalidLayerSelection(
            item: "2", reason: "layer 2 (softmax) has no weights; layers with weights: 0 (lstm), 1 (dense)")) {
            _ = try WeightPlan.layers(selectedBy: "2", in: description)
        }
        for bad in ["7", "gru", "softmax", "x", ""] {
            #expect(throws: QuantizationError.self) { _ = try WeightPlan.layers(selectedBy: bad, in: description) }
        }
        #expect(QuantizationError.invalidLayerSelection(item: "7", reason: "r").description == "--keep-fp32 '7': r")
    }

    @Test("the report: fp32 is exact; int8 costs a quarter of the bytes at a finite SQNR above 30 dB")
    func report() throws {
        let model = floatModel(seed: 5)
        let frames = QuantizationReport.randomFrames(count: 50, size: 10)
        let same = try QuantizationReport(float32: model, converted: model, frames: frames)
        #expect(same.layers.allSatisfy { $0.sqnr == .infinity && $0.maxAbsError == 0 })
        #expect(same.top1Agreement == 1 && same.steps == 50)

        let int8 = try QuantizationReport(
            float32: model, converted: Quantizer.apply(WeightPlan(weightType: .int8), to: model), frames: frames)
        let lstm = int8.layers[0]
        #expect(lstm.weightTypes == [.int8] && int8.layers[2].weightTypes.isEmpty)
        // LSTM: W 128x10 + R 128x32 int8, two scale vectors and the bias in fp32.
        #expect(lstm.byteCount == 128 * 42 + 3 * 128 * 4)
        #expect(lstm.float32ByteCount == 128 * 42 * 4 + 128 * 4)
        #expect(lstm.sqnr > 30 && lstm.sqnr.isFinite && lstm.maxAbsError > 0 && lstm.maxAbsError < 0.05,
                "SQNR \(lstm.sqnr), max abs error \(lstm.maxAbsError)")
        let fp16 = try QuantizationReport(
            float32: model, converted: Quantizer.apply(WeightPlan(weightType: .float16), to: model), frames: frames)
        #expect(fp16.layers[0].sqnr > lstm.sqnr + 20, "fp16 \(fp16.layers[0].sqnr) dB vs int8 \(lstm.sqnr) dB")
    }
}
