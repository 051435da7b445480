/// A parsed JSON value that keeps what a strict configuration reader needs: integers apart
/// from fractions, object keys in file order, and the line each value starts on.
public indirect enum JSONNode: Equatable, Sendable {
    case null
    case bool(Bool)
    /// A number written without fraction or exponent that fits in Int.
    case integer(Int)
    /// Any other number.
    case number(Double)
    case string(String)
    case array([JSONNode])
    /// Members in file order (duplicate keys are rejected by the parser).
    case object([(key: String, value: JSONNode, line: Int)])

    public static func == (a: JSONNode, b: JSONNode) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case let (.bool(x), .bool(y)): return x == y
        case let (.integer(x), .integer(y)): return x == y
        case let (.number(x), .number(y)): return x == y
        case let (.string(x), .string(y)): return x == y
        case let (.array(x), .array(y)): return x == y
        case let (.object(x), .object(y)):
            return x.count == y.count && zip(x, y).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        default: return false
        }
    }

    /// The JSON type's name, for messages: "null", "a boolean", "an integer", "a number", ...
    public var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "a boolean"
        case .integer: return "an integer"
        case .number: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }
}

/// A JSON syntax error: what was expected and where (1-based line and column).
public struct JSONSyntaxError: Error, Equatable, Sendable, CustomStringConvertible {
    public var message: String
    public var line: Int
    public var column: Int

    public var description: String { "line \(line), column \(column): \(message)" }
}

/// A strict RFC 8259 JSON parser over UTF-8 bytes.
///
/// Rejects duplicate object keys, nesting deeper than `maximumDepth`, strings longer than
/// `maximumStringBytes`, and trailing content. Setup-time code: it allocates freely.
public struct JSONParser {
    public static let maximumDepth = 64
    public static let maximumStringBytes = 1 << 16

    private let bytes: [UInt8]
    private var index = 0
    private var line = 1
    private var lineStart = 0

    /// Parses a whole document.
    ///
    /// - Throws: `JSONSyntaxError` with the position of the first problem.
    public static func parse(_ bytes: [UInt8]) throws(JSONSyntaxError) -> JSONNode {
        var parser = JSONParser(bytes: bytes)
        // A UTF-8 byte order mark is tolerated.
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { parser.index = 3 }
        parser.skipWhitespace()
        let value = try parser.parseValue(depth: 0)
        parser.skipWhitespace()
        if parser.index < bytes.count { throw parser.error("unexpected content after the top-level value") }
        return value
    }

    private init(bytes: [UInt8]) { self.bytes = bytes }

    private func error(_ message: String) -> JSONSyntaxError {
        JSONSyntaxError(message: message, line: line, column: index - lineStart + 1)
    }

    private var current: UInt8? { index < bytes.count ? bytes[index] : nil }

    private mutating func skipWhitespace() {
        while let byte = current {
            switch byte {
            case 0x20, 0x09, 0x0D: index += 1
            case 0x0A:
                index += 1
                line += 1
                lineStart = index
            default: return
            }
        }
    }

    private mutating func expect(_ literal: String, _ value: JSONNode) throws(JSONSyntaxError) -> JSONNode {
        for byte in literal.utf8 {
            guard current == byte else { throw error("invalid literal (expected '\(literal)')") }
            index += 1
        }
        return value
    }

