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
    /// 2-D convolution over a window of frames (time × features, one input channel), only as
    /// the first layer of a windowed model; `convolution` holds its geometry. A Conv1D over time
    /// with the features as input channels is the special case kernelFeatures = inputSize.
    case conv2d
    /// Attention pooling over a window of recurrent outputs h_1…h_T (D = inputSize each), only in
    /// windowed models: e_t = v · tanh(W h_t + b) (W [A, D], b [A], v [A], A = hiddenSize),
    /// a = softmax over t, y = Σ_t a_t h_t (D floats). The layers after it see one step.
    case attention
}

/// How a bidirectional layer combines its two directions' outputs per step (Keras
/// `Bidirectional(merge_mode=…)`; ONNX and PyTorch concatenate).
public enum DirectionMerge: String, Sendable, CaseIterable {
    /// [forward, reverse]: twice the per-direction output.
    case concat
    /// forward + reverse, forward ⊙ reverse, (forward + reverse) / 2: the per-direction size.
    case sum, mul, ave
}

/// Which way a recurrent layer runs over its input sequence.
public enum RecurrentDirection: String, Sendable, CaseIterable {
    /// Oldest to newest: one step per frame (every streaming model).
    case forward
    /// A forward and a reverse (newest to oldest) pass with their own weights, outputs
    /// concatenated per step [forward, reverse] (ONNX direction="bidirectional"). Only in windowed
    /// models: the reverse pass is re-run over each window from zero state.
    case bidirectional
}

/// Geometry of a `conv2d` layer over a (time × features) window of frames.
///
/// Output position (t, f), channel c, with x[τ][φ] = 0 outside the window (zero padding):
///
///     y[t][f][c] = act(b[c] + Σ_{i<kT, j<kF} W[c][i·kF + j] · x[t·sT + i − padTimeBegin][f·sF + j − padFeaturesBegin])
///
/// Output rows: T' = (T + padTimeBegin + padTimeEnd − kT) / sT + 1 for a window of T frames;
/// each row becomes one step of the next (recurrent) layer, flattened features-major
/// (`channelsLast`, TensorFlow NHWC: index f·C + c) or channels-major (ONNX/PyTorch NCHW: c·F' + f).
public struct ConvolutionGeometry: Equatable, Sendable {
    public var kernelTime: Int
    public var kernelFeatures: Int
    public var strideTime: Int
    public var strideFeatures: Int
    public var padTimeBegin: Int
    public var padTimeEnd: Int
    public var padFeaturesBegin: Int
    public var padFeaturesEnd: Int
    /// Row flattening order: true f·C + c (TensorFlow), false c·F' + f (ONNX, PyTorch).
    public var channelsLast: Bool

    public init(
        kernelTime: Int, kernelFeatures: Int, strideTime: Int = 1, strideFeatures: Int = 1,
        padTimeBegin: Int = 0, padTimeEnd: Int = 0, padFeaturesBegin: Int = 0, padFeaturesEnd: Int = 0,
        channelsLast: Bool = true
    ) {
        self.kernelTime = kernelTime
        self.kernelFeatures = kernelFeatures
        self.strideTime = strideTime
        self.strideFeatures = strideFeatures
        self.padTimeBegin = padTimeBegin
        self.padTimeEnd = padTimeEnd
        self.padFeaturesBegin = padFeaturesBegin
        self.padFeaturesEnd = padFeaturesEnd
        self.channelsLast = channelsLast
    }

    /// Output positions along the features for `inputSize` features (0 when the kernel does not fit).
    public func outputFeatures(inputSize: Int) -> Int {
        let span = inputSize &+ padFeaturesBegin &+ padFeaturesEnd &- kernelFeatures
        return span < 0 || strideFeatures < 1 ? 0 : span / strideFeatures &+ 1
    }

    /// Output rows for a window of `frames` frames (0 when the kernel does not fit).
    public func outputRows(frames: Int) -> Int {
        let span = frames &+ padTimeBegin &+ padTimeEnd &- kernelTime
        return span < 0 || strideTime < 1 ? 0 : span / strideTime &+ 1
    }
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
/// Conv2d: see `ConvolutionGeometry` (hiddenSize = filters C, outputSize = F'·C per row).
/// Dense: y = act(W x + b). Softmax: y = exp(x − max x) / Σ exp(x − max x).
public struct LayerDescription: Equatable, Sendable {
    public var kind: LayerKind
    /// Human-readable name, e.g. the ONNX node name. Not used for execution.
    public var name: String
    /// Length of the input vector.
    public var inputSize: Int
    /// Hidden units H (recurrent layers), output units (dense), filters (conv2d), or inputSize (softmax).
    public var hiddenSize: Int
    /// Dense, RNN and conv2d activation. LSTM/GRU always use σ and tanh.
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
    /// conv2d only: kernel, stride, padding and flattening order (nil for every other kind).
    public var convolution: ConvolutionGeometry?
    /// LSTM/GRU/RNN: forward, or bidirectional (then the reverse direction has its own tensors,
    /// `reverse_<role>`, of the same shapes, and outputSize is twice the per-direction output).
    public var direction: RecurrentDirection = .forward
    /// Bidirectional layers: how the two directions' outputs are combined (concat unless set).
    public var merge: DirectionMerge = .concat
    /// Bidirectional layers: emit only the final states, one row [forward h_{T−1}, reverse h_0]
    /// (merged as `merge` says), instead of a row per step (ONNX Y_h, Keras return_sequences=False).
    public var finalStatesOnly = false

    public init(
        kind: LayerKind, name: String = "", inputSize: Int, hiddenSize: Int,
        activation: Activation = .linear, projectionSize: Int = 0, hasPeepholes: Bool = false,
        forgetBias: Float = 0, cellClip: Float = 0, gateClip: Float = 0, projectionClip: Float = 0,
        resetAfter: Bool = false, convolution: ConvolutionGeometry? = nil
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
        self.convolution = convolution
    }

    /// Length of the vector this layer emits each step (both directions of a bidirectional layer).
    public var outputSize: Int {
        isBidirectional && merge == .concat ? directionOutputSize &* 2 : directionOutputSize
    }

    /// Length of one direction's output (= outputSize except for bidirectional layers).
    public var directionOutputSize: Int {
        switch kind {
        case .lstm: return projectionSize > 0 ? projectionSize : hiddenSize
        case .softmax, .attention: return inputSize
        case .conv2d: return (convolution?.outputFeatures(inputSize: inputSize) ?? 0) &* hiddenSize
        default: return hiddenSize
        }
    }

    /// Whether the layer keeps state between steps.
    public var isRecurrent: Bool { kind == .lstm || kind == .gru || kind == .rnn }

    /// Whether this is a recurrent layer run in both directions.
    public var isBidirectional: Bool { direction == .bidirectional }

    /// Whether the layer needs the whole window at once (a bidirectional layer, attention
    /// pooling): a model with one runs only windowed, layer by layer over each window.
    public var needsWholeWindow: Bool { isBidirectional || kind == .attention }

    /// Number of gate blocks stacked in the weight matrices.
    public var gateCount: Int {
        switch kind {
        case .lstm: return 4
        case .gru: return 3
        case .rnn, .dense, .conv2d, .attention: return 1
        case .softmax: return 0
        }
    }
}
