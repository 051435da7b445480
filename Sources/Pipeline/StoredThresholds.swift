import Model

/// The detection thresholds an Earshot model file stores in its metadata, as `earshot convert
/// --threshold / --keyword-threshold` and `earshot train` write them:
/// - `detector.threshold`: for every keyword without its own;
/// - `detector.thresholds.NAME`: keyword NAME's own (e.g. the default model's, chosen per keyword
///   on held-out training data by tools/train/choose_thresholds.py).
///
/// Both are numbers in 0...1 (stored as f64); NAME must be one of the model's labels. Where they
/// stand in the order of thresholds: `Pipeline.Part.threshold(for:)`.
public struct StoredThresholds: Equatable, Sendable {
    /// The metadata key of the threshold for every keyword.
    public static let defaultKey = "detector.threshold"
    /// The metadata key prefix of a keyword's own threshold (`detector.thresholds.yes`).
    public static let keywordPrefix = "detector.thresholds."

    /// `detector.threshold`, nil when the model stores none.
    public var threshold: Double?
    /// Keyword -> its `detector.thresholds.NAME` value.
    public var keywords: [String: Double]

    /// Thresholds to store (`metadata` writes them).
    public init(threshold: Double? = nil, keywords: [String: Double] = [:]) {
        self.threshold = threshold
        self.keywords = keywords
    }

    /// Reads a model's stored thresholds and checks them.
    ///
    /// - Parameters:
    ///   - metadata: the model's metadata (`ModelDescription.metadata`).
    ///   - labels: the model's labels; every keyword threshold must name one.
    /// - Throws: `.storedThreshold` naming the key for a value that is not a number in 0...1
    ///   (NaN included) or a keyword the model does not have.
    public init(metadata: [String: MetadataValue], labels: [String]) throws(PipelineError) {
        threshold = try metadata[Self.defaultKey].map { value throws(PipelineError) in
            try Self.number(value, key: Self.defaultKey)
        }
        keywords = [:]
        for key in metadata.keys.sorted() where key.hasPrefix(Self.keywordPrefix) {
            let name = String(key.dropFirst(Self.keywordPrefix.count))
            guard labels.contains(name) else {
                throw .storedThreshold(key: key, problem: "'\(name)' is not one of the model's labels (\(labels.joined(separator: ", ")))")
            }
            keywords[name] = try Self.number(metadata[key]!, key: key)
        }
    }

    /// `NAME=VALUE` pairs (`earshot convert --keyword-threshold`) -> keyword -> threshold.
    ///
    /// - Throws: `.storedThreshold` naming the pair for one that is not `NAME=VALUE` with a
    ///   number VALUE in 0...1 (NaN refused), or a keyword given twice. Whether NAME is one of a
    ///   model's labels is checked by `init(metadata:labels:)`.
    public static func keywordThresholds(parsing pairs: [String]) throws(PipelineError) -> [String: Double] {
        var out: [String: Double] = [:]
        for pair in pairs {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty, let value = Double(parts[1]) else {
                throw .storedThreshold(key: pair, problem: "expected NAME=VALUE, e.g. yes=0.9")
            }
            let name = String(parts[0])
            guard value >= 0 && value <= 1 else {
                throw .storedThreshold(key: keywordPrefix + name, problem: "\(parts[1]) is not a threshold (0 to 1)")
            }
            guard out[name] == nil else { throw .storedThreshold(key: keywordPrefix + name, problem: "given twice") }
            out[name] = value
        }
        return out
    }

    /// The metadata entries that store these thresholds (the keys above, as f64).
    public var metadata: [String: MetadataValue] {
        var out: [String: MetadataValue] = [:]
        if let threshold { out[Self.defaultKey] = .float(threshold) }
        for (name, value) in keywords { out[Self.keywordPrefix + name] = .float(value) }
        return out
    }

    private static func number(_ value: MetadataValue, key: String) throws(PipelineError) -> Double {
        guard case let .float(number) = value else {
            throw .storedThreshold(key: key, problem: "expected a number 0 to 1, found \(kind(of: value))")
        }
        // `!(0...1 contains)` also refuses NaN.
        guard number >= 0 && number <= 1 else {
            throw .storedThreshold(key: key, problem: "\(number) is not a threshold (0 to 1)")
        }
        return number
    }

    private static func kind(of value: MetadataValue) -> String {
        switch value {
        case let .int(number): return "the integer \(number) (store 0 to 1 as a float)"
        case let .bool(flag): return "the boolean \(flag)"
        case let .string(text): return "the string '\(text)'"
        case .float: return "a float"
        case .floats, .ints, .strings: return "an array"
        }
    }
}
