// Shared with the static aarch64 build (Aarch64/earshot, tools/build_aarch64.sh).

/// A score with 4 decimals.
func formatScore(_ value: Float) -> String {
    let scaled = (Double(value) * 10000).rounded()
    let whole = Int(scaled) / 10000
    let fraction = abs(Int(scaled) % 10000)
    let digits = String(fraction)
    return (scaled < 0 && whole == 0 ? "-" : "") + String(whole) + "." + String(repeating: "0", count: 4 - digits.count) + digits
}
