import Pipeline

extension ModelSummary {
    /// The detection thresholds the file stores (`StoredThresholds`), for `inspect`'s text:
    /// "yes 0.92, no 0.8, ... (stored; --threshold overrides)"; a refused value is named as such;
    /// nil when the model stores none.
    var thresholdLine: String? {
        let keys = model.metadata.keys.filter {
            $0 == StoredThresholds.defaultKey || $0.hasPrefix(StoredThresholds.keywordPrefix)
        }
        guard !keys.isEmpty else { return nil }
        let stored: StoredThresholds
        do {
            stored = try StoredThresholds(metadata: model.metadata, labels: model.labels)
        } catch {
            return "refused: \(error)"
        }
        // In label order, so the line reads like the labels line above it.
        var parts = model.labels.compactMap { label in stored.keywords[label].map { "\(label) \($0)" } }
        if let all = stored.threshold { parts.append(parts.isEmpty ? "\(all) for every keyword" : "others \(all)") }
        return parts.joined(separator: ", ") + " (stored; --threshold or a board configuration overrides them)"
    }
}
