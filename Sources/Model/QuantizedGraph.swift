/// A network that arrived quantized (TFLite int8): a list of integer operations over byte tensors
/// and persistent variables, run in order once per network step. Every number TFLite's kernels
/// derive from float scales (fixed-point multipliers, shifts, lookup tables) is computed once by
/// the importer and stored, so the runtime is integer-only and reproduces TFLite bit for bit.
///
/// Tensors are int8 (uint8 only for a graph output), each a contiguous byte buffer in the arena;
/// shapes are NHWC as in TFLite.
public struct QuantizedGraph: Sendable, Equatable {
    /// Bytes of each activation tensor.
    public var tensorSizes: [Int]
    /// Bytes of each variable (streaming state), and its contents after `reset`.
    public var variableInitialValues: [[Int8]]
    public var operations: [QuantizedOperation]
    public var input: QuantizedPort
    public var output: QuantizedPort
    /// What the model is for and how its outputs are used (from the microWakeWord manifest).
    public var wakeWord: QuantizedWakeWord

    public init(tensorSizes: [Int], variableInitialValues: [[Int8]], operations: [QuantizedOperation],
                input: QuantizedPort, output: QuantizedPort, wakeWord: QuantizedWakeWord) {
        self.tensorSizes = tensorSizes
        self.variableInitialValues = variableInitialValues
        self.operations = operations
        self.input = input
        self.output = output
        self.wakeWord = wakeWord
    }
}

/// A graph input or output: its tensor, [frames, features] shape and affine quantization.
public struct QuantizedPort: Sendable, Equatable {
    public var tensor: Int
    /// Feature frames consumed per step (input) or 1 (output).
    public var frames: Int
    /// Values per frame.
    public var width: Int
    public var scale: Float
    public var zeroPoint: Int
    /// Whether the bytes are unsigned (a uint8 output).
    public var unsigned: Bool

    public init(tensor: Int, frames: Int, width: Int, scale: Float, zeroPoint: Int, unsigned: Bool) {
        self.tensor = tensor
        self.frames = frames
        self.width = width
        self.scale = scale
        self.zeroPoint = zeroPoint
        self.unsigned = unsigned
    }
}

/// The microWakeWord manifest's settings, stored with the network.
public struct QuantizedWakeWord: Sendable, Equatable {
    public var name: String
    public var probabilityCutoff: Double
    /// Probabilities averaged for a detection (v2 `sliding_window_size`, v1 `sliding_window_average_size`).
    public var slidingWindow: Int
    /// Milliseconds between feature frames.
    public var featureStepMilliseconds: Int
    /// The arena TFLite Micro needs, as the manifest declares it (0 when unknown).
    public var tensorArenaBytes: Int
    /// The front-end preset that computes the features (`micro`).
    public var frontendPreset: String

    public init(name: String, probabilityCutoff: Double, slidingWindow: Int, featureStepMilliseconds: Int,
                tensorArenaBytes: Int, frontendPreset: String) {
        self.name = name
        self.probabilityCutoff = probabilityCutoff
        self.slidingWindow = slidingWindow
        self.featureStepMilliseconds = featureStepMilliseconds
        self.tensorArenaBytes = tensorArenaBytes
        self.frontendPreset = frontendPreset
    }
}

/// How a requantization divides by a power of two: TFLite's reference kernels (and its optimized
/// CONV_2D) round half away from zero (RoundingDivideByPOT); its optimized DEPTHWISE_CONV_2D and
/// FULLY_CONNECTED round half up.
public enum QuantizedRounding: Int, Sendable, Equatable {
    case awayFromZero = 0
    case upward = 1
}

/// CONV_2D, DEPTHWISE_CONV_2D or FULLY_CONNECTED on int8 with per-channel requantization.
public struct QuantizedConvolution: Sendable, Equatable {
    public enum Kind: Int, Sendable { case convolution = 0, depthwise = 1, fullyConnected = 2 }
    public var kind: Kind
    public var input: Int
    public var output: Int
    /// Input [H, W, C] (fully connected: [1, 1, C]).
    public var inputHeight: Int, inputWidth: Int, inputChannels: Int
    /// Output [H, W, C].
    public var outputHeight: Int, outputWidth: Int, outputChannels: Int
    /// Kernel extent, strides, dilations and leading padding.
    public var kernelHeight: Int, kernelWidth: Int
    public var strideHeight: Int, strideWidth: Int
    public var dilationHeight: Int, dilationWidth: Int
    public var padTop: Int, padLeft: Int
    /// Depthwise: output channels per input channel.
    public var depthMultiplier: Int
    /// -input zero point, added to each input value.
    public var inputOffset: Int32
    public var outputZeroPoint: Int32
    /// The fused activation's range in output quanta.
    public var activationMin: Int32, activationMax: Int32
    /// TFLite's filter layout: convolution [O, KH, KW, I]; depthwise [1, KH, KW, O]; fully connected [O, I].
    public var weights: [Int8]
    public var bias: [Int32]
    /// Per output channel (or one for all): fixed-point multiplier and power-of-two exponent.
    public var multipliers: [Int32]
    public var shifts: [Int32]
    public var rounding: QuantizedRounding

