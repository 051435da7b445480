/// Element types a weight archive may hold. Raw values are the safetensors dtype names.
public enum WeightElementType: String, Sendable, CaseIterable {
    case float64 = "F64"
    case float32 = "F32"
    case float16 = "F16"
    case bfloat16 = "BF16"
    case float8E4M3 = "F8_E4M3"
    case float8E5M2 = "F8_E5M2"
    case int64 = "I64"
    case int32 = "I32"
    case int16 = "I16"
    case int8 = "I8"
    case uint64 = "U64"
    case uint32 = "U32"
    case uint16 = "U16"
    case uint8 = "U8"
    case bool = "BOOL"

    /// Bytes per element.
    public var byteSize: Int {
        switch self {
        case .float64, .int64, .uint64: return 8
        case .float32, .int32, .uint32: return 4
        case .float16, .bfloat16, .int16, .uint16: return 2
        case .float8E4M3, .float8E5M2, .int8, .uint8, .bool: return 1
        }
    }

    /// Whether Earshot reads this type as weights (widened or narrowed to Float).
    public var isWeightType: Bool {
        switch self {
        case .float64, .float32, .float16, .bfloat16: return true
        default: return false
        }
    }
}

/// One named array from a weight archive.
public struct WeightTensor: Sendable {
    /// The archive key (safetensors name; `.npz` member name without `.npy`).
    public var key: String
    /// Row-major shape; `[]` for a scalar.
    public var shape: [Int]
    /// The element type, or nil for a `.npz` member of a type Earshot does not read (strings,
    /// Python objects, ...), whose shape is then unknown (`[]`).
    public var elementType: WeightElementType?
    /// The element type as the archive names it (`F32`, `<f4`, `<U40`).
    public var storedType: String
    /// The elements as Float, row-major, when the element type is a weight type (F64 is rounded
    /// to the nearest Float); empty otherwise.
    public var values: [Float]

    public init(key: String, shape: [Int], elementType: WeightElementType?, storedType: String, values: [Float]) {
        self.key = key
        self.shape = shape
        self.elementType = elementType
        self.storedType = storedType
        self.values = values
    }

    public var elementCount: Int { shape.reduce(1, *) }

    /// Whether `values` holds the elements (a floating-point type Earshot reads as weights).
    public var isWeights: Bool { elementType?.isWeightType ?? false }
}

// MARK: - Element decoding

enum ElementDecoding {
    /// IEEE 754 binary16 bits to Float (exact: every half is a Float).
    static func half(_ bits: UInt16) -> Float {
        let sign: UInt32 = UInt32(bits & 0x8000) << 16
        let exponent = UInt32(bits >> 10) & 0x1F
        let fraction = UInt32(bits & 0x3FF)
        switch exponent {
        case 0:
            // Zero or subnormal: fraction × 2^-24, exact in Float.
            let magnitude = Float(fraction) * 0x1p-24
            return sign == 0 ? magnitude : -magnitude
        case 31:
            return Float(bitPattern: sign | 0x7F80_0000 | fraction << 13)
        default:
            return Float(bitPattern: sign | (exponent + 112) << 23 | fraction << 13)
        }
    }

    /// Decodes `count` little-endian elements of a weight type starting at `offset`.
    /// The caller has checked that the bytes are present.
    static func floats(_ bytes: [UInt8], offset: Int, count: Int, type: WeightElementType) -> [Float] {
        var values = [Float](repeating: 0, count: count)
        bytes.withUnsafeBytes { raw in
            let base = raw.baseAddress! + offset
            for index in 0..<count {
                switch type {
                case .float32:
                    values[index] = Float(bitPattern: UInt32(littleEndian: (base + 4 * index).loadUnaligned(as: UInt32.self)))
                case .float64:
                    values[index] = Float(Double(bitPattern: UInt64(littleEndian: (base + 8 * index).loadUnaligned(as: UInt64.self))))
                case .float16:
                    values[index] = half(UInt16(littleEndian: (base + 2 * index).loadUnaligned(as: UInt16.self)))
                case .bfloat16:
                    // bfloat16 is the top half of a binary32.
                    values[index] = Float(bitPattern: UInt32(UInt16(littleEndian: (base + 2 * index).loadUnaligned(as: UInt16.self))) << 16)
                default:
                    return
                }
            }
        }
        return values
    }
}
