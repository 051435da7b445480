import SystemFile

/// The model `listen`, `detect`, `eval` and `serve` use when `--model` is not given (models/MODEL_CARD.md):
/// the commands model (models/commands.earshot: our 12-class head over openWakeWord's speech embeddings,
/// assembled by tools/commands_model.py because the embedding networks come from a wheel, not from this
/// repository) when it has been assembled, else the self-contained MFCC model the repository carries
/// (models/default.earshot).
enum DefaultModel {
    /// In the order they are tried.
    static let names = ["models/commands.earshot", "models/default.earshot"]

    /// $EARSHOT_DEFAULT_MODEL; else the first of `names` in the working directory, or in the repository
    /// the executable was built in (a parent of .build/<triple>/<config>/earshot).
    static func path() -> String? {
        if let path = FileSystem.environment("EARSHOT_DEFAULT_MODEL"), !path.isEmpty { return path }
        for name in names where FileSystem.exists(name) { return name }
        let executable = CommandLine.arguments[0]
        var directory = FileSystem.parentDirectory(of: FileSystem.resolvedPath(executable) ?? executable)
        for _ in 0..<5 {
            for name in names {
                let candidate = (directory == "/" ? "" : directory) + "/" + name
                if FileSystem.exists(candidate) { return candidate }
            }
            directory = FileSystem.parentDirectory(of: directory)
        }
        return nil
    }

    /// `explicit`, else the default model, else an error saying how to give one.
    static func resolve(_ explicit: String?) throws -> String {
        if let explicit { return explicit }
        guard let path = path() else {
            throw CLIError("no model: pass --model MODEL.earshot (no default model found at "
                           + names.joined(separator: " or ") + ", and $EARSHOT_DEFAULT_MODEL is not set)")
        }
        return path
    }
}
