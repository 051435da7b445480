import JSON

/// Everything that can go wrong reading a weight archive (`.npz`, `.safetensors`).
///
/// Every case names the archive member or tensor key involved, and `description` reads as a
/// sentence. Reading never traps on malformed input: every size, offset and count is checked
/// before it is used.
public enum WeightArchiveError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The bytes are neither a zip archive (`.npz`) nor a safetensors file.
    case unknownFormat(firstBytes: [UInt8])
    /// `needed` bytes of `what` were expected at `offset`, but the file has only `fileSize` bytes.
    case truncated(what: String, offset: Int, needed: Int, fileSize: Int)
    /// The zip structure is inconsistent (bad signature, sizes that disagree, ...).
    case malformedZip(reason: String)
    /// A valid zip feature Earshot does not read (zip64, encryption, multi-disk, a compression method).
    case unsupportedZip(reason: String)
    /// A member's DEFLATE stream is invalid.
    case inflateFailed(member: String, reason: String, offset: Int)
    /// A member's data does not match the CRC-32 recorded in the archive.
    case checksumMismatch(member: String, recorded: UInt32, computed: UInt32)
    /// An `.npz` member is not a `.npy` array Earshot reads.
    case invalidMember(member: String, reason: String)
    /// Two members or tensors have the same key.
    case duplicateKey(String)
    /// The safetensors header is not valid JSON.
    case malformedJSON(offset: Int, reason: String)
    /// The safetensors header is valid JSON but not a valid safetensors header.
    case malformedHeader(key: String, reason: String)
    /// A safetensors tensor has a dtype Earshot does not know the size of.
    case unsupportedDType(key: String, dtype: String)
    /// A safetensors tensor's byte range is outside the data section, has the wrong length for
    /// its shape, overlaps another tensor, or leaves a gap.
    case invalidTensorData(key: String, reason: String)

    public var description: String {
        switch self {
        case let .unknownFormat(firstBytes):
            let hex = firstBytes.map { byte -> String in
                let digits = String(byte, radix: 16)
                return digits.count == 1 ? "0" + digits : digits
            }.joined(separator: " ")
            return "not a weight archive: expected a zip archive (.npz, starting 'PK') or a safetensors file "
                + "(an 8-byte header length, then '{'); the file starts with [\(hex)]"
        case let .truncated(what, offset, needed, fileSize):
            return "the file is truncated: \(what) needs \(needed) bytes at offset \(offset), but the file has \(fileSize) bytes"
        case let .malformedZip(reason):
            return "malformed zip archive: \(reason)"
        case let .unsupportedZip(reason):
            return "unsupported zip archive: \(reason)"
        case let .inflateFailed(member, reason, offset):
            return "member '\(member)': invalid DEFLATE data (\(reason)) at compressed byte \(offset)"
        case let .checksumMismatch(member, recorded, computed):
            return "member '\(member)': CRC-32 is \(hex32(computed)) but the archive records \(hex32(recorded)) (corrupt data)"
        case let .invalidMember(member, reason):
            return "member '\(member)': \(reason)"
        case let .duplicateKey(key):
            return "the key '\(key)' appears more than once"
        case let .malformedJSON(offset, reason):
            return "the safetensors header is not valid JSON: \(reason) at header byte \(offset)"
        case let .malformedHeader(key, reason):
            return "safetensors header, key '\(key)': \(reason)"
        case let .unsupportedDType(key, dtype):
            return "tensor '\(key)' has dtype '\(dtype)', which Earshot does not read "
                + "(supported: F64, F32, F16, BF16, and the integer and 8-bit float types for tensors not used as weights)"
        case let .invalidTensorData(key, reason):
            return "tensor '\(key)': \(reason)"
        }
    }
}

func hex32(_ value: UInt32) -> String {
    let digits = String(value, radix: 16)
    return "0x" + String(repeating: "0", count: max(0, 8 - digits.count)) + digits
}
