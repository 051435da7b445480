import Kernels
import Model

/// Everything one layer needs at step time: sizes, attributes, and raw pointers into the
/// model's weights and into the arena. A trivial value (no references), prepared once by
/// `Network.init`; executing it cannot fail.
struct LayerPlan {
    var kind: LayerKind
    /// Dense and RNN activation.
    var activation: Activation
    var inputSize: Int
    /// H (recurrent), output units (dense), inputSize (softmax).
    var hiddenSize: Int
    var outputSize: Int

    /// Where the input lives; nil for the first layer, which reads the caller's frame.
    var input: UnsafePointer<Float>?
    /// Where the output goes: the `hidden` state for recurrent layers, a scratch buffer otherwise.
    /// (`outputSize` is one direction's output for a bidirectional layer: each direction has a plan.)
    var output: UnsafeMutablePointer<Float>

    /// W [gates·H, inputSize] (dense: [out, in]).
    var inputWeights: MatrixOperand?
    /// R [gates·H, outputSize or H].
    var recurrentWeights: MatrixOperand?
    /// LSTM projection [P, H].
    var projection: MatrixOperand?
    /// Dense/RNN/LSTM bias; GRU input bias Wb.
    var bias: UnsafePointer<Float>?
    /// GRU recurrent bias Rb.
    var recurrentBias: UnsafePointer<Float>?
    /// LSTM peepholes [3H], order i, f, o.
    var peepholes: UnsafePointer<Float>?
    /// Attention v [A] (attention layers only; W is `inputWeights`, b is `bias`).
    var attentionVector: UnsafePointer<Float>? = nil

    /// Recurrent state h (outputSize floats), in the arena's state region.
    var hidden: UnsafeMutablePointer<Float>?
    /// LSTM cell state c (H floats), in the arena's state region.
    var cell: UnsafeMutablePointer<Float>?
    /// Scratch for gate pre-activations and intermediates, in the arena's scratch region
    /// (the most any layer's `prepare` asked for, shared by all layers).
    var work: UnsafeMutablePointer<Float>

    var forgetBias: Float
    var cellClip: Float
    var gateClip: Float
    var projectionClip: Float
    var resetAfter: Bool
    /// The vector kernels (σ, tanh) for this CPU; the matrix operands carry the same set.
    var kernels: KernelSet

    /// Prepare: checks `layer` (number `index`, fed `expectedInput` floats) for this runtime: its
    /// sizes by its kind's own `prepare…` (beside that kind's run function), that it reads what the
    /// layer before it writes, and its attributes (finite; clips ≥ 0).
    /// - Returns: the floats of `work` scratch a step of the layer needs.
    /// - Throws: `RuntimeError.invalidLayerSize`, `.layerSizeMismatch`, `.invalidLayerAttribute`.
    static func prepare(_ layer: LayerDescription, index: Int, expectedInput: Int) throws(RuntimeError) -> Int {
        let work: Int?
        switch layer.kind {
        case .lstm: work = prepareLSTM(layer)
        case .gru: work = prepareGRU(layer)
        case .rnn: work = prepareRNN(layer)
        case .dense: work = prepareDense(layer)
        case .softmax: work = prepareSoftmax(layer)
        case .attention: work = prepareAttention(layer)
        case .conv2d: work = index == 0 ? ConvolutionStage.prepare(layer) : nil
        }
        guard let work else {
            throw .invalidLayerSize(
                layer: index, inputSize: layer.inputSize, hiddenSize: layer.hiddenSize,
                projectionSize: layer.projectionSize)
        }
        guard layer.inputSize == expectedInput else {
            throw .layerSizeMismatch(layer: index, inputSize: layer.inputSize, expected: expectedInput)
        }
        let attributes: [(String, Float, Bool)] = [
            ("forget_bias", layer.forgetBias, false),
            ("cell_clip", layer.cellClip, true),
            ("gate_clip", layer.gateClip, true),
            ("projection_clip", layer.projectionClip, true),
        ]
        for (name, value, isClip) in attributes where !value.isFinite || (isClip && value < 0) {
            throw .invalidLayerAttribute(layer: index, attribute: name, value: value)
        }
        return work
    }

    /// Runs the layer on `input` (inputSize floats). Allocates: never.
    @inline(__always)
    func run(_ input: UnsafePointer<Float>) {
        switch kind {
        case .lstm: runLSTM(input)
        case .gru: runGRU(input)
        case .rnn: runRNN(input)
        case .dense: runDense(input)
        case .softmax: runSoftmax(input)
        case .conv2d, .attention: break  // run over whole windows, in `Network.runWindow`
        }
    }
}

/// clamp(v, −limit, limit) when limit > 0 (the ONNX/TensorFlow clip attributes; 0 = off).
@inline(__always)
func clip(_ value: Float, _ limit: Float) -> Float {
    limit > 0 ? Swift.min(Swift.max(value, -limit), limit) : value
}

extension LayerPlan {
    /// y[i] = act(y[i]) for the dense/RNN activation, σ and tanh by the vector kernels.
    /// Allocates: never.
    @inline(__always)
    func activateInPlace(_ y: UnsafeMutablePointer<Float>, count: Int) {
        switch activation {
        case .linear: break
        case .relu: Vector.reluInPlace(y, count: count)
        case .tanh: kernels.tanhInPlace(y, count: count)
        case .sigmoid: kernels.sigmoidInPlace(y, count: count)
        }
    }
}
