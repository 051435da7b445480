// Shared with the static aarch64 build (Aarch64/earshot, tools/build_aarch64.sh).
import Model
import Frontend

extension FrontendConfig {
    /// One line per field, "name  value", for `inspect`.
    var summaryLines: [String] {
        var lines: [String] = []
        if !name.isEmpty { lines.append("preset \(name)") }
        for field in FrontendField.allCases {
            let value = value(of: field)
            if case .reals(let values) = value, values.isEmpty { continue }
            if case .real(let number) = value, field.kind == .float32 {
                lines.append("\(field.rawValue) \(Float(number))")  // as stored (f32), not widened
            } else {
                lines.append("\(field.rawValue) \(value)")
            }
        }
        return lines
    }
}
