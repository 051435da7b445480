import Model
import Runtime
import Testing

@Suite("RuntimeError")
struct RuntimeErrorTests {
    /// A one-layer LSTM model whose input weights are stored as `type`.
    private func model(inputWeightsType type: TensorType, firstByte: UInt8 = 0) throws -> ModelFile {
        let layer = LayerDescription(kind: .lstm, inputSize: 3, hiddenSize: 2)
        var tensors: [TensorData] = []
        for (role, shape) in layer.requiredTensors {
            let count = shape.reduce(1, *)
            let name = role.tensorName(layer: 0)
            if role == .inputWeights && type != .float32 {
                var bytes = [UInt8](repeating: 0, count: count * type.byteSize)
                bytes[0] = firstByte
                tensors.append(TensorData(name: name, type: type, shape: shape, bytes: bytes))
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

    @Test("fp16 and int8 input weights load beside fp32 vectors")
    func quantizedAccepted() throws {
        for type in [TensorType.float16, .int8] {
            let network = try Network(model: model(inputWeightsType: type))
            #expect(network.outputSize == 2)
        }
    }

    @Test("an int8 matrix holding -128 is refused with its position")
    func int8MinimumRefused() throws {
        let file = try model(inputWeightsType: .int8, firstByte: 0x80)
        #expect(throws: RuntimeError.int8ValueOutOfRange(layer: 0, tensor: "layer.0.input_weights", row: 0, column: 0)) {
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
        #expect(error.description
            == "layer 2: tensor 'layer.2.recurrent_weights' is fp16; vectors must be fp32, matrices fp32, fp16 or int8")
        #expect(RuntimeError.int8ValueOutOfRange(layer: 1, tensor: "t", row: 2, column: 3).description
            == "layer 1: int8 tensor 't' holds -128 at [2, 3]; quantized weights must lie in -127...127 (symmetric)")
        #expect(RuntimeError.arenaTooLarge(byteCount: 5, limit: 4).description.contains("5 bytes"))
        #expect(RuntimeError.noLayers.description == "the model has no layers")
    }
}
