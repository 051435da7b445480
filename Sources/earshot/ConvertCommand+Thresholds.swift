import ArgumentParser
import Model
import Pipeline

// `convert --threshold / --keyword-threshold` for Earshot models: the operating point stored in
// the file (`StoredThresholds`), so listen, detect --stream and serve use it by default.
extension ConvertCommand {
    /// `NAME=VALUE` arguments -> keyword -> threshold; refuses a malformed pair, a value outside
    /// 0...1 (NaN included) and a keyword given twice.
    static func parseKeywordThresholds(_ pairs: [String]) throws -> [String: Double] {
        var out: [String: Double] = [:]
        for pair in pairs {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty, let value = Double(parts[1]) else {
                throw ValidationError("--keyword-threshold wants NAME=VALUE, e.g. yes=0.9 (got '\(pair)')")
            }
            let name = String(parts[0])
            guard value >= 0 && value <= 1 else {
                throw ValidationError("--keyword-threshold \(name): the threshold must be 0 to 1 (got \(parts[1]))")
            }
            guard out[name] == nil else { throw ValidationError("--keyword-threshold names '\(name)' twice") }
            out[name] = value
        }
        return out
    }

    /// Writes `--threshold` and `--keyword-threshold` into the model's metadata and checks them
    /// against its labels the way `Pipeline` will when the file is loaded.
    func storeThresholds(in description: inout ModelDescription) throws {
        let stored = StoredThresholds(threshold: wakeThreshold, keywords: try Self.parseKeywordThresholds(keywordThresholds))
        for (key, value) in stored.metadata { description.metadata[key] = value }
        do {
            _ = try StoredThresholds(metadata: description.metadata, labels: description.labels)
        } catch {
            throw CLIError("\(error)" + (description.labels.isEmpty ? "; give the model's labels with --labels" : ""))
        }
    }
}
