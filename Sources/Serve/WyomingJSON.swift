/// A JSON value as Wyoming events carry it (headers and their `data` objects).
///
/// Objects keep their members in order (a client's `context` is echoed back as it came).
/// Numbers are `Double`; integers up to 2^53 are exact, which covers every length and rate.
enum WyomingJSON: Equatable, Sendable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([WyomingJSON])
    case object([(key: String, value: WyomingJSON)])

    static func == (a: WyomingJSON, b: WyomingJSON) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case let (.bool(x), .bool(y)): return x == y
        case let (.number(x), .number(y)): return x == y
        case let (.string(x), .string(y)): return x == y
        case let (.array(x), .array(y)): return x == y
        case let (.object(x), .object(y)):
            return x.count == y.count && zip(x, y).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        default: return false
        }
    }

    /// The member named `key` of an object (the last one if repeated), else nil.
    subscript(key: String) -> WyomingJSON? {
        guard case let .object(members) = self else { return nil }
        return members.last { $0.key == key }?.value
    }

    /// The value as an exact integer, if it is a number with no fractional part within ±2^53.
    var integer: Int? {
        guard case let .number(value) = self, value == value.rounded(), abs(value) <= 9_007_199_254_740_992 else { return nil }
        return Int(value)
    }

    var string: String? {
        if case let .string(text) = self { return text }
        return nil
    }

    /// What kind of value this is, for error messages.
    var kind: String {
        switch self {
        case .null: return "null"
        case .bool: return "a boolean"
        case .number: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }

    // MARK: - Writing

    /// Compact JSON text (no newline inside, so it can be a Wyoming header line).
    var serialized: String {
        var out = ""
        write(into: &out)
        return out
    }

    private func write(into out: inout String) {
        switch self {
        case .null: out += "null"
        case let .bool(flag): out += flag ? "true" : "false"
        case let .number(value):
            if let whole = integer { out += String(whole) } else if value.isFinite { out += "\(value)" } else { out += "null" }
        case let .string(text): WyomingJSON.quote(text, into: &out)
        case let .array(elements):
            out += "["
            for (i, element) in elements.enumerated() {
                if i > 0 { out += ", " }
                element.write(into: &out)
            }
            out += "]"
        case let .object(members):
            out += "{"
            for (i, member) in members.enumerated() {
                if i > 0 { out += ", " }
                WyomingJSON.quote(member.key, into: &out)
                out += ": "
                member.value.write(into: &out)
            }
            out += "}"
        }
    }

    static func quote(_ text: String, into out: inout String) {
        out += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }

    // MARK: - Reading

    /// Nesting deeper than this is refused (a hostile `[[[[...` cannot exhaust the stack).
    static let maximumDepth = 32

    /// Parses one JSON document that fills `bytes` (surrounding whitespace allowed).
    ///
    /// - Throws: `WyomingJSONError` with the byte offset of the first problem.
    static func parse(_ bytes: UnsafeRawBufferPointer) throws(WyomingJSONError) -> WyomingJSON {
        var parser = Parser(bytes: bytes)
        parser.skipSpace()
        let value = try parser.value(depth: 0)
        parser.skipSpace()
        guard parser.offset == bytes.count else { throw parser.error("unexpected text after the JSON value") }
        return value
    }

    static func parse(_ text: String) throws(WyomingJSONError) -> WyomingJSON {
        let bytes = Array(text.utf8)
        var result: Result<WyomingJSON, WyomingJSONError> = .success(.null)
        bytes.withUnsafeBytes { raw in
            do throws(WyomingJSONError) {
                result = .success(try parse(raw))
            } catch {
                result = .failure(error)
            }
        }
        return try result.get()
    }

    private struct Parser {
        let bytes: UnsafeRawBufferPointer
        var offset = 0

        func error(_ reason: String) -> WyomingJSONError { WyomingJSONError(offset: offset, reason: reason) }

        var current: UInt8? { offset < bytes.count ? bytes[offset] : nil }

        mutating func skipSpace() {
            while let byte = current, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { offset += 1 }
        }

        mutating func expect(_ literal: StaticString) throws(WyomingJSONError) {
            let count = literal.utf8CodeUnitCount
            guard offset + count <= bytes.count else { throw error("truncated literal") }
            for i in 0..<count where bytes[offset + i] != literal.utf8Start[i] { throw error("invalid literal") }
            offset += count
        }

        mutating func value(depth: Int) throws(WyomingJSONError) -> WyomingJSON {
            guard depth < WyomingJSON.maximumDepth else { throw error("nested deeper than \(WyomingJSON.maximumDepth) levels") }
            guard let byte = current else { throw error("unexpected end of the JSON text") }
            switch byte {
            case UInt8(ascii: "{"):
                offset += 1
                var members: [(key: String, value: WyomingJSON)] = []
                skipSpace()
                if current == UInt8(ascii: "}") { offset += 1; return .object(members) }
                while true {
                    skipSpace()
                    guard current == UInt8(ascii: "\"") else { throw error("expected a string key") }
                    let key = try string()
                    skipSpace()
                    guard current == UInt8(ascii: ":") else { throw error("expected ':'") }
                    offset += 1
                    skipSpace()
                    members.append((key, try value(depth: depth + 1)))
                    skipSpace()
                    if current == UInt8(ascii: ",") { offset += 1; continue }
                    guard current == UInt8(ascii: "}") else { throw error("expected ',' or '}'") }
                    offset += 1
                    return .object(members)
                }
            case UInt8(ascii: "["):
                offset += 1
                var elements: [WyomingJSON] = []
                skipSpace()
                if current == UInt8(ascii: "]") { offset += 1; return .array(elements) }
                while true {
                    skipSpace()
                    elements.append(try value(depth: depth + 1))
                    skipSpace()
                    if current == UInt8(ascii: ",") { offset += 1; continue }
                    guard current == UInt8(ascii: "]") else { throw error("expected ',' or ']'") }
                    offset += 1
                    return .array(elements)
                }
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"): try expect("true"); return .bool(true)
            case UInt8(ascii: "f"): try expect("false"); return .bool(false)
            case UInt8(ascii: "n"): try expect("null"); return .null
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
            default: throw error("unexpected character (byte \(byte))")
            }
        }

        mutating func number() throws(WyomingJSONError) -> Double {
            let start = offset
            while let byte = current,
                  (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "-")
                    || byte == UInt8(ascii: "+") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E") {
                offset += 1
                guard offset - start <= 64 else { throw error("number longer than 64 characters") }
            }
            let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<offset]), as: UTF8.self)
            guard let value = Double(text), value.isFinite else { throw WyomingJSONError(offset: start, reason: "invalid number '\(text)'") }
            return value
        }

        mutating func hex4() throws(WyomingJSONError) -> UInt32 {
            guard offset + 4 <= bytes.count else { throw error("truncated \\u escape") }
            var value: UInt32 = 0
            for _ in 0..<4 {
                let byte = bytes[offset]
                let digit: UInt8
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
                default: throw error("invalid \\u escape")
                }
                value = value << 4 | UInt32(digit)
                offset += 1
            }
            return value
        }

        mutating func string() throws(WyomingJSONError) -> String {
            offset += 1   // the opening quote
            var utf8: [UInt8] = []
            while true {
                guard let byte = current else { throw error("unterminated string") }
                offset += 1
                switch byte {
                case UInt8(ascii: "\""):
                    guard let text = String(validating: utf8, as: UTF8.self) else { throw error("string is not valid UTF-8") }
                    return text
                case UInt8(ascii: "\\"):
                    guard let escaped = current else { throw error("unterminated escape") }
                    offset += 1
                    switch escaped {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): utf8.append(escaped)
                    case UInt8(ascii: "b"): utf8.append(0x08)
                    case UInt8(ascii: "f"): utf8.append(0x0C)
                    case UInt8(ascii: "n"): utf8.append(0x0A)
                    case UInt8(ascii: "r"): utf8.append(0x0D)
                    case UInt8(ascii: "t"): utf8.append(0x09)
                    case UInt8(ascii: "u"):
                        var code = try hex4()
                        if code >= 0xD800 && code < 0xDC00 {
                            guard offset + 2 <= bytes.count, bytes[offset] == UInt8(ascii: "\\"), bytes[offset + 1] == UInt8(ascii: "u") else {
                                throw error("unpaired surrogate")
                            }
                            offset += 2
                            let low = try hex4()
                            guard low >= 0xDC00 && low < 0xE000 else { throw error("unpaired surrogate") }
                            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                        }
                        guard let scalar = Unicode.Scalar(code) else { throw error("invalid code point") }
                        utf8.append(contentsOf: String(Character(scalar)).utf8)
                    default: throw error("invalid escape")
                    }
                default:
                    guard byte >= 0x20 else { throw error("control character in a string") }
                    utf8.append(byte)
                }
            }
        }
    }
}

/// Text that is not valid JSON.
struct WyomingJSONError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Byte offset of the problem in the text.
    var offset: Int
    var reason: String
    var description: String { "invalid JSON at byte \(offset): \(reason)" }
}
