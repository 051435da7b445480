import ArgumentParser
import Model
import Pipeline

// `convert --threshold / --keyword-threshold` for Earshot models: the operating point stored in
// the file (`StoredThresholds`), so listen, detect --stream and serve use it by default.
extension ConvertCommand {
    /// `--keyword-threshold NAME=VALUE` arguments -> keyword -> threshold (`StoredThresholds.keywordThresholds(parsing:)`).
    static func parseKeywordThresholds(_ pairs: [String]) throws -> [String: Double] {
        do {
            return try StoredThresholds.keywordThresholds(parsing: pairs)
        } catch {
            throw ValidationError("--keyword-threshold: \(error)")
        }
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
