/// The kinds of layer the runtime executes.
public enum LayerKind: String, Sendable, CaseIterable {
    /// y = act(W x + b). W [out, in], b [out].
    case dense
    /// Long short-term memory, gates in the order i, f, c, o.
    case lstm
    /// Gated recurrent unit, gates in the order z, r, h (ONNX order).
    case gru
    /// Simple (Elman) recurrent layer: h = act(W x + R h + b).
    case rnn
    /// softmax over the feature vector; no weights.
    case softmax
}

/// Element-wise activation applied by a dense or simple RNN layer.
public enum Activation: String, Sendable, CaseIterable {
    case linear, relu, tanh, sigmoid
}

/// One layer of a sequential network, with every attribute the runtime honours.
///
/// Semantics (x: input at step t, h: previous output/hidden state, c: previous cell):
///
/// LSTM (gates i, f, c, o; `W` = input_weights, `R` = recurrent_weights, `b` = bias = Wb + Rb):
///
///     a     = W x + R h + b                        (4H)
///     a_f  += forgetBias                           (TensorFlow's forget_bias)
///     a     = clamp(a, -gateClip, gateClip)        if gateClip > 0 (ONNX `clip`)
///     i     = σ(a_i + P_i ⊙ c)                     peepholes P (i, f, o) when present
///     f     = σ(a_f + P_f ⊙ c)
///     g     = tanh(a_c)
///     c'    = f ⊙ c + i ⊙ g
///     c'    = clamp(c', -cellClip, cellClip)       if cellClip > 0 (TensorFlow's cell_clip)
///     o     = σ(a_o + P_o ⊙ c')
///     m     = o ⊙ tanh(c')                         (H)
///     h'    = projection · m  if projectionSize > 0, else m
///     h'    = clamp(h', -projectionClip, projectionClip) if projectionClip > 0
///
/// GRU (gates z, r, h; `Wb` = input_bias, `Rb` = recurrent_bias):
///
///     z  = σ(Wz x + Wbz + Rz h + Rbz)
///     r  = σ(Wr x + Wbr + Rr h + Rbr)
///     resetAfter == false (ONNX linear_before_reset=0, TF1 GRUCell, Keras reset_after=False):
///         n = tanh(Wh x + Wbh + Rh (r ⊙ h) + Rbh)
///     resetAfter == true (ONNX linear_before_reset=1, PyTorch, Keras reset_after=True):
///         n = tanh(Wh x + Wbh + r ⊙ (Rh h + Rbh))
///     h' = (1 − z) ⊙ n + z ⊙ h
///
/// RNN: h' = act(W x + R h + b), act ∈ {tanh, relu}.
/// Dense: y = act(W x + b). Softmax: y = exp(x − max x) / Σ exp(x − max x).
public struct LayerDescription: Equatable, Sendable {
    public var kind: LayerKind
    /// Human-readable name, e.g. the ONNX node name. Not used for execution.
    public var name: String
    /// Length of the input vector.
    public var inputSize: Int
    /// Hidden units H (recurrent layers), output units (dense), or inputSize (softmax).
    public var hiddenSize: Int
    /// Dense and RNN activation. LSTM/GRU always use σ and tanh.
    public var activation: Activation
    /// LSTM only: size P of the projected output, 0 for none.
    public var projectionSize: Int
    /// LSTM only: peephole weights present.
    public var hasPeepholes: Bool
    /// LSTM only: constant added to the forget gate pre-activation.
    public var forgetBias: Float
    /// LSTM only: clip of the cell state (TensorFlow semantics), 0 for none.
    public var cellClip: Float
    /// LSTM/GRU/RNN: clip of gate pre-activations (ONNX `clip` semantics), 0 for none.
    public var gateClip: Float
    /// LSTM only: clip of the projected output (TensorFlow's proj_clip), 0 for none.
    public var projectionClip: Float
    /// GRU only: apply the reset gate after the recurrent matmul.
    public var resetAfter: Bool

    public init(
        kind: LayerKind, name: String = "", inputSize: Int, hiddenSize: Int,
        activation: Activation = .linear, projectionSize: Int = 0, hasPeepholes: Bool = false,
        forgetBias: Float = 0, cellClip: Float = 0, gateClip: Float = 0, projectionClip: Float = 0,
        resetAfter: Bool = false
    ) {
        self.kind = kind
        self.name = name
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
        self.activation = activation
        self.projectionSize = projectionSize
        self.hasPeepholes = hasPeepholes
        self.forgetBias = forgetBias
        self.cellClip = cellClip
        self.gateClip = gateClip
        self.projectionClip = projectionClip
        self.resetAfter = resetAfter
    }

    /// Length of the vector this layer emits each step.
    public var outputSize: Int {
        switch kind {
        case .lstm: return projectionSize > 0 ? projectionSize : hiddenSize
        case .softmax: return inputSize
        default: return hiddenSize
        }
    }

    /// Whether the layer keeps state between steps.
    public var isRecurrent: Bool { kind == .lstm || kind == .gru || kind == .rnn }

    /// Number of gate blocks stacked in the weight matrices.
    public var gateCount: Int {
        switch kind {
        case .lstm: return 4
        case .gru: return 3
        case .rnn, .dense: return 1
        case .softmax: return 0
        }
    }
}
