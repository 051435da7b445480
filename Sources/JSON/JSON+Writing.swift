// MARK: - Building values to write

extension JSON {
    /// An integer, written exactly.
    public static func int(_ value: Int) -> JSON { .number(JSONNumber(text: String(value), double: Double(value))) }

    /// A Double in Swift's shortest round-trip form (`0.1`, `1e-05`); null when not finite.
    public static func double(_ value: Double) -> JSON {
        value.isFinite ? .number(JSONNumber(text: String(value), double: value)) : .null
    }

    /// `value` rounded to at most `decimals` decimals, trailing zeros dropped (`17.5`, `3`);
    /// null when not finite.
    public static func fixed(_ value: Double, decimals: Int) -> JSON {
        guard value.isFinite else { return .null }
        return .number(JSONNumber(text: DecimalText.fixed(value, decimals: decimals, trimZeros: true), double: value))
    }

    /// An object from `(key, value)` pairs, in the order given.
    public static func members(_ pairs: [(String, JSON)]) -> JSON {
        .object(pairs.map { JSONMember(key: $0.0, value: $0.1) })
    }
}

// MARK: - Writing

extension JSON {
    /// The value as JSON text: compact on one line (`indent` nil: `{"a":1,"b":[2,3]}`), or with
    /// each member and element on its own line, indented by `indent` spaces per level.
    /// Numbers are written as their literal text; object members in their order.
    public func serialized(indent: Int? = nil) -> String {
        var out = ""
        write(into: &out, indent: indent, level: 0)
        return out
    }

    private func write(into out: inout String, indent: Int?, level: Int) {
        switch self {
        case .null: out += "null"
        case .bool(let value): out += value ? "true" : "false"
        case .number(let number): out += number.text
        case .string(let value): JSON.writeString(value, into: &out)
        case .array(let values):
            if values.isEmpty { out += "[]"; return }
            out += "["
            for (index, value) in values.enumerated() {
                if index > 0 { out += "," }
                JSON.newline(&out, indent: indent, level: level + 1)
                value.write(into: &out, indent: indent, level: level + 1)
            }
            JSON.newline(&out, indent: indent, level: level)
            out += "]"
        case .object(let members):
            if members.isEmpty { out += "{}"; return }
            out += "{"
            for (index, member) in members.enumerated() {
                if index > 0 { out += "," }
                JSON.newline(&out, indent: indent, level: level + 1)
                JSON.writeString(member.key, into: &out)
                out += indent == nil ? ":" : ": "
                member.value.write(into: &out, indent: indent, level: level + 1)
            }
            JSON.newline(&out, indent: indent, level: level)
            out += "}"
        }
    }

    private static func newline(_ out: inout String, indent: Int?, level: Int) {
        guard let indent else { return }
        out += "\n" + String(repeating: " ", count: indent * level)
    }

    /// `text` as a JSON string literal, in double quotes: `"`, `\` and control characters
    /// escaped (`\n`, `\r`, `\t`, else `\u00XX`), everything else as it is.
    public static func quoted(_ text: String) -> String {
        var out = ""
        writeString(text, into: &out)
        return out
    }

    static func writeString(_ value: String, into out: inout String) {
        out += "\""
        for scalar in value.unicodeScalars {
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
}
