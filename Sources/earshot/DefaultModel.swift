import SystemFile

/// The model `listen`, `detect` and `eval` use when `--model` is not given: the project's own
/// keyword model (models/default.earshot, see models/MODEL_CARD.md).
enum DefaultModel {
    /// $EARSHOT_DEFAULT_MODEL, models/default.earshot in the working directory, or in the
    /// repository the executable was built in (a parent of .build/<triple>/<config>/earshot).
    static func path() -> String? {
        if let path = FileSystem.environment("EARSHOT_DEFAULT_MODEL"), !path.isEmpty { return path }
        if FileSystem.exists("models/default.earshot") { return "models/default.earshot" }
        let executable = CommandLine.arguments[0]
        var directory = FileSystem.parentDirectory(of: FileSystem.resolvedPath(executable) ?? executable)
        for _ in 0..<5 {
            let candidate = (directory == "/" ? "" : directory) + "/models/default.earshot"
            if FileSystem.exists(candidate) { return candidate }
            directory = FileSystem.parentDirectory(of: directory)
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
