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
    /// (`workFloatCount` floats, shared by all layers).
    var work: UnsafeMutablePointer<Float>

    var forgetBias: Float
    var cellClip: Float
    var gateClip: Float
    var projectionClip: Float
    var resetAfter: Bool
    /// The vector kernels (σ, tanh) for this CPU; the matrix operands carry the same set.
    var kernels: KernelSet

    /// Floats of scratch this layer needs at `work`:
    /// LSTM 4H gates (+ H for m when projecting); GRU 3H gates + H (r ⊙ h, or Rh·h);
    /// RNN H; dense and softmax none (they write straight to their output buffer).
    static func workFloatCount(_ layer: LayerDescription) -> Int {
        let h = layer.hiddenSize
        switch layer.kind {
        case .lstm: return 4 &* h &+ (layer.projectionSize > 0 ? h : 0)
        case .gru: return 4 &* h
        case .rnn: return h
        case .dense, .softmax: return 0
        case .conv2d: return ConvolutionStage.workFloatCount(layer)
        case .attention: return h
        }
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
    /// y = exp(x − max x) / Σ exp(x − max x) into `output`, the exponentials by the vector kernel.
    /// A NaN or +∞ anywhere in x makes every output NaN. Allocates: never.
    func runSoftmax(_ x: UnsafePointer<Float>) {
        let y = output
        let count = outputSize
        var maximum = -Float.infinity
        var hasNaN = false
        var i = 0
        while i < count {
            let v = x[i]
            if v.isNaN { hasNaN = true }
            if v > maximum { maximum = v }
            i &+= 1
        }
        if hasNaN || maximum == .infinity {
            y.update(repeating: .nan, count: count)
            return
        }
        i = 0
        while i < count {
            y[i] = x[i] - maximum
            i &+= 1
        }
        kernels.expInPlace(y, count: count)
        var sum: Float = 0
        i = 0
        while i < count {
            sum += y[i]
            i &+= 1
        }
        let inverse = 1 / sum
        i = 0
        while i < count {
            y[i] *= inverse
            i &+= 1
        }
    }

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
