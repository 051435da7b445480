/// A JSON (RFC 8259) value, parsed or to be written: safetensors headers, Earshot manifests and
/// board configurations are read as one, the CLI's and the profiler's `--json` outputs written
/// from one (`JSON+Writing.swift`). The project's one JSON parser; standard library only.
///
/// Objects keep their members in document order (with the line each key is on); a key that appears twice is an error, since
/// JSON leaves its meaning open. Numbers keep their literal text, so integers (offsets, sizes)
/// are read exactly rather than through a Double.
public enum JSON: Equatable, Sendable {
    case null
    case bool(Bool)
    case number(JSONNumber)
    case string(String)
    case array([JSON])
    case object([JSONMember])

    /// The value of member `key`, when this is an object that has it.
    public subscript(key: String) -> JSON? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.key == key }?.value
    }

    /// The text, when this is a string.
    public var stringValue: String? {
        guard case .string(let text) = self else { return nil }
        return text
    }

    /// The exact whole value, when this is a number that has one and it fits in an Int, however
    /// it is written (`16000`, `16000.0`, `1.6e4`); see `JSONNumber.wholeValue`.
    public var wholeNumber: Int? {
        guard case .number(let number) = self else { return nil }
        return number.wholeValue
    }

    /// A short name of the value's type, for error messages ("a string", "an object", ...).
    public var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "a Boolean"
        case .number: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }

    /// Parses a complete JSON text (UTF-8, optional surrounding whitespace).
    ///
    /// - Parameters:
    ///   - maximumDepth: deeper nesting is refused rather than risking the stack.
    ///   - maximumStringBytes: longer strings (keys included) are refused.
    ///   - allowsByteOrderMark: skip a leading UTF-8 byte order mark (RFC 8259 lets a parser
    ///     ignore one; configuration files written by editors may start with it).
    /// - Throws: `JSONError` with the byte offset, line and column of the first problem.
    public static func parse(
        _ bytes: [UInt8], maximumDepth: Int = 64, maximumStringBytes: Int = Int.max, allowsByteOrderMark: Bool = false
    ) throws(JSONError) -> JSON {
        var parser = JSONParser(bytes: bytes, maximumDepth: maximumDepth, maximumStringBytes: maximumStringBytes)
        if let invalid = firstInvalidUTF8Offset(bytes) {
            throw parser.failure("the text is not valid UTF-8", at: invalid)
        }
        if allowsByteOrderMark, bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
            parser.position = 3
            parser.lineStart = 3
        }
        parser.skipWhitespace()
        let value = try parser.value(depth: 0)
        parser.skipWhitespace()
        guard parser.position == bytes.count else { throw parser.failure("unexpected text after the value") }
        return value
    }

    /// Offset of the first byte that does not start a valid UTF-8 sequence, or nil.
    private static func firstInvalidUTF8Offset(_ bytes: [UInt8]) -> Int? {
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = bytes.makeIterator()
        var offset = 0
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let encoded): offset += encoded.count
            case .emptyInput: return nil
            case .error: return offset
            }
        }
    }
}

/// One `"key": value` member of a JSON object.
public struct JSONMember: Equatable, Sendable {
    public var key: String
    public var value: JSON
    /// The 1-based line the key starts on in the parsed text (0 for members made in code); not
    /// part of equality.
    public var line: Int

    public init(key: String, value: JSON, line: Int = 0) {
        self.key = key
        self.value = value
        self.line = line
    }

    public static func == (a: JSONMember, b: JSONMember) -> Bool { a.key == b.key && a.value == b.value }
}

/// A JSON number: its literal text and its value as a Double.
public struct JSONNumber: Equatable, Sendable {
    /// The literal as written, e.g. `-12`, `0.5`, `1e-3`.
    public var text: String
    public var double: Double

    public init(text: String, double: Double) {
        self.text = text
        self.double = double
    }

