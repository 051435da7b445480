import JSON

/// Number formatting without Foundation.
public enum Format {
    /// `value` rounded to `decimals` decimals, in plain notation ("17.67", "0.05", "-3.00").
    /// With `trimZeros`, trailing zeros of the fraction (and a bare point) are dropped.
    public static func fixed(_ value: Double, decimals: Int, trimZeros: Bool = false) -> String {
        DecimalText.fixed(value, decimals: decimals, trimZeros: trimZeros)
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
