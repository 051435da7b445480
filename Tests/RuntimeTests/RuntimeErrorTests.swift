import Model
import Runtime
import Testing

@Suite("RuntimeError")
struct RuntimeErrorTests {
    /// A one-layer LSTM model whose input weights are stored as `type`.
    private func model(inputWeightsType type: TensorType) throws -> ModelFile {
        let layer = LayerDescription(kind: .lstm, inputSize: 3, hiddenSize: 2)
        var tensors: [TensorData] = []
        for (role, shape) in layer.requiredTensors {
            let count = shape.reduce(1, *)
            let name = role.tensorName(layer: 0)
            if role == .inputWeights && type != .float32 {
                tensors.append(TensorData(name: name, type: type, shape: shape, bytes: [UInt8](repeating: 0, count: count * type.byteSize)))
                if type == .int8 {
                    tensors.append(TensorData(name: name + ".scale", shape: [shape[0]], floats: [Float](repeating: 0.01, count: shape[0])))
                }
            } else {
                tensors.append(TensorData(name: name, shape: shape, floats: [Float](repeating: 0.1, count: count)))
            }
        }
        let description = ModelDescription(inputSize: 3, layers: [layer])
        return try ModelFile(bytes: ModelWriter.serialize(description, tensors: tensors))
    }

    @Test("fp16 weights are refused with unsupportedWeightType naming layer, tensor and type")
    func float16Refused() throws {
        let file = try model(inputWeightsType: .float16)
        #expect(throws: RuntimeError.unsupportedWeightType(layer: 0, tensor: "layer.0.input_weights", type: .float16)) {
            _ = try Network(model: file)
        }
    }

    @Test("int8 weights are refused with unsupportedWeightType")
    func int8Refused() throws {
        let file = try model(inputWeightsType: .int8)
        #expect(throws: RuntimeError.unsupportedWeightType(layer: 0, tensor: "layer.0.input_weights", type: .int8)) {
            _ = try Network(model: file)
        }
    }

    @Test("fp32 version of the same model loads")
    func float32Accepted() throws {
        let network = try Network(model: model(inputWeightsType: .float32))
        #expect(network.outputSize == 2)
    }

    @Test("descriptions read as sentences with the offending values")
    func descriptions() {
        let error = RuntimeError.unsupportedWeightType(layer: 2, tensor: "layer.2.recurrent_weights", type: .float16)
        #expect(error.description == "layer 2: tensor 'layer.2.recurrent_weights' is fp16; this runtime only runs fp32 weights")
        #expect(RuntimeError.arenaTooLarge(byteCount: 5, limit: 4).description.contains("5 bytes"))
        #expect(RuntimeError.noLayers.description == "the model has no layers")
    }
}
