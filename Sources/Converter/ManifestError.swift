import JSON
import WeightArchive

/// Everything that can go wrong importing weights with a manifest.
///
/// `path` is the JSON path of the manifest entry at fault (`layers[1].weights.kernel`,
/// `layers[0].attributes.proj_size`, `input_size`), `key` the weight archive key involved;
/// `description` reads as a sentence naming both.
public enum ManifestError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The manifest is not valid JSON.
    case malformedJSON(offset: Int, reason: String)
    /// The weight archive could not be read.
    case archive(WeightArchiveError)
    /// A required manifest entry is absent.
    case missingField(path: String)
    /// A manifest entry has the wrong JSON type.
    case wrongType(path: String, expected: String, found: String)
    /// A manifest entry has a value outside its allowed set or range.
    case invalidValue(path: String, value: String, expected: String)
    /// A manifest entry Earshot does not know (a misspelt field or attribute).
    case unknownField(path: String, known: [String])
    /// `convention` names no supported framework layout.
    case unknownConvention(path: String, value: String)
    /// `kind` names no supported layer kind (or one the convention does not have).
    case unknownKind(path: String, value: String, convention: String)
    /// A weight slot names an archive key that is not there.
    case missingTensor(path: String, key: String, similar: [String])
    /// An archive tensor has a shape other than the one the layer needs.
    case shapeMismatch(path: String, key: String, expected: String, found: [Int])
    /// An archive tensor holds NaN or ±infinity.
    case nonFiniteWeights(path: String, key: String, index: Int, value: Float)
    /// An archive tensor holds integers or another element type that is not a weight type.
    case notFloatingPoint(path: String, key: String, dtype: String)
    /// A valid framework feature Earshot cannot run yet (bidirectional layers, hard sigmoid, ...).
    case unsupported(path: String, reason: String)
    /// Two manifest entries contradict each other (an attribute and the weights present).
    case inconsistent(path: String, reason: String)

    public var description: String {
        switch self {
        case let .malformedJSON(offset, reason):
            return "the manifest is not valid JSON: \(reason) at byte \(offset)"
        case let .archive(error):
            return "weight archive: \(error)"
        case let .missingField(path):
            return "manifest: '\(path)' is required but absent"
        case let .wrongType(path, expected, found):
            return "manifest: '\(path)' must be \(expected), found \(found)"
        case let .invalidValue(path, value, expected):
            return "manifest: '\(path)' is \(value); expected \(expected)"
        case let .unknownField(path, known):
            return "manifest: unknown entry '\(path)'" + (known.isEmpty ? "" : " (known here: \(known.joined(separator: ", ")))")
        case let .unknownConvention(path, value):
            return "manifest: '\(path)' is \"\(value)\"; supported conventions: \(ManifestConvention.allCases.map(\.rawValue).joined(separator: ", "))"
        case let .unknownKind(path, value, convention):
            return "manifest: '\(path)' is \"\(value)\", which the \(convention) convention does not have (kinds: lstm, gru, rnn, dense, softmax, conv2d)"
        case let .missingTensor(path, key, similar):
            return "manifest: '\(path)' names archive key '\(key)', which the weight archive does not contain"
                + (similar.isEmpty ? "" : " (similar keys: \(similar.map { "'\($0)'" }.joined(separator: ", ")))")
        case let .shapeMismatch(path, key, expected, found):
            return "manifest: '\(path)' ('\(key)') has shape \(found); expected \(expected)"
        case let .nonFiniteWeights(path, key, index, value):
            return "manifest: '\(path)' ('\(key)') holds \(value) at flat index \(index); weights must be finite"
        case let .notFloatingPoint(path, key, dtype):
            return "manifest: '\(path)' ('\(key)') holds \(dtype) elements; weights must be F16, BF16, F32 or F64"
        case let .unsupported(path, reason):
            return "manifest: '\(path)': \(reason)"
        case let .inconsistent(path, reason):
            return "manifest: '\(path)': \(reason)"
        }
    }
}
