/// Element types of `.npy` arrays that Earshot reads. Values are the numpy `descr` strings.
public enum NumPyElementType: String, Sendable, CaseIterable {
    case float32 = "<f4"
    case float64 = "<f8"
    case float16 = "<f2"
    case int8 = "|i1"
    case uint8 = "|u1"
    case int16 = "<i2"
    case int32 = "<i4"
    case int64 = "<i8"

    public var byteSize: Int {
        switch self {
        case .int8, .uint8: return 1
        case .int16, .float16: return 2
        case .float32, .int32: return 4
        case .float64, .int64: return 8
        }
    }

    init?(descr: String) {
        // numpy writes single-byte types with '|' but accepts '<' and '=' too.
        switch descr {
        case "<f4", "=f4": self = .float32
        case "<f8", "=f8": self = .float64
        case "<f2", "=f2": self = .float16
        case "|i1", "<i1", "=i1": self = .int8
        case "|u1", "<u1", "=u1": self = .uint8
        case "<i2", "=i2": self = .int16
        case "<i4", "=i4": self = .int32
        case "<i8", "=i8": self = .int64
        default: return nil
        }
    }
}

/// An n-dimensional array read from or written to a NumPy `.npy` file (C order).
public struct NumPyArray: Sendable {
    public var elementType: NumPyElementType
    /// Row-major shape; `[]` for a scalar.
    public var shape: [Int]
    /// Little-endian element bytes, C order.
    public var bytes: [UInt8]

    public init(elementType: NumPyElementType, shape: [Int], bytes: [UInt8]) {
        self.elementType = elementType
        self.shape = shape
        self.bytes = bytes
    }

    /// A float32 array from values.
    public init(shape: [Int], floats: [Float]) {
        precondition(shape.reduce(1, *) == floats.count, "shape does not match the value count")
        var bytes = [UInt8](repeating: 0, count: floats.count * 4)
        bytes.withUnsafeMutableBytes { raw in
            for i in 0..<floats.count {
                raw.storeBytes(of: floats[i].bitPattern.littleEndian, toByteOffset: i &* 4, as: UInt32.self)
            }
        }
        self.init(elementType: .float32, shape: shape, bytes: bytes)
    }

    public var elementCount: Int { shape.reduce(1, *) }

    /// The elements converted to Float (float64 and integers are converted by value).
    public func floats() -> [Float] {
        let count = elementCount
        var out = [Float](repeating: 0, count: count)
        bytes.withUnsafeBytes { raw in
            for i in 0..<count {
                switch elementType {
                case .float32:
                    out[i] = Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: i &* 4, as: UInt32.self)))
                case .float64:
                    out[i] = Float(Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i &* 8, as: UInt64.self))))
                case .float16:
                    out[i] = halfToFloat(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: i &* 2, as: UInt16.self)))
                case .int8:
                    out[i] = Float(raw.load(fromByteOffset: i, as: Int8.self))
                case .uint8:
                    out[i] = Float(raw.load(fromByteOffset: i, as: UInt8.self))
                case .int16:
                    out[i] = Float(Int16(littleEndian: raw.loadUnaligned(fromByteOffset: i &* 2, as: Int16.self)))
                case .int32:
                    out[i] = Float(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: i &* 4, as: Int32.self)))
                case .int64:
                    out[i] = Float(Int64(littleEndian: raw.loadUnaligned(fromByteOffset: i &* 8, as: Int64.self)))
                }
            }
        }
        return out
    }
}

/// IEEE 754 binary16 bits to Float, without relying on the platform's Float16 support.
func halfToFloat(_ h: UInt16) -> Float {
    let sign = UInt32(h & 0x8000) << 16
    let exponent = Int(h >> 10) & 0x1F
    let mantissa = UInt32(h & 0x3FF)
    if exponent == 0 {
        // Zero or subnormal: mantissa * 2^-24.
        let magnitude = Float(mantissa) * (1.0 / 16_777_216.0)
        return sign != 0 ? -magnitude : magnitude
    }
    if exponent == 31 {
        return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13))
    }
    return Float(bitPattern: sign | UInt32(exponent + 112) << 23 | (mantissa << 13))
}
