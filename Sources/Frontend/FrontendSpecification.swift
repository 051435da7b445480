/// A front end as a manifest or a command line states it: a preset and the fields that differ
/// from it (by their `FrontendField` names), or, without a preset, every field.
///
/// JSON form (a manifest's `"frontend"` object; `Decodable`):
/// ```
/// {"preset": "tf-mfcc", "window_length": 640, "hop_length": 320,
///  "mel_bands": 40, "coefficients": 10, "low_frequency": 20, "high_frequency": 4000}
/// ```
public struct FrontendSpecification: Equatable, Sendable {
    /// The preset the fields modify, or nil for a fully explicit front end.
    public var preset: FrontendPreset?
    /// Field values given explicitly.
    public var fields: [FrontendField: FrontendFieldValue]

    public init(preset: FrontendPreset?, fields: [FrontendField: FrontendFieldValue] = [:]) {
        self.preset = preset
        self.fields = fields
    }

    /// The configuration this specification describes, validated.
    ///
    /// - Throws: `FrontendError`: `.missingField` when there is no preset and a required field is
    ///   absent, and anything `FrontendPreset.config(_:)` or `validate()` throws.
    public func config() throws(FrontendError) -> FrontendConfig {
        if let preset { return try preset.config(fields) }
        var config = FrontendPreset.tensorFlowMFCC.defaultConfig()
        config.featureMean = []
        config.featureStandardDeviation = []
        for field in FrontendField.allCases {
            guard let value = fields[field] else {
                if field.isOptional { continue }
                throw .missingField(field.rawValue)
            }
            try config.set(field, to: value)
        }
        config.name = ""
        try config.validate()
        return config
    }

    /// Parses `text` as a value of `field`'s kind (command-line `FIELD=VALUE`): integers, numbers,
    /// true/false, names, or comma-separated numbers.
    ///
    /// - Throws: `.wrongFieldType` when the text is not of that kind, `.unknownName` for a name
    ///   the field does not know.
    public static func parseValue(_ text: String, for field: FrontendField) throws(FrontendError) -> FrontendFieldValue {
        let key = field.rawValue
        switch field.kind {
        case .integer:
            guard let number = Int(text) else { throw .wrongFieldType(field: key, expected: "an integer", found: "'\(text)'") }
            return .integer(number)
        case .float32, .float64:
            guard let number = Double(text), number.isFinite else {
                throw .wrongFieldType(field: key, expected: "a number", found: "'\(text)'")
            }
            return .real(number)
        case .flag:
            switch text {
            case "true", "1", "yes": return .flag(true)
            case "false", "0", "no": return .flag(false)
            default: throw .wrongFieldType(field: key, expected: "true or false", found: "'\(text)'")
            }
        case .name(let allowed):
            guard allowed.contains(text) else { throw .unknownName(field: key, value: text, allowed: allowed) }
            return .name(text)
        case .floats:
            if text.isEmpty { return .reals([]) }
            var values: [Float] = []
            for part in text.split(separator: ",", omittingEmptySubsequences: false) {
                guard let number = Float(part.trimmingSpaces), number.isFinite else {
                    throw .wrongFieldType(field: key, expected: "comma-separated numbers", found: "'\(text)'")
                }
                values.append(number)
            }
            return .reals(values)
        }
    }
}

extension Substring {
    fileprivate var trimmingSpaces: Substring {
        var result = self
        while result.first == " " { result.removeFirst() }
        while result.last == " " { result.removeLast() }
        return result
    }
}

// MARK: - Decoding

// Embedded Swift (the static aarch64 build, tools/build_aarch64.sh) has no Codable.
#if !hasFeature(Embedded)
extension FrontendSpecification: Decodable {
    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    /// Decodes the JSON form; an unknown key or a value of the wrong type is a
    /// `DecodingError.dataCorrupted` whose description names the key.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        var preset: FrontendPreset? = nil
        var fields: [FrontendField: FrontendFieldValue] = [:]
        for key in container.allKeys {
            func fail(_ message: String) -> DecodingError {
                DecodingError.dataCorruptedError(forKey: key, in: container, debugDescription: message)
            }
            if key.stringValue == "preset" {
                let name = try container.decode(String.self, forKey: key)
                guard let value = FrontendPreset(rawValue: name) else {
                    throw fail(FrontendError.unknownPreset(name).description)
                }
                preset = value
                continue
            }
            guard let field = FrontendField(rawValue: key.stringValue) else {
                throw fail(FrontendError.unknownField(key.stringValue).description)
            }
            switch field.kind {
            case .integer:
                guard let number = try? container.decode(Int.self, forKey: key) else {
                    throw fail("front-end field '\(field.rawValue)' needs an integer")
                }
                fields[field] = .integer(number)
            case .float32, .float64:
                guard let number = try? container.decode(Double.self, forKey: key) else {
                    throw fail("front-end field '\(field.rawValue)' needs a number")
                }
                fields[field] = .real(number)
            case .flag:
                guard let flag = try? container.decode(Bool.self, forKey: key) else {
                    throw fail("front-end field '\(field.rawValue)' needs true or false")
                }
                fields[field] = .flag(flag)
            case .name(let allowed):
                guard let name = try? container.decode(String.self, forKey: key) else {
                    throw fail("front-end field '\(field.rawValue)' needs one of: " + allowed.joined(separator: ", "))
                }
                guard allowed.contains(name) else {
                    throw fail(FrontendError.unknownName(field: field.rawValue, value: name, allowed: allowed).description)
                }
                fields[field] = .name(name)
            case .floats:
                guard let values = try? container.decode([Float].self, forKey: key) else {
                    throw fail("front-end field '\(field.rawValue)' needs an array of numbers")
                }
                fields[field] = .reals(values)
            }
        }
        self.init(preset: preset, fields: fields)
    }
}
#endif  // !hasFeature(Embedded)
