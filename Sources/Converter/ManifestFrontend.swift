import JSON
import Frontend
import Model
import WeightArchive

/// A manifest's `"frontend"` and `"execution"` objects (docs/model-format.md lists the fields):
///
/// ```json
/// "frontend": {"preset": "tf-mfcc", "window_length": 640, "hop_length": 320, "mel_bands": 40,
///              "coefficients": 10, "low_frequency": 20, "high_frequency": 4000},
/// "execution": {"mode": "windowed", "window_frames": 49, "window_hop": 49}
/// ```
///
/// The front end is a preset plus the fields that differ from it (without `"preset"`, every
/// field); the result is validated, so a manifest with an impossible front end is refused here,
/// with the JSON path of the field at fault.
public enum ManifestFrontend {
    /// The front end a `"frontend"` object describes.
    ///
    /// - Throws: `ManifestError.unknownField` for a misspelt field, `.wrongType` for a value of
    ///   the wrong JSON type, `.invalidValue` for an unknown preset or name or an out-of-range value.
    public static func frontend(_ value: JSON, path: String = "frontend") throws(ManifestError) -> FrontendConfig {
        let members = try ManifestValue.object(value, path: path)
        var preset: FrontendPreset? = nil
        var fields: [FrontendField: FrontendFieldValue] = [:]
        let known = ["preset"] + FrontendField.allCases.map(\.rawValue)
        for member in members {
            let memberPath = "\(path).\(member.key)"
            if member.key == "preset" {
                let name = try ManifestValue.string(member.value, path: memberPath)
                guard let chosen = FrontendPreset(rawValue: name) else {
                    throw .invalidValue(path: memberPath, value: "\"\(name)\"",
                                        expected: "one of " + FrontendPreset.allCases.map(\.rawValue).joined(separator: ", "))
                }
                preset = chosen
                continue
            }
            guard let field = FrontendField(rawValue: member.key) else {
                throw .unknownField(path: memberPath, known: known)
            }
            switch field.kind {
            case .integer:
                fields[field] = .integer(try ManifestValue.integer(member.value, path: memberPath, range: 0...(1 << 30)))
            case .float32, .float64:
                fields[field] = .real(try ManifestValue.number(member.value, path: memberPath))
            case .flag:
                fields[field] = .flag(try ManifestValue.bool(member.value, path: memberPath))
            case .name(let allowed):
                let name = try ManifestValue.string(member.value, path: memberPath)
                guard allowed.contains(name) else {
                    throw .invalidValue(path: memberPath, value: "\"\(name)\"", expected: "one of " + allowed.joined(separator: ", "))
                }
                fields[field] = .name(name)
            case .floats:
                var numbers: [Float] = []
                for (index, element) in try ManifestValue.array(member.value, path: memberPath).enumerated() {
                    numbers.append(Float(try ManifestValue.number(element, path: "\(memberPath)[\(index)]")))
                }
                fields[field] = .reals(numbers)
            }
        }
        do throws(FrontendError) {
            return try FrontendSpecification(preset: preset, fields: fields).config()
        } catch {
            let fieldPath = error.field.map { "\(path).\($0.rawValue)" } ?? path
            throw .invalidValue(path: fieldPath, value: "(see reason)", expected: "a valid front end: \(error)")
        }
    }

    /// The execution mode an `"execution"` object describes: `{"mode": "streaming"}` or
    /// `{"mode": "windowed", "window_frames": W, "window_hop": K}` (K defaults to W).
    ///
    /// - Throws: `ManifestError` naming the field (ranges: 1 <= K <= W <= 65536).
    public static func execution(_ value: JSON, path: String = "execution") throws(ManifestError) -> ExecutionMode {
        let members = try ManifestValue.object(value, path: path)
        let known = ["mode", "window_frames", "window_hop"]
        for member in members where !known.contains(member.key) {
            throw .unknownField(path: "\(path).\(member.key)", known: known)
        }
        guard let modeValue = value["mode"] else { throw .missingField(path: "\(path).mode") }
        let mode = try ManifestValue.string(modeValue, path: "\(path).mode")
        switch mode {
        case "streaming":
            for key in ["window_frames", "window_hop"] where value[key] != nil {
                throw .inconsistent(path: "\(path).\(key)", reason: "streaming execution has no window")
            }
            return .streaming
        case "windowed":
            guard let framesValue = value["window_frames"] else { throw .missingField(path: "\(path).window_frames") }
            let frames = try ManifestValue.integer(framesValue, path: "\(path).window_frames",
                                                   range: 1...ExecutionMode.maxWindowFrames)
            let hop = try value["window_hop"].map { (hop: JSON) throws(ManifestError) -> Int in
                try ManifestValue.integer(hop, path: "\(path).window_hop", range: 1...frames)
            } ?? frames
            return .windowed(frames: frames, hop: hop)
        default:
            throw .invalidValue(path: "\(path).mode", value: "\"\(mode)\"", expected: "\"streaming\" or \"windowed\"")
        }
    }
}
