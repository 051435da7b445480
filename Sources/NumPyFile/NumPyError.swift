/// Errors reading a `.npy` file.
public enum NumPyError: Error, Equatable, Sendable, CustomStringConvertible {
    case notNumPy
    case unsupportedVersion(major: UInt8, minor: UInt8)
    case truncatedHeader(needed: Int, available: Int)
    case malformedHeader(String)
    case unsupportedElementType(String)
    case fortranOrder
    case dataSizeMismatch(expected: Int, available: Int)
    case shapeTooLarge([Int])

    public var description: String {
        switch self {
        case .notNumPy:
            return "not a NumPy .npy file (missing the \\x93NUMPY magic)"
        case let .unsupportedVersion(major, minor):
            return "unsupported .npy format version \(major).\(minor) (supported: 1.0, 2.0, 3.0)"
        case let .truncatedHeader(needed, available):
            return ".npy header is truncated: needs \(needed) bytes, file has \(available)"
        case let .malformedHeader(detail):
            return "malformed .npy header: \(detail)"
        case let .unsupportedElementType(descr):
            return "unsupported .npy element type '\(descr)' (supported: float16/32/64, int8/16/32/64, uint8, little endian)"
        case .fortranOrder:
            return ".npy array is in Fortran order; save it in C order (numpy.ascontiguousarray)"
        case let .dataSizeMismatch(expected, available):
            return ".npy data is \(available) bytes but the header's shape needs \(expected)"
        case let .shapeTooLarge(shape):
            return ".npy shape \(shape) is too large"
        }
    }
}
