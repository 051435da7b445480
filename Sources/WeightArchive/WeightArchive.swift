import NumPyFile

/// The named arrays of a weight archive: a NumPy `.npz` (a zip of `.npy` members, stored or
/// deflated) or a `.safetensors` file, with every size, offset and checksum validated.
///
/// ```swift
/// let archive = try WeightArchive(bytes: fileBytes)
/// let kernel = archive["lstm/rnn/lstm_cell/kernel"]   // WeightTensor: shape, values as Float
/// ```
public struct WeightArchive: Sendable {
    public enum Format: String, Sendable {
        case npz
        case safetensors
    }

    public let format: Format
    /// The tensors in archive order.
    public let tensors: [WeightTensor]
    /// Safetensors `__metadata__` (empty for `.npz`).
    public let metadata: [String: String]
    private let index: [String: Int]

    /// Reads an archive, recognizing the format by its first bytes: `PK` for a zip (`.npz`),
    /// an 8-byte length followed by `{` for safetensors.
    ///
    /// - Throws: `WeightArchiveError` naming the member or key at fault.
    public init(bytes: [UInt8]) throws(WeightArchiveError) {
        if bytes.count >= 4, bytes[0] == 0x50, bytes[1] == 0x4B, (bytes[2] == 3 && bytes[3] == 4) || (bytes[2] == 5 && bytes[3] == 6) {
            self.format = .npz
            self.tensors = try Self.readNPZ(bytes)
            self.metadata = [:]
        } else if bytes.count >= 9, bytes[8] == UInt8(ascii: "{") {
            self.format = .safetensors
            (self.tensors, self.metadata) = try Safetensors.read(bytes)
        } else {
            throw .unknownFormat(firstBytes: Array(bytes.prefix(9)))
        }
        var index: [String: Int] = [:]
        for (position, tensor) in tensors.enumerated() {
            guard index.updateValue(position, forKey: tensor.key) == nil else { throw .duplicateKey(tensor.key) }
        }
        self.index = index
    }

    /// The keys in archive order.
    public var keys: [String] { tensors.map(\.key) }

    /// The tensor stored under `key`, or nil.
    public subscript(key: String) -> WeightTensor? {
        guard let position = index[key] else { return nil }
        return tensors[position]
    }

    // MARK: - .npz

    static func readNPZ(_ bytes: [UInt8]) throws(WeightArchiveError) -> [WeightTensor] {
        let zip = try ZipArchive(bytes: bytes)
        var tensors: [WeightTensor] = []
        tensors.reserveCapacity(zip.members.count)
        for member in zip.members {
            guard member.name.hasSuffix(".npy") else {
                throw .invalidMember(member: member.name, reason: "is not a .npy array (an .npz holds only NAME.npy members)")
            }
            let data = try zip.contents(of: member)
            let key = String(member.name.dropLast(4))
            let array: NumPyArray
            do {
                array = try NumPyFormat.parse(data)
            } catch {
                // Arrays of strings or objects may sit beside the weights; they only fail if used.
                if case .unsupportedElementType(let descr) = error {
                    tensors.append(WeightTensor(key: key, shape: [], elementType: nil, storedType: descr, values: []))
                    continue
                }
                throw .invalidMember(member: member.name, reason: error.description)
            }
            let type: WeightElementType
            switch array.elementType {
            case .float64: type = .float64
            case .float32: type = .float32
            case .float16: type = .float16
            case .int8: type = .int8
            case .uint8: type = .uint8
            case .int16: type = .int16
            case .int32: type = .int32
            case .int64: type = .int64
            }
            let values = type.isWeightType ? array.floats() : []
            tensors.append(WeightTensor(key: key, shape: array.shape, elementType: type, storedType: array.elementType.rawValue, values: values))
        }
        return tensors
    }
}