    public init(kind: Kind, input: Int, output: Int) {
        self.kind = kind
        self.input = input
        self.output = output
        inputHeight = 1; inputWidth = 1; inputChannels = 1
        outputHeight = 1; outputWidth = 1; outputChannels = 1
        kernelHeight = 1; kernelWidth = 1; strideHeight = 1; strideWidth = 1
        dilationHeight = 1; dilationWidth = 1; padTop = 0; padLeft = 0; depthMultiplier = 1
        inputOffset = 0; outputZeroPoint = 0; activationMin = -128; activationMax = 127
        weights = []; bias = []; multipliers = []; shifts = []; rounding = .awayFromZero
    }
}

/// A strided copy of a 4-D box: output[i] = input[begin + i * stride] per axis.
public struct QuantizedSlice: Sendable, Equatable {
    public var input: Int
    public var output: Int
    public var inputShape: [Int]
    public var begin: [Int]
    public var stride: [Int]
    public var outputShape: [Int]

    public init(input: Int, output: Int, inputShape: [Int], begin: [Int], stride: [Int], outputShape: [Int]) {
        self.input = input
        self.output = output
        self.inputShape = inputShape
        self.begin = begin
        self.stride = stride
        self.outputShape = outputShape
    }
}

/// One input of an ADD or MUL: an activation tensor or a constant, its 4-D shape (broadcast to the
/// output's) and how TFLite rescales it.
public struct QuantizedOperand: Sendable, Equatable {
    /// The activation tensor, or -1 for a constant.
    public var tensor: Int
    /// The constant's values (empty for a tensor).
    public var constant: [Int8]
    /// 4-D shape; each extent equals the output's or is 1 (broadcast).
    public var shape: [Int]
    /// -zero point, added to each value.
    public var offset: Int32
    /// ADD's input rescaling (fixed-point multiplier and exponent); unused by MUL.
    public var multiplier: Int32
    public var shift: Int32

    public init(tensor: Int, constant: [Int8], shape: [Int], offset: Int32, multiplier: Int32, shift: Int32) {
        self.tensor = tensor
        self.constant = constant
        self.shape = shape
        self.offset = offset
        self.multiplier = multiplier
        self.shift = shift
    }
}

/// TFLite's int8 ADD or MUL with broadcasting (the arithmetic is in CKernels' QuantizedKernels.h).
public struct QuantizedElementwise: Sendable, Equatable {
    public enum Kind: Int, Sendable { case add = 0, multiply = 1 }
    public var kind: Kind
    public var first: QuantizedOperand
    public var second: QuantizedOperand
    public var output: Int
    /// Output 4-D shape.
    public var shape: [Int]
    /// Output zero point, and the fixed-point multiplier and exponent of the final rescaling.
    public var outputOffset: Int32
    public var multiplier: Int32
    public var shift: Int32
    /// The fused activation's range in output quanta.
    public var activationMin: Int32, activationMax: Int32

    public init(kind: Kind, first: QuantizedOperand, second: QuantizedOperand, output: Int, shape: [Int],
                outputOffset: Int32, multiplier: Int32, shift: Int32, activationMin: Int32, activationMax: Int32) {
        self.kind = kind
        self.first = first
        self.second = second
        self.output = output
        self.shape = shape
        self.outputOffset = outputOffset
        self.multiplier = multiplier
        self.shift = shift
        self.activationMin = activationMin
        self.activationMax = activationMax
    }
}

/// One step of a quantized graph.
public enum QuantizedOperation: Sendable, Equatable {
    /// Byte copy (RESHAPE).
    case copy(input: Int, output: Int, count: Int)
    /// READ_VARIABLE: variable -> tensor.
    case readVariable(variable: Int, output: Int)
    /// ASSIGN_VARIABLE: tensor -> variable.
    case assignVariable(variable: Int, input: Int)
    /// CONCATENATION of tensors with identical quantization: `outer` blocks, each the inputs'
    /// `inner` bytes one after the other.
    case concatenation(inputs: [Int], inner: [Int], outer: Int, output: Int)
    /// STRIDED_SLICE (and each output of SPLIT_V).
    case slice(QuantizedSlice)
    case convolution(QuantizedConvolution)
    /// Elementwise 256-entry table (int8 LOGISTIC, as TFLite's LUT).
    case lookup(input: Int, output: Int, count: Int, table: [Int8])
    /// QUANTIZE between int8/uint8 scales: out = clamp(zpOut + MBQM(in - zpIn)). `rounding`
    /// `.upward`: TFLite's optimized kernel, which rounds half up in blocks of 16 values and half
    /// away from zero in the tail past the last multiple of 16 (as measured).
    case requantize(input: Int, output: Int, count: Int, inputZeroPoint: Int32, multiplier: Int32, shift: Int32,
                    outputZeroPoint: Int32, minimum: Int32, maximum: Int32, rounding: QuantizedRounding)
    /// ADD or MUL of two int8 operands (one may be a constant), broadcast to the output's shape.
    case elementwise(QuantizedElementwise)
}

extension QuantizedOperation {
    /// A short name of the operation's kind (inspect and profile reports).
    public var kindName: String {
        switch self {
        case .copy: return "copy"
        case .readVariable: return "read_variable"
        case .assignVariable: return "assign_variable"
        case .concatenation: return "concatenation"
        case .slice: return "slice"
        case let .convolution(c): return ["conv2d", "depthwise_conv2d", "fully_connected"][c.kind.rawValue]
        case .lookup: return "logistic"
        case .requantize: return "requantize"
        case let .elementwise(e): return e.kind == .add ? "add" : "mul"
        }
    }
}
