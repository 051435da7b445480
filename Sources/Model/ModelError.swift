import SystemFile

/// Errors reading, validating or writing a model file. Each case carries the offending values;
/// `description` reads as a sentence.
public enum ModelError: Error, Equatable, Sendable, CustomStringConvertible {
    // MARK: Container (GGUF) structure
    /// `needed` bytes of `what` were expected at `offset`, but the file has only `fileSize` bytes.
    case truncated(what: String, offset: Int, needed: Int, fileSize: Int)
    /// The file does not start with the GGUF magic.
    case badMagic(found: [UInt8])
    /// The GGUF container version is not one this reader understands.
    case unsupportedGGUFVersion(found: UInt32, supported: UInt32)
    /// `earshot.format_version` is newer (or older) than this build supports.
    case unsupportedFormatVersion(found: UInt32, supported: UInt32)
    /// A count read from the file (key-value pairs, tensors, array elements) cannot fit in the
    /// bytes that remain after `offset`.
    case countExceedsFile(what: String, count: UInt64, offset: Int, fileSize: Int)
    /// A string (key, tensor name) is longer than the format allows.
    case stringTooLong(what: String, length: UInt64, limit: Int)
    /// A string is not valid UTF-8.
    case invalidUTF8(what: String, offset: Int)
    /// A key-value pair has a value type id GGUF does not define (or an array of arrays).
    case unknownValueType(key: String, type: UInt32)
    /// The same key appears twice.
    case duplicateKey(String)
    /// A required key is absent.
    case missingKey(String)
    /// A key holds a value of the wrong type.
    case wrongKeyType(key: String, expected: String, found: String)
    /// A key holds a value outside its allowed set or range.
    case invalidValue(key: String, value: String, expected: String)
    /// `general.architecture` is not the one this loader reads (`earshot`, or `earshot-qgraph` for imported graphs).
    case wrongArchitecture(found: String, expected: String)

    // MARK: Tensor table
    /// Two tensors share a name.
    case duplicateTensor(String)
    /// A tensor has fewer than 1 or more than 4 dimensions.
    case invalidDimensionCount(tensor: String, count: UInt32)
    /// A tensor has a zero dimension, or dimensions whose product overflows.
    case invalidShape(tensor: String, dims: [UInt64])
    /// A tensor's GGML type id is not fp32 (0), fp16 (1) or int8 (24).
    case unknownTensorType(tensor: String, typeID: UInt32)
    /// A tensor's offset is not a multiple of the required alignment.
    case misalignedTensor(tensor: String, offset: UInt64, alignment: Int)
    /// A tensor's bytes `[offset, offset + size)` (relative to the data section) do not lie
    /// inside the file.
    case tensorOutOfBounds(name: String, offset: UInt64, size: Int, fileSize: Int)
    /// Two tensors' byte ranges overlap.
    case overlappingTensors(String, String)

    // MARK: Model semantics
    /// The model has no layers.
    case noLayers
    /// A layer attribute is out of range or not meaningful for the layer.
    case invalidLayerAttribute(layer: Int, attribute: String, value: String, expected: String)
    /// Layer `layer` takes `inputSize` inputs but the previous stage emits `expected`.
    case layerSizeMismatch(layer: Int, inputSize: Int, expected: Int)
    /// Labels are given but their number differs from the final output size.
    case labelCountMismatch(labels: Int, outputs: Int)
    /// A metadata key is empty or otherwise unusable.
    case invalidMetadataKey(String)
    /// The front-end parameters (`earshot.frontend.*`) are invalid: `key` names the field.
    case invalidFrontend(key: String, reason: String)
    /// A tensor some layer requires is absent.
    case missingTensor(String)
    /// A tensor has a different shape than its layer requires.
    case shapeMismatch(tensor: String, expected: [Int], found: [Int])
    /// A tensor is stored in a type its role does not allow.
    case wrongTensorType(tensor: String, found: TensorType, allowed: [TensorType])
    /// A tensor's byte count does not match its shape and type (writer input).
    case tensorByteCountMismatch(tensor: String, expected: Int, found: Int)
    /// A tensor no layer uses.
    case unexpectedTensor(String)
    /// An int8 row scale is NaN, infinite or negative.
    case invalidScale(tensor: String, row: Int, value: Float)

    // MARK: Operating system
    /// Reading or writing the file failed.
    case file(SystemFileError)