    private mutating func parseValue(depth: Int) throws(JSONSyntaxError) -> JSONNode {
        guard depth < Self.maximumDepth else { throw error("nesting deeper than \(Self.maximumDepth) levels") }
        guard let byte = current else { throw error("unexpected end of input (expected a value)") }
        switch byte {
        case UInt8(ascii: "{"): return try parseObject(depth: depth)
        case UInt8(ascii: "["): return try parseArray(depth: depth)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): return try expect("true", .bool(true))
        case UInt8(ascii: "f"): return try expect("false", .bool(false))
        case UInt8(ascii: "n"): return try expect("null", .null)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        default: throw error("unexpected character '\(printable(byte))' (expected a value)")
        }
    }

    private func printable(_ byte: UInt8) -> String {
        byte >= 0x20 && byte < 0x7F ? String(UnicodeScalar(byte)) : "\\u{\(String(byte, radix: 16))}"
    }

    private mutating func parseObject(depth: Int) throws(JSONSyntaxError) -> JSONNode {
        index += 1
        var members: [(key: String, value: JSONNode, line: Int)] = []
        var seen = Set<String>()
        skipWhitespace()
        if current == UInt8(ascii: "}") {
            index += 1
            return .object(members)
        }
        while true {
            skipWhitespace()
            guard current == UInt8(ascii: "\"") else { throw error("expected a key in double quotes") }
            let keyLine = line
            let keyColumn = index - lineStart + 1
            let key = try parseString()
            guard seen.insert(key).inserted else {
                throw JSONSyntaxError(message: "duplicate key '\(key)'", line: keyLine, column: keyColumn)
            }
            skipWhitespace()
            guard current == UInt8(ascii: ":") else { throw error("expected ':' after the key '\(key)'") }
            index += 1
            skipWhitespace()
            let value = try parseValue(depth: depth + 1)
            members.append((key, value, keyLine))
            skipWhitespace()
            if current == UInt8(ascii: ",") {
                index += 1
                continue
            }
            if current == UInt8(ascii: "}") {
                index += 1
                return .object(members)
            }
            throw error("expected ',' or '}' in an object")
        }
    }

    private mutating func parseArray(depth: Int) throws(JSONSyntaxError) -> JSONNode {
        index += 1
        var elements: [JSONNode] = []
        skipWhitespace()
        if current == UInt8(ascii: "]") {
            index += 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            elements.append(try parseValue(depth: depth + 1))
            skipWhitespace()
            if current == UInt8(ascii: ",") {
                index += 1
                continue
            }
            if current == UInt8(ascii: "]") {
                index += 1
                return .array(elements)
            }
            throw error("expected ',' or ']' in an array")
        }
    }

    private mutating func hexDigit() throws(JSONSyntaxError) -> UInt32 {
        guard let byte = current else { throw error("unexpected end of input in a \\u escape") }
        index += 1
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt32(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return UInt32(byte - UInt8(ascii: "A") + 10)
        default: throw error("invalid hex digit in a \\u escape")
        }
    }

    private mutating func unicodeEscape() throws(JSONSyntaxError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 { value = value << 4 | (try hexDigit()) }
        return value
    }

    private mutating func parseString() throws(JSONSyntaxError) -> String {
        index += 1
        var scalars = String.UnicodeScalarView()
        var raw: [UInt8] = []
        func flush(_ raw: inout [UInt8], into scalars: inout String.UnicodeScalarView) -> Bool {
            guard !raw.isEmpty else { return true }
            guard let text = String(validating: raw, as: UTF8.self) else { return false }
            scalars.append(contentsOf: text.unicodeScalars)
            raw.removeAll(keepingCapacity: true)
            return true
        }
        var length = 0
        while true {
            guard let byte = current else { throw error("unterminated string") }
            length += 1
            if length > Self.maximumStringBytes { throw error("string longer than \(Self.maximumStringBytes) bytes") }
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                guard flush(&raw, into: &scalars) else { throw error("string is not valid UTF-8") }
                return String(scalars)
            case UInt8(ascii: "\\"):
                index += 1
                guard flush(&raw, into: &scalars) else { throw error("string is not valid UTF-8") }
                guard let escape = current else { throw error("unterminated escape") }
                index += 1
                switch escape {
                case UInt8(ascii: "\""): scalars.append("\"")
                case UInt8(ascii: "\\"): scalars.append("\\")
                case UInt8(ascii: "/"): scalars.append("/")
                case UInt8(ascii: "b"): scalars.append("\u{8}")
                case UInt8(ascii: "f"): scalars.append("\u{C}")
                case UInt8(ascii: "n"): scalars.append("\n")
                case UInt8(ascii: "r"): scalars.append("\r")
                case UInt8(ascii: "t"): scalars.append("\t")
                case UInt8(ascii: "u"):
                    var code = try unicodeEscape()
                    if code >= 0xD800 && code < 0xDC00 {
                        guard current == UInt8(ascii: "\\") else { throw error("unpaired surrogate in a \\u escape") }
                        index += 1
                        guard current == UInt8(ascii: "u") else { throw error("unpaired surrogate in a \\u escape") }
                        index += 1
                        let low = try unicodeEscape()
                        guard low >= 0xDC00 && low < 0xE000 else { throw error("unpaired surrogate in a \\u escape") }
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let scalar = Unicode.Scalar(code) else { throw error("invalid \\u escape") }
                    scalars.append(scalar)
                default:
                    throw error("invalid escape '\\\(printable(escape))'")
                }
            case 0x00..<0x20:
                throw error("control character in a string (escape it)")
            default:
                raw.append(byte)
                index += 1
            }
        }
    }

    private mutating func parseNumber() throws(JSONSyntaxError) -> JSONNode {
        let start = index
        var integral = true
        if current == UInt8(ascii: "-") { index += 1 }
        guard let first = current, first >= UInt8(ascii: "0") && first <= UInt8(ascii: "9") else {
            throw error("invalid number")
        }
        if first == UInt8(ascii: "0") {
            index += 1
        } else {
            while let d = current, d >= UInt8(ascii: "0") && d <= UInt8(ascii: "9") { index += 1 }
        }
        if current == UInt8(ascii: ".") {
            integral = false
            index += 1
            guard let d = current, d >= UInt8(ascii: "0") && d <= UInt8(ascii: "9") else {
                throw error("invalid number (digits expected after '.')")
            }
            while let d = current, d >= UInt8(ascii: "0") && d <= UInt8(ascii: "9") { index += 1 }
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            integral = false
            index += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { index += 1 }
            guard let d = current, d >= UInt8(ascii: "0") && d <= UInt8(ascii: "9") else {
                throw error("invalid number (digits expected in the exponent)")
            }
            while let d = current, d >= UInt8(ascii: "0") && d <= UInt8(ascii: "9") { index += 1 }
        }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        if integral, let value = Int(text) { return .integer(value) }
        guard let value = Double(text), value.isFinite else { throw error("number out of range: \(text)") }
        return .number(value)
    }
}
