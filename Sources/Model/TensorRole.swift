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
    /// Attention v [A] (the score e_t = v · tanh(W h_t + b)).
    case attentionVector = "attention_vector"
    /// The reverse direction's tensors of a bidirectional layer, each shaped as its forward twin.
    case reverseInputWeights = "reverse_input_weights"
    case reverseRecurrentWeights = "reverse_recurrent_weights"
    case reverseBias = "reverse_bias"
    case reverseInputBias = "reverse_input_bias"
    case reverseRecurrentBias = "reverse_recurrent_bias"
    case reversePeepholes = "reverse_peepholes"
    case reverseProjection = "reverse_projection"

    /// Whether this role is a matrix (may be stored fp16/int8) rather than a vector (always fp32).
    public var isMatrix: Bool {
        switch self {
        case .inputWeights, .recurrentWeights, .projection: return true
        case .reverseInputWeights, .reverseRecurrentWeights, .reverseProjection: return true
        default: return false
        }
    }

    /// Whether this is a reverse-direction tensor of a bidirectional layer.
    public var isReverse: Bool { reverseOf != nil }

    /// The forward role a reverse role mirrors (nil for forward roles).
    public var reverseOf: TensorRole? {
        switch self {
        case .reverseInputWeights: return .inputWeights
        case .reverseRecurrentWeights: return .recurrentWeights
        case .reverseBias: return .bias
        case .reverseInputBias: return .inputBias
        case .reverseRecurrentBias: return .recurrentBias
        case .reversePeepholes: return .peepholes
        case .reverseProjection: return .projection
        default: return nil
        }
    }

    /// The reverse twin of a forward recurrent role (nil when there is none).
    public var reversed: TensorRole? {
        TensorRole.allCases.first { $0.reverseOf == self }
    }

    /// File name of this role's tensor in layer `layer`.
    public func tensorName(layer: Int) -> String { "layer.\(layer).\(rawValue)" }
}

extension LayerDescription {
    /// The tensors this layer requires, with their exact shapes, in a fixed order.
    public var requiredTensors: [(role: TensorRole, shape: [Int])] {
        let forward = directionTensors
        guard isBidirectional else { return forward }
        return forward + forward.compactMap { entry in entry.role.reversed.map { ($0, entry.shape) } }
    }

    /// The tensors of one direction (the forward roles).
    private var directionTensors: [(role: TensorRole, shape: [Int])] {
        let h = hiddenSize
        switch kind {
        case .dense:
            return [(.inputWeights, [h, inputSize]), (.bias, [h])]
        case .lstm:
            var list: [(role: TensorRole, shape: [Int])] = [
                (.inputWeights, [4 * h, inputSize]),
                (.recurrentWeights, [4 * h, directionOutputSize]),
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
        case .attention:
            return [(.inputWeights, [h, inputSize]), (.bias, [h]), (.attentionVector, [h])]
        }
    }
}