    public var description: String {
        switch self {
        case let .truncated(what, offset, needed, fileSize):
            return "the model file is truncated: \(what) needs \(needed) bytes at offset \(offset), but the file has only \(fileSize) bytes"
        case let .badMagic(found):
            let hex = found.map { byte in
                let text = String(byte, radix: 16)
                return byte < 16 ? "0" + text : text
            }.joined(separator: " ")
            return "not a GGUF model file: expected the magic 'GGUF' (47 47 55 46), found \(hex)"
        case let .unsupportedGGUFVersion(found, supported):
            return "unsupported GGUF version \(found); this reader supports version \(supported)"
        case let .unsupportedFormatVersion(found, supported):
            if found > supported {
                return "the model file has earshot.format_version \(found), newer than the version \(supported) this build supports; upgrade Earshot"
            }
            return "unsupported earshot.format_version \(found); this build supports version \(supported)"
        case let .countExceedsFile(what, count, offset, fileSize):
            return "the file claims \(count) \(what) at offset \(offset), more than its \(fileSize) bytes can hold"
        case let .stringTooLong(what, length, limit):
            return "\(what) is \(length) bytes long; at most \(limit) are allowed"
        case let .invalidUTF8(what, offset):
            return "\(what) at offset \(offset) is not valid UTF-8"
        case let .unknownValueType(key, type):
            return "key '\(key)' has unknown or unsupported value type \(type)"
        case let .duplicateKey(key):
            return "key '\(key)' appears more than once"
        case let .missingKey(key):
            return "required key '\(key)' is missing"
        case let .wrongKeyType(key, expected, found):
            return "key '\(key)' should hold \(expected) but holds \(found)"
        case let .invalidValue(key, value, expected):
            return "key '\(key)' has the value \(value); expected \(expected)"
        case let .wrongArchitecture(found, expected):
            if found.hasPrefix("earshot") {
                return "general.architecture is '\(found)', not '\(expected)': an Earshot model of another kind, read by another loader"
            }
            return "general.architecture is '\(found)', not '\(expected)': this is not an Earshot model"
        case let .duplicateTensor(name):
            return "tensor '\(name)' appears more than once"
        case let .invalidDimensionCount(tensor, count):
            return "tensor '\(tensor)' has \(count) dimensions; 1 to 4 are allowed"
        case let .invalidShape(tensor, dims):
            return "tensor '\(tensor)' has invalid dimensions \(dims) (each must be at least 1 and their product must fit in memory)"
        case let .unknownTensorType(tensor, typeID):
            return "tensor '\(tensor)' has unsupported GGML type \(typeID); supported are 0 (fp32), 1 (fp16) and 24 (int8)"
        case let .misalignedTensor(tensor, offset, alignment):
            return "tensor '\(tensor)' starts at offset \(offset), which is not a multiple of \(alignment)"
        case let .tensorOutOfBounds(name, offset, size, fileSize):
            return "tensor '\(name)' (\(size) bytes at data offset \(offset)) lies outside the \(fileSize)-byte file"
        case let .overlappingTensors(first, second):
            return "tensors '\(first)' and '\(second)' overlap"
        case .noLayers:
            return "the model has no layers"
        case let .invalidLayerAttribute(layer, attribute, value, expected):
            return "layer \(layer) has \(attribute) = \(value); expected \(expected)"
        case let .layerSizeMismatch(layer, inputSize, expected):
            return layer == 0
                ? "layer 0 takes \(inputSize) inputs but the model input size is \(expected)"
                : "layer \(layer) takes \(inputSize) inputs but layer \(layer - 1) emits \(expected)"
        case let .labelCountMismatch(labels, outputs):
            return "the model has \(labels) labels but \(outputs) outputs"
        case let .invalidFrontend(key, reason):
            return "front end '\(key)': \(reason)"
        case let .invalidMetadataKey(key):
            return "metadata key '\(key)' is not allowed (it must be non-empty and at most 1024 bytes)"
        case let .missingTensor(name):
            return "required tensor '\(name)' is missing"
        case let .shapeMismatch(tensor, expected, found):
            return "tensor '\(tensor)' has shape \(found); its layer requires \(expected)"
        case let .wrongTensorType(tensor, found, allowed):
            let names = allowed.map { $0.description }.joined(separator: ", ")
            return "tensor '\(tensor)' is stored as \(found); allowed: \(names)"
        case let .tensorByteCountMismatch(tensor, expected, found):
            return "tensor '\(tensor)' has \(found) bytes of data; its shape and type need \(expected)"
        case let .unexpectedTensor(name):
            return "tensor '\(name)' is not used by any layer"
        case let .invalidScale(tensor, row, value):
            return "tensor '\(tensor)' has the invalid int8 scale \(value) in row \(row); scales must be finite and not negative"
        case let .file(error):
            return error.description
        }
    }
}
