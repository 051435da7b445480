
/// Which steps of a stream a model's outputs are meaningful for.
public enum OutputMode: String, Sendable {
    /// Stateful streaming: every step's output is a prediction.
    case everyStep = "every_step"
    /// Trained on fixed windows, classifying the last step (e.g. ONNX Slice/Gather of the last
    /// time step, or Y_h). `infer` reports only the final step's output.
    case lastStep = "last_step"
}

/// A value of the free-form metadata a model carries (front-end parameters, provenance, ...).
public enum MetadataValue: Equatable, Sendable {
    case int(Int64)
    case float(Double)
    case bool(Bool)
    case string(String)
    case floats([Float])
    case ints([Int64])
    case strings([String])
}

/// Everything about a model except its weights: a sequential stack of layers.
public struct ModelDescription: Equatable, Sendable {
    /// Length of one input frame (feature vector).
    public var inputSize: Int
    public var layers: [LayerDescription]
    /// Class names, one per output, or empty when unknown.
    public var labels: [String]
    public var outputMode: OutputMode
    /// Extra keys, stored in the file as `earshot.meta.<key>` (e.g. `source`).
    public var metadata: [String: MetadataValue]
    /// The audio front end that makes the model's input frames (`earshot.frontend.*`), or nil
    /// when the file does not say (the model then runs on features only).
    public var frontend: FrontendConfig?
    /// Streaming or windowed execution (`earshot.execution.*`).
    public var execution: ExecutionMode

    public init(
        inputSize: Int, layers: [LayerDescription], labels: [String] = [],
        outputMode: OutputMode = .everyStep, metadata: [String: MetadataValue] = [:],
        frontend: FrontendConfig? = nil, execution: ExecutionMode = .streaming
    ) {
        self.inputSize = inputSize
        self.layers = layers
        self.labels = labels
        self.outputMode = outputMode
        self.metadata = metadata
        self.frontend = frontend
        self.execution = execution
    }

    /// Length of the final output vector.
    public var outputSize: Int { layers.last?.outputSize ?? inputSize }
}

/// A tensor to be written into a model file: raw little-endian element bytes, row-major.
public struct TensorData: Sendable {
    public var name: String
    public var type: TensorType
    /// Row-major (numpy order) shape.
    public var shape: [Int]
    public var bytes: [UInt8]

    public init(name: String, type: TensorType, shape: [Int], bytes: [UInt8]) {
        self.name = name
        self.type = type
        self.shape = shape
        self.bytes = bytes
    }

    /// A float32 tensor from values.
    public init(name: String, shape: [Int], floats: [Float]) {
        self.name = name
        self.type = .float32
        self.shape = shape
        var bytes = [UInt8]()
        bytes.reserveCapacity(floats.count * 4)
        for value in floats {
            let bits = value.bitPattern
            bytes.append(UInt8(truncatingIfNeeded: bits))
            bytes.append(UInt8(truncatingIfNeeded: bits >> 8))
            bytes.append(UInt8(truncatingIfNeeded: bits >> 16))
            bytes.append(UInt8(truncatingIfNeeded: bits >> 24))
        }
        self.bytes = bytes
    }
}
