/// Reading and writing the NumPy `.npy` format (versions 1.0–3.0, C order, little endian).
///
/// Layout: magic `\x93NUMPY`, major and minor version bytes, header length (u16 for 1.x, u32 for 2.x/3.x),
/// an ASCII Python dict literal `{'descr': '<f4', 'fortran_order': False, 'shape': (T, F), }` padded with
/// spaces and a newline so the data starts on a 64-byte boundary, then the raw element bytes.
public enum NumPyFormat {
    static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]

    /// Parses a whole `.npy` file. Trailing bytes beyond the data are rejected.
    public static func parse(_ bytes: [UInt8]) throws(NumPyError) -> NumPyArray {
        guard bytes.count >= 8, Array(bytes[0..<6]) == magic else {
            if bytes.count < 8 { throw .truncatedHeader(needed: 10, available: bytes.count) }
            throw .notNumPy
        }
        let major = bytes[6], minor = bytes[7]
        let headerLength: Int
        let headerStart: Int
        switch major {
        case 1:
            guard bytes.count >= 10 else { throw .truncatedHeader(needed: 10, available: bytes.count) }
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            headerStart = 10
        case 2, 3:
            guard bytes.count >= 12 else { throw .truncatedHeader(needed: 12, available: bytes.count) }
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
            headerStart = 12
        default:
            throw .unsupportedVersion(major: major, minor: minor)
        }
        guard headerLength <= bytes.count - headerStart else {
            throw .truncatedHeader(needed: headerStart + headerLength, available: bytes.count)
        }
        var header = ""
        for byte in bytes[headerStart..<(headerStart + headerLength)] {
            guard byte < 0x80 else { throw .malformedHeader("non-ASCII byte in header") }
            header.unicodeScalars.append(Unicode.Scalar(byte))
        }
        let descr = try stringValue(of: "descr", in: header)
        guard let elementType = NumPyElementType(descr: descr) else { throw .unsupportedElementType(descr) }
        let fortran = try literalValue(of: "fortran_order", in: header)
        if fortran == "True" { throw .fortranOrder }
        guard fortran == "False" else { throw .malformedHeader("fortran_order is '\(fortran)'") }
        let shape = try shapeValue(in: header)
        var count = 1
        for dim in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: dim)
            guard !overflow else { throw .shapeTooLarge(shape) }
            count = product
        }
        let (byteCount, overflow) = count.multipliedReportingOverflow(by: elementType.byteSize)
        guard !overflow else { throw .shapeTooLarge(shape) }
        let dataStart = headerStart + headerLength
        guard bytes.count - dataStart == byteCount else {
            throw .dataSizeMismatch(expected: byteCount, available: bytes.count - dataStart)
        }
        return NumPyArray(elementType: elementType, shape: shape, bytes: Array(bytes[dataStart...]))
    }

    /// Serializes `array` as a version 1.0 `.npy` file (2.0 if the header would not fit).
    public static func serialize(_ array: NumPyArray) -> [UInt8] {
        var shapeText = "("
        for (i, dim) in array.shape.enumerated() {
            shapeText += i == 0 ? "\(dim)" : ", \(dim)"
        }
        if array.shape.count == 1 { shapeText += "," }
        shapeText += ")"
        var header = "{'descr': '\(array.elementType.rawValue)', 'fortran_order': False, 'shape': \(shapeText), }"
        let version1 = header.utf8.count + 1 + 10 < 65536
        let prefix = version1 ? 10 : 12
        while (prefix + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        var out = magic
        out.append(version1 ? 1 : 2)
        out.append(0)
        let length = header.utf8.count
        out.append(UInt8(truncatingIfNeeded: length))
        out.append(UInt8(truncatingIfNeeded: length >> 8))
        if !version1 {
            out.append(UInt8(truncatingIfNeeded: length >> 16))
            out.append(UInt8(truncatingIfNeeded: length >> 24))
        }
        out.append(contentsOf: header.utf8)
        out.append(contentsOf: array.bytes)
        return out
    }

    // MARK: - Header dict parsing

    /// Text right after `'key':`, with leading spaces removed.
    private static func valueText(of key: String, in header: String) throws(NumPyError) -> Substring {
        let needle = Array("'\(key)'".utf8)
        let haystack = Array(header.utf8)
        var found: Int? = nil
        if haystack.count >= needle.count {
            for start in 0...(haystack.count - needle.count) where Array(haystack[start..<(start + needle.count)]) == needle {
                found = start + needle.count
                break
            }
        }
        guard let end = found else { throw .malformedHeader("missing key '\(key)'") }
        // The header is ASCII, so byte offsets are character offsets.
        var rest = header.dropFirst(end).drop { $0 == " " }
        guard rest.first == ":" else { throw .malformedHeader("no ':' after '\(key)'") }
        rest = rest.dropFirst().drop { $0 == " " }
        return rest
    }

    private static func stringValue(of key: String, in header: String) throws(NumPyError) -> String {
        let rest = try valueText(of: key, in: header)
        guard let quote = rest.first, quote == "'" || quote == "\"" else {
            throw .malformedHeader("'\(key)' is not a string")
        }
        let body = rest.dropFirst()
        guard let end = body.firstIndex(of: quote) else { throw .malformedHeader("unterminated string for '\(key)'") }
        return String(body[..<end])
    }

    private static func literalValue(of key: String, in header: String) throws(NumPyError) -> String {
        let rest = try valueText(of: key, in: header)
        return String(rest.prefix { $0.isLetter })
    }

    private static func shapeValue(in header: String) throws(NumPyError) -> [Int] {
        let rest = try valueText(of: "shape", in: header)
        guard rest.first == "(", let close = rest.firstIndex(of: ")") else {
            throw .malformedHeader("'shape' is not a tuple")
        }
        var shape: [Int] = []
        for part in rest[rest.index(after: rest.startIndex)..<close].split(separator: ",") {
            let trimmed = part.filter { $0 != " " && $0 != "L" }
            if trimmed.isEmpty { continue }
            guard let dim = Int(trimmed), dim >= 0 else { throw .malformedHeader("bad dimension '\(part)' in shape") }
            shape.append(dim)
        }
        return shape
    }
}