    /// The exact integer, when the literal has no fraction or exponent and fits in an Int.
    public var integer: Int? {
        text.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) ? nil : Int(text)
    }

    /// The exact value as an Int when the number is whole and fits, however it is written:
    /// `16000`, `16000.0` and `1.6e4` give 16000; `0.5`, `1e-3` and `1e19` give nil. Decided
    /// from the literal's decimal digits, not through a Double (so `9007199254740993.0` stays
    /// exact and `0.99999999999999999` is not whole). Nil for text that is not a JSON number.
    public var wholeValue: Int? {
        if let integer { return integer }
        // literal = [-] digits [. digits] [e|E [+|-] digits]; value = significand * 10^scale.
        let utf8 = text.utf8
        let exponentStart = utf8.firstIndex { $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }
        var exponent = 0
        if let exponentStart {
            let exponentText = text[utf8.index(after: exponentStart)...]
            if let parsed = Int(exponentText) {
                // Beyond ±2^40 the answer no longer depends on the exact exponent; clamping
                // keeps the sums below from overflowing.
                exponent = min(max(parsed, -(1 << 40)), 1 << 40)
            } else {
                // Too many digits for an Int (or not an exponent at all).
                let digits = exponentText.drop { $0 == "+" || $0 == "-" }
                guard !digits.isEmpty, digits.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else { return nil }
                exponent = exponentText.first == "-" ? -(1 << 40) : 1 << 40
            }
        }
        // The significand is accumulated negated, so that Int.min is reachable; trailing zeros
        // are held back (they move into the scale instead of risking an overflow).
        var negated = 0
        var negative = false
        var afterPoint = false
        var fractionDigits = 0
        var heldZeros = 0
        var sawDigit = false
        for byte in text[..<(exponentStart ?? text.endIndex)].utf8 {
            switch byte {
            case UInt8(ascii: "-") where !sawDigit && !negative: negative = true
            case UInt8(ascii: ".") where sawDigit && !afterPoint: afterPoint = true
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                sawDigit = true
                if afterPoint { fractionDigits += 1 }
                if byte == UInt8(ascii: "0") {
                    heldZeros += 1
                    continue
                }
                for _ in 0...heldZeros where negated != 0 {
                    let (scaled, overflow) = negated.multipliedReportingOverflow(by: 10)
                    guard !overflow else { return nil }
                    negated = scaled
                }
                heldZeros = 0
                let (sum, overflow) = negated.subtractingReportingOverflow(Int(byte - UInt8(ascii: "0")))
                guard !overflow else { return nil }
                negated = sum
            default: return nil
            }
        }
        guard sawDigit else { return nil }
        if negated == 0 { return 0 }
        let scale = exponent + heldZeros - fractionDigits
        guard scale >= 0 else { return nil }   // the last non-zero digit is after the point
        for _ in 0..<scale {
            let (scaled, overflow) = negated.multipliedReportingOverflow(by: 10)
            guard !overflow else { return nil }
            negated = scaled
        }
        if negative { return negated }
        let (value, overflow) = (0).subtractingReportingOverflow(negated)
        return overflow ? nil : value
    }
}

/// Why a JSON text could not be parsed.
public struct JSONError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Byte offset in the text.
    public var offset: Int
    public var reason: String
    /// 1-based line and column (in bytes) of `offset`.
    public var line: Int
    public var column: Int

    public init(offset: Int, reason: String, line: Int, column: Int) {
        self.offset = offset
        self.reason = reason
        self.line = line
        self.column = column
    }

    public var description: String { "invalid JSON: \(reason) at byte \(offset)" }
}

// MARK: - Parser

private struct JSONParser {
    let bytes: [UInt8]
    let maximumDepth: Int
    let maximumStringBytes: Int
    var position = 0
    /// Line of `position` (newlines only occur in whitespace: strings refuse control characters).
    var line = 1
    var lineStart = 0

