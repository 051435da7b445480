/// A small JSON value with keys kept in insertion order, for the profiler's `--json` output.
public enum JSONText {
    case null
    case bool(Bool)
    case int(Int)
    /// Written with at most `decimals` decimals (non-finite values become null).
    case number(Double, decimals: Int)
    case string(String)
    case array([JSONText])
    case object([(String, JSONText)])

    /// Indented (2 spaces) or compact text.
    public func serialized(indented: Bool = true) -> String {
        var out = ""
        write(into: &out, indented: indented, level: 0)
        return out
    }

    private func write(into out: inout String, indented: Bool, level: Int) {
        switch self {
        case .null: out += "null"
        case .bool(let value): out += value ? "true" : "false"
        case .int(let value): out += String(value)
        case .number(let value, let decimals):
            out += value.isFinite ? Format.fixed(value, decimals: decimals, trimZeros: true) : "null"
        case .string(let value): JSONText.writeString(value, into: &out)
        case .array(let values):
            if values.isEmpty { out += "[]"; return }
            out += "["
            for (index, value) in values.enumerated() {
                if index > 0 { out += "," }
                newline(&out, indented: indented, level: level + 1)
                value.write(into: &out, indented: indented, level: level + 1)
            }
            newline(&out, indented: indented, level: level)
            out += "]"
        case .object(let members):
            if members.isEmpty { out += "{}"; return }
            out += "{"
            for (index, (key, value)) in members.enumerated() {
                if index > 0 { out += "," }
                newline(&out, indented: indented, level: level + 1)
                JSONText.writeString(key, into: &out)
                out += indented ? ": " : ":"
                value.write(into: &out, indented: indented, level: level + 1)
            }
            newline(&out, indented: indented, level: level)
            out += "}"
        }
    }

    private func newline(_ out: inout String, indented: Bool, level: Int) {
        guard indented else { return }
        out += "\n" + String(repeating: "  ", count: level)
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

/// Number formatting without Foundation.
public enum Format {
    /// `value` rounded to `decimals` decimals, in plain notation ("17.67", "0.05", "-3.00").
    /// With `trimZeros`, trailing zeros of the fraction (and a bare point) are dropped.
    public static func fixed(_ value: Double, decimals: Int, trimZeros: Bool = false) -> String {
        guard value.isFinite else { return value.isNaN ? "nan" : (value < 0 ? "-inf" : "inf") }
        var scale = 1.0
        for _ in 0..<max(decimals, 0) { scale *= 10 }
        let scaled = (abs(value) * scale).rounded()
        guard scaled < 9.0e18 else { return String(value) }
        let units = UInt64(scaled)
        let divisor = UInt64(scale)
        var text = String(units / divisor)
        if decimals > 0 {
            var fraction = String(units % divisor)
            fraction = String(repeating: "0", count: decimals - fraction.count) + fraction
            if trimZeros { while fraction.last == "0" { fraction.removeLast() } }
            if !fraction.isEmpty { text += "." + fraction }
        }
        if value < 0 && units > 0 { text = "-" + text }
        return text
    }

    /// An integer with thousands separators: 1234567 -> "1,234,567".
    public static func grouped(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var out = ""
        for (index, character) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { out += "," }
            out.append(character)
        }
        return value < 0 ? "-" + out : out
    }

    /// Bytes in binary units: "812 B", "12.3 KiB", "45.6 MiB".
    public static func bytes(_ value: Int) -> String {
        if value < 1024 { return "\(value) B" }
        if value < 1024 * 1024 { return fixed(Double(value) / 1024, decimals: 1) + " KiB" }
        return fixed(Double(value) / 1024 / 1024, decimals: 1) + " MiB"
    }

    /// Left- or right-aligned text padded to `width`.
    static func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
        let fill = String(repeating: " ", count: max(0, width - text.count))
        return right ? fill + text : text + fill
    }
}
