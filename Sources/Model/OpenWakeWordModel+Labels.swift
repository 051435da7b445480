/// A multi-class openWakeWord head's labels and per-label thresholds, and the checks a loaded
/// file must pass (a loader never trusts the file: bounded counts and lengths, unique names).
extension OpenWakeWordModel {
    /// The most labels a head may have.
    public static let maximumLabels = 1024
    /// The longest label, in UTF-8 bytes.
    public static let maximumLabelLength = 128

    /// Scores the head gives per chunk: one per label, or one (named `name`) without labels.
    public var outputCount: Int { Swift.max(1, labels.count) }

    /// The names of the head's scores in output order: `labels`, or `[name]` for a single score.
    public var scoreNames: [String] { labels.isEmpty ? [name] : labels }

    /// Checks `labels` and `keywordThresholds` (the head's output count is checked by `validate`).
    func validateLabels() throws(ModelError) {
        let key = "earshot.oww.labels"
        if labels.isEmpty {
            guard keywordThresholds.isEmpty else {
                throw .invalidValue(key: "earshot.oww.thresholds", value: "\(keywordThresholds.count) label thresholds",
                                    expected: "label thresholds only for a head with labels (use the one threshold)")
            }
            return
        }
        guard (2...Self.maximumLabels).contains(labels.count) else {
            throw .invalidValue(key: key, value: "\(labels.count) labels", expected: "2...\(Self.maximumLabels) labels (none for a single score)")
        }
        var seen = Set<String>()
        for label in labels {
            guard !label.isEmpty, label.utf8.count <= Self.maximumLabelLength else {
                throw .invalidValue(key: key, value: "a label of \(label.utf8.count) bytes", expected: "labels of 1...\(Self.maximumLabelLength) bytes")
            }
            guard seen.insert(label).inserted else {
                throw .invalidValue(key: key, value: "'\(label)' twice", expected: "unique labels")
            }
        }
        if verifier != nil {
            throw .invalidValue(key: "earshot.oww.verifier", value: "a verifier beside \(labels.count) labels", expected: "a verifier only over a single-score head")
        }
        for name in keywordThresholds.keys.sorted() {
            let value = keywordThresholds[name] ?? 0
            guard seen.contains(name) else {
                throw .invalidValue(key: "earshot.oww.thresholds." + name, value: "'\(name)'", expected: "one of the labels (\(labels.joined(separator: ", ")))")
            }
            guard value >= 0 && value <= 1 else {   // also refuses NaN
                throw .invalidValue(key: "earshot.oww.thresholds." + name, value: "\(value)", expected: "a threshold in 0...1")
            }
        }
    }
}
