// Element values of an ONNX TensorProto, from raw_data or the typed repeated fields.

extension ONNXTensor {
    /// The dims as Int, checked: no negative dimension, at most 2^40 elements.
    func checkedDims() throws(ConversionError) -> [Int] {
        var result = [Int]()
        var count = 1
        for dim in dims {
            guard dim >= 0, dim <= Int64(Int32.max) else {
                throw .tensorDataMismatch(tensor: name, expectedElements: 0, found: "invalid dims \(dims)")
            }
            let (product, overflow) = count.multipliedReportingOverflow(by: Int(dim))
            // 2^40 elements is far beyond any real model and keeps byte counts (× 8) from overflowing.
            guard !overflow, product <= 1 << 40 else {
                throw .tensorDataMismatch(tensor: name, expectedElements: 0, found: "dims \(dims) are too large")
            }
            count = product
            result.append(Int(dim))
        }
        return result
    }

    /// Number of elements the dims describe.
    func elementCount() throws(ConversionError) -> Int {
        var count = 1
        for dim in try checkedDims() { count *= dim }
        return count
    }

    private func checkStoredInline() throws(ConversionError) {
        if dataLocation == 1 || hasExternalData { throw .externalDataUnsupported(tensor: name) }
    }

    /// Checks that `found` storage units (bytes or typed values) hold `count` elements of `unitsPerElement`.
    private func checkCount(_ found: Int, _ count: Int, _ unitsPerElement: Int, _ what: String) throws(ConversionError) {
        guard found == count * unitsPerElement else {
            throw .tensorDataMismatch(tensor: name, expectedElements: count, found: "\(found) \(what)")
        }
    }

    /// The values as Float (float, double and float16 tensors), in row-major order.
    /// Throws for other types, external data, a count that does not match the dims, and NaN/±inf.
    func floatValues() throws(ConversionError) -> [Float] {
        try checkStoredInline()
        let count = try elementCount()
        var values = [Float]()
        switch dataType {
        case ONNXDataType.float:
            if let raw = rawData {
                try checkCount(raw.count, count, 4, "bytes of raw_data")
                values.reserveCapacity(count)
                for index in 0..<count { values.append(Float(bitPattern: Self.littleEndian32(raw, index * 4))) }
            } else {
                try checkCount(floatData.count, count, 1, "float_data values")
                values = floatData
            }
        case ONNXDataType.double:
            if let raw = rawData {
                try checkCount(raw.count, count, 8, "bytes of raw_data")
                values.reserveCapacity(count)
                for index in 0..<count {
                    let bits = UInt64(Self.littleEndian32(raw, index * 8)) | UInt64(Self.littleEndian32(raw, index * 8 + 4)) << 32
                    values.append(Float(Double(bitPattern: bits)))
                }
            } else {
                try checkCount(doubleData.count, count, 1, "double_data values")
                for value in doubleData { values.append(Float(value)) }
            }
        case ONNXDataType.float16:
            if let raw = rawData {
                try checkCount(raw.count, count, 2, "bytes of raw_data")
                values.reserveCapacity(count)
                for index in 0..<count {
                    values.append(Self.halfToFloat(UInt16(raw[index * 2]) | UInt16(raw[index * 2 + 1]) << 8))
                }
            } else {
                // float16 values travel as uint16 bit patterns in int32_data.
                try checkCount(int32Data.count, count, 1, "int32_data values")
                for value in int32Data { values.append(Self.halfToFloat(UInt16(truncatingIfNeeded: value))) }
            }
        default:
            throw .unsupportedTensorType(tensor: name, dataType: Int(dataType))
        }
        for value in values where !value.isFinite { throw .nonFiniteWeights(tensor: name) }
        return values
    }

    /// The values as Int64 (int64 and int32 tensors), in row-major order.
    func intValues() throws(ConversionError) -> [Int64] {
        try checkStoredInline()
        let count = try elementCount()
        var values = [Int64]()
        switch dataType {
        case ONNXDataType.int64:
            if let raw = rawData {
                try checkCount(raw.count, count, 8, "bytes of raw_data")
                values.reserveCapacity(count)
                for index in 0..<count {
                    let bits = UInt64(Self.littleEndian32(raw, index * 8)) | UInt64(Self.littleEndian32(raw, index * 8 + 4)) << 32
                    values.append(Int64(bitPattern: bits))
                }
            } else {
                try checkCount(int64Data.count, count, 1, "int64_data values")
                values = int64Data
            }
        case ONNXDataType.int32:
            if let raw = rawData {
                try checkCount(raw.count, count, 4, "bytes of raw_data")
                values.reserveCapacity(count)
                for index in 0..<count { values.append(Int64(Int32(bitPattern: Self.littleEndian32(raw, index * 4)))) }
            } else {
                try checkCount(int32Data.count, count, 1, "int32_data values")
                for value in int32Data { values.append(Int64(value)) }
            }
        default:
            throw .unsupportedTensorType(tensor: name, dataType: Int(dataType))
        }
        return values
    }

    /// Whether every element is zero (for initial states). Non-numeric tensors are not zero.
    func isAllZero() throws(ConversionError) -> Bool {
        for value in try floatValues() where value != 0 { return false }
        return true
    }

    private static func littleEndian32(_ bytes: [UInt8], _ offset: Int) -> UInt32 {
        UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16
            | UInt32(bytes[offset + 3]) << 24
    }

    /// IEEE 754 binary16 → binary32, exact.
    static func halfToFloat(_ half: UInt16) -> Float {
        let sign = UInt32(half >> 15) << 31
        let exponent = UInt32(half >> 10) & 0x1F
        let mantissa = UInt32(half) & 0x3FF
        if exponent == 0 {
            let magnitude = Float(mantissa) * 0x1p-24
            return sign != 0 ? -magnitude : magnitude
        }
        if exponent == 0x1F { return Float(bitPattern: sign | 0x7F80_0000 | mantissa << 13) }
        return Float(bitPattern: sign | (exponent + 112) << 23 | mantissa << 13)
    }
}
