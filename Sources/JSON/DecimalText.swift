/// Decimal formatting of Doubles without Foundation (no `String(format:)`).
public enum DecimalText {
    /// `value` rounded to `decimals` decimals, in plain notation ("17.67", "0.05", "-3.00").
    /// With `trimZeros`, trailing zeros of the fraction (and a bare point) are dropped.
    /// Non-finite values give "nan", "inf" or "-inf".
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
}
