/// The weight tensors a layer owns, and the exact shape each must have.
///
/// A tensor of layer `i` is stored in the file under `layer.<i>.<role>`; an int8 tensor
/// carries its per-row scales in a float32 tensor `layer.<i>.<role>.scale` of shape [rows].
/// Shapes are row-major (numpy order): `[rows, cols]` means `rows` output units.
public enum TensorRole: String, Sendable, CaseIterable {
    /// Dense W [out, in]; conv2d W [C, kT·kF]; LSTM W [4H, in]; GRU W [3H, in]; RNN W [H, in].
    case inputWeights = "input_weights"
    /// LSTM R [4H, P or H]; GRU R [3H, H]; RNN R [H, H].
    case recurrentWeights = "recurrent_weights"
    /// Dense b [out]; conv2d b [C]; LSTM b [4H] (input and recurrent biases summed); RNN b [H].
    case bias
    /// GRU input bias Wb [3H].
    case inputBias = "input_bias"
    /// GRU recurrent bias Rb [3H].
    case recurrentBias = "recurrent_bias"
    /// LSTM peepholes [3H] in the order i, f, o.
    case peepholes
    /// LSTM projection [P, H].
    case projection

    /// Whether this role is a matrix (may be stored fp16/int8) rather than a vector (always fp32).
    public var isMatrix: Bool {
        switch self {
        case .inputWeights, .recurrentWeights, .projection: return true
        default: return false
        }
    }

    /// File name of this role's tensor in layer `layer`.
    public func tensorName(layer: Int) -> String { "layer.\(layer).\(rawValue)" }
}

extension LayerDescription {
    /// The tensors this layer requires, with their exact shapes, in a fixed order.
    public var requiredTensors: [(role: TensorRole, shape: [Int])] {
        let h = hiddenSize
        switch kind {
        case .dense:
            return [(.inputWeights, [h, inputSize]), (.bias, [h])]
        case .lstm:
            var list: [(role: TensorRole, shape: [Int])] = [
                (.inputWeights, [4 * h, inputSize]),
                (.recurrentWeights, [4 * h, outputSize]),
                (.bias, [4 * h]),
            ]
            if hasPeepholes { list.append((.peepholes, [3 * h])) }
            if projectionSize > 0 { list.append((.projection, [projectionSize, h])) }
            return list
        case .gru:
            return [
                (.inputWeights, [3 * h, inputSize]), (.recurrentWeights, [3 * h, h]),
                (.inputBias, [3 * h]), (.recurrentBias, [3 * h]),
            ]
        case .rnn:
            return [(.inputWeights, [h, inputSize]), (.recurrentWeights, [h, h]), (.bias, [h])]
        case .softmax:
            return []
        case .conv2d:
            // W [C, kT·kF] (row c, column i·kF + j), b [C].
            let kernel = (convolution?.kernelTime ?? 0) &* (convolution?.kernelFeatures ?? 0)
            return [(.inputWeights, [h, kernel]), (.bias, [h])]
        }
    }
}
