import Foundation

/// The model `listen`, `detect` and `eval` use when `--model` is not given: the project's own
/// keyword model (models/default.earshot, see models/MODEL_CARD.md).
enum DefaultModel {
    /// $EARSHOT_DEFAULT_MODEL, models/default.earshot in the working directory, or in the
    /// repository the executable was built in (a parent of .build/<triple>/<config>/earshot).
    static func path() -> String? {
        let manager = FileManager.default
        if let path = ProcessInfo.processInfo.environment["EARSHOT_DEFAULT_MODEL"], !path.isEmpty { return path }
        if manager.fileExists(atPath: "models/default.earshot") { return "models/default.earshot" }
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<5 {
            let candidate = directory.appendingPathComponent("models/default.earshot").path
            if manager.fileExists(atPath: candidate) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        return nil
    }

    /// `explicit`, else the default model, else an error saying how to give one.
    static func resolve(_ explicit: String?) throws -> String {
        if let explicit { return explicit }
        guard let path = path() else {
            throw CLIError("no model: pass --model MODEL.earshot (no default model found at models/default.earshot "
                           + "or $EARSHOT_DEFAULT_MODEL)")
        }
        return path
    }
}
