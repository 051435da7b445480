// API CONTRACT — implementation in progress (model-file helper replaces the bodies).

/// A validated, read-only view of one tensor inside a loaded model.
public struct TensorView: @unchecked Sendable {
    public let name: String
    public let type: TensorType
    /// Row-major (numpy order) shape.
    public let shape: [Int]
    /// First element; aligned to at least 32 bytes; valid while the owning `ModelFile` lives.
    public let data: UnsafeRawPointer
    public let byteCount: Int
    /// int8 tensors only: per-row float32 scales (`shape[0]` of them).
    public let scales: UnsafePointer<Float>?

    public init(name: String, type: TensorType, shape: [Int], data: UnsafeRawPointer, byteCount: Int, scales: UnsafePointer<Float>?) {
        self.name = name
        self.type = type
        self.shape = shape
        self.data = data
        self.byteCount = byteCount
        self.scales = scales
    }

    /// Rows of a matrix, or the element count of a vector.
    public var rows: Int { shape.first ?? 1 }
    /// Columns of a matrix, 1 for a vector.
    public var columns: Int { shape.count > 1 ? shape[1] : 1 }
    public var elementCount: Int { shape.reduce(1, *) }
}

/// A model loaded from a file (memory-mapped) or from bytes, fully validated.
///
/// After `init` succeeds: every layer's required tensors exist with exactly the shapes
/// `LayerDescription.requiredTensors` gives, layer sizes chain (each layer's inputSize equals the
/// previous outputSize, the first equals `description.inputSize`), every tensor lies inside the
/// file, and the types are allowed (vectors fp32; matrices fp32, fp16 or int8 with scales).
public final class ModelFile: @unchecked Sendable {
    public let description: ModelDescription
    /// All tensors in file order.
    public let tensors: [TensorView]
    /// Size of the whole file in bytes.
    public let fileByteCount: Int

    /// Maps and validates the file at `path`.
    public convenience init(path: String) throws(ModelError) { fatalError("unimplemented") }

    /// Validates a model held in memory (copied; used by tests and the converter's round trip).
    public convenience init(bytes: [UInt8]) throws(ModelError) { fatalError("unimplemented") }

    private init(description: ModelDescription, tensors: [TensorView], fileByteCount: Int) {
        self.description = description
        self.tensors = tensors
        self.fileByteCount = fileByteCount
    }

    /// The tensor a layer holds for `role`, or nil if the layer has none.
    public func tensor(layer: Int, role: TensorRole) -> TensorView? {
        let name = role.tensorName(layer: layer)
        for tensor in tensors where tensor.name == name { return tensor }
        return nil
    }
}

/// Serializes models into the Earshot GGUF container.
public enum ModelWriter {
    /// The complete file image. Validates description and tensors as the reader would.
    public static func serialize(_ description: ModelDescription, tensors: [TensorData]) throws(ModelError) -> [UInt8] {
        fatalError("unimplemented")
    }
}

/// Errors reading, validating or writing a model file.
public enum ModelError: Error, Equatable, Sendable {
    case unimplemented
}