    init(bytes: [UInt8], maximumDepth: Int, maximumStringBytes: Int) {
        self.bytes = bytes
        self.maximumDepth = maximumDepth
        self.maximumStringBytes = maximumStringBytes
    }

    /// An error at `offset` (default: the current position), with its line and column.
    func failure(_ reason: String, at offset: Int? = nil) -> JSONError {
        let offset = offset ?? position
        var line = 1
        var lineStart = 0
        for index in 0..<min(offset, bytes.count) where bytes[index] == 0x0A {
            line += 1
            lineStart = index + 1
        }
        return JSONError(offset: offset, reason: reason, line: line, column: offset - lineStart + 1)
    }

    mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x0D, 0x09: position += 1
            case 0x0A:
                position += 1
                line += 1
                lineStart = position
            default: return
            }
        }
    }

    mutating func value(depth: Int) throws(JSONError) -> JSON {
        guard depth < maximumDepth else { throw failure("nesting deeper than \(maximumDepth) levels") }
        guard position < bytes.count else { throw failure("the text ends where a value should start") }
        switch bytes[position] {
        case UInt8(ascii: "{"): return try object(depth: depth)
        case UInt8(ascii: "["): return try array(depth: depth)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
        default: throw failure("unexpected character where a value should start")
        }
    }

    mutating func literal(_ word: StaticString) throws(JSONError) {
        let count = word.utf8CodeUnitCount
        let expected = UnsafeBufferPointer(start: word.utf8Start, count: count)
        guard count <= bytes.count - position, bytes[position..<(position + count)].elementsEqual(expected) else {
            throw failure("unknown literal (expected \(word))")
        }
        position += count
    }

    mutating func object(depth: Int) throws(JSONError) -> JSON {
        position += 1
        var members: [JSONMember] = []
        var keys = Set<String>()
        skipWhitespace()
        if position < bytes.count, bytes[position] == UInt8(ascii: "}") {
            position += 1
            return .object(members)
        }
        while true {
            skipWhitespace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else { throw failure("expected a string key") }
            let keyOffset = position
            let keyLine = line
            let key = try string()
            guard keys.insert(key).inserted else { throw failure("the key \"\(key)\" appears twice in one object", at: keyOffset) }
            skipWhitespace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: ":") else { throw failure("expected ':' after a key") }
            position += 1
            skipWhitespace()
            members.append(JSONMember(key: key, value: try value(depth: depth + 1), line: keyLine))
            skipWhitespace()
            guard position < bytes.count else { throw failure("the text ends inside an object") }
            if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
            if bytes[position] == UInt8(ascii: "}") { position += 1; return .object(members) }
            throw failure("expected ',' or '}' in an object")
        }
    }

    mutating func array(depth: Int) throws(JSONError) -> JSON {
        position += 1
        var elements: [JSON] = []
        skipWhitespace()
        if position < bytes.count, bytes[position] == UInt8(ascii: "]") {
            position += 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            elements.append(try value(depth: depth + 1))
            skipWhitespace()
            guard position < bytes.count else { throw failure("the text ends inside an array") }
            if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
            if bytes[position] == UInt8(ascii: "]") { position += 1; return .array(elements) }
            throw failure("expected ',' or ']' in an array")
        }
    }

    mutating func string() throws(JSONError) -> String {
        position += 1
        var scalars = String.UnicodeScalarView()
        var runStart = position
        func flush(_ end: Int, into scalars: inout String.UnicodeScalarView) {
            // The whole text was validated as UTF-8, so every run between escapes decodes.
            scalars.append(contentsOf: String(decoding: bytes[runStart..<end], as: UTF8.self).unicodeScalars)
        }
        let start = position
        while true {
            guard position < bytes.count else { throw failure("the text ends inside a string") }
            guard position - start <= maximumStringBytes else { throw failure("a string longer than \(maximumStringBytes) bytes", at: start - 1) }
            let byte = bytes[position]
            if byte == UInt8(ascii: "\"") {
                flush(position, into: &scalars)
                position += 1
                return String(scalars)
            }
            if byte < 0x20 { throw failure("a control character inside a string (escape it)") }
            if byte != UInt8(ascii: "\\") {
                position += 1
                continue
            }
            flush(position, into: &scalars)
            position += 1
            guard position < bytes.count else { throw failure("the text ends inside an escape") }
            let escape = bytes[position]
            position += 1
            switch escape {
            case UInt8(ascii: "\""): scalars.append("\"")
            case UInt8(ascii: "\\"): scalars.append("\\")
            case UInt8(ascii: "/"): scalars.append("/")
            case UInt8(ascii: "b"): scalars.append("\u{08}")
            case UInt8(ascii: "f"): scalars.append("\u{0C}")
            case UInt8(ascii: "n"): scalars.append("\n")
            case UInt8(ascii: "r"): scalars.append("\r")
            case UInt8(ascii: "t"): scalars.append("\t")
            case UInt8(ascii: "u"):
                let escapeOffset = position - 2
                var code = try hex4()
                if code >= 0xD800 && code < 0xDC00 {
                    guard position + 1 < bytes.count, bytes[position] == UInt8(ascii: "\\"), bytes[position + 1] == UInt8(ascii: "u") else {
                        throw failure("a high surrogate escape without its low surrogate", at: escapeOffset)
                    }
                    position += 2
                    let low = try hex4()
                    guard low >= 0xDC00 && low < 0xE000 else { throw failure("a high surrogate escape without its low surrogate", at: escapeOffset) }
                    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                } else if code >= 0xDC00 && code < 0xE000 {
                    throw failure("a lone low surrogate escape", at: escapeOffset)
                }
                guard let scalar = Unicode.Scalar(UInt32(code)) else { throw failure("an invalid \\u escape", at: escapeOffset) }
                scalars.append(scalar)
            default:
                throw failure("an unknown escape", at: position - 2)
            }
            runStart = position
        }
    }

    mutating func hex4() throws(JSONError) -> Int {
        guard 4 <= bytes.count - position else { throw failure("the text ends inside a \\u escape") }
        var value = 0
        for _ in 0..<4 {
            let byte = bytes[position]
            let digit: Int
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = Int(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = Int(byte - UInt8(ascii: "a")) + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = Int(byte - UInt8(ascii: "A")) + 10
            default: throw failure("a \\u escape needs four hex digits")
            }
            value = value << 4 | digit
            position += 1
        }
        return value
    }

    mutating func number() throws(JSONError) -> JSONNumber {
        let start = position
        func digits(_ parser: inout JSONParser) -> Int {
            let first = parser.position
            while parser.position < parser.bytes.count, parser.bytes[parser.position] >= UInt8(ascii: "0"), parser.bytes[parser.position] <= UInt8(ascii: "9") {
                parser.position += 1
            }
            return parser.position - first
        }
        if bytes[position] == UInt8(ascii: "-") { position += 1 }
        guard position < bytes.count else { throw failure("a number without digits") }
        if bytes[position] == UInt8(ascii: "0") {
            position += 1
        } else {
            guard digits(&self) > 0 else { throw failure("a number without digits") }
        }
        if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
            position += 1
            guard digits(&self) > 0 else { throw failure("a number with no digits after its '.'") }
        }
        if position < bytes.count, bytes[position] == UInt8(ascii: "e") || bytes[position] == UInt8(ascii: "E") {
            position += 1
            if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") { position += 1 }
            guard digits(&self) > 0 else { throw failure("a number with no digits in its exponent") }
        }
        let text = String(decoding: bytes[start..<position], as: UTF8.self)
        guard let value = Double(text), value.isFinite else { throw failure("the number \(text) is out of range", at: start) }
        return JSONNumber(text: text, double: value)
    }
}
