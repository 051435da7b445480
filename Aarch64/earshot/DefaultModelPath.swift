import Glibc

/// The model `detect` uses without `--model`, found as the host build finds it (DefaultModel):
/// $EARSHOT_DEFAULT_MODEL, models/default.earshot in the working directory, or beside the
/// executable (up to five parent directories).
enum DefaultModelPath {
    static func path() -> String? {
        if let value = getenv("EARSHOT_DEFAULT_MODEL"), value.pointee != 0 { return String(cString: value) }
        if exists("models/default.earshot") { return "models/default.earshot" }
        var directory = executableDirectory()
        for _ in 0..<5 where !directory.isEmpty {
            let candidate = directory + "/models/default.earshot"
            if exists(candidate) { return candidate }
            directory = parent(of: directory)
        }
        return nil
    }

    /// `explicit`, else the default model, else an error saying how to give one.
    static func resolve(_ explicit: String?) throws(CLIError) -> String {
        if let explicit { return explicit }
        if let path = path() { return path }
        throw CLIError("no model: pass --model MODEL.earshot (no default model found at models/default.earshot "
                       + "or $EARSHOT_DEFAULT_MODEL)")
    }

    private static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    /// The directory of /proc/self/exe, symlinks resolved.
    private static func executableDirectory() -> String {
        var buffer = [CChar](repeating: 0, count: 4096)
        let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard count > 0 else { return "" }
        buffer[count] = 0
        return parent(of: String(cString: buffer))
    }

    private static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "" }
        return String(path[..<slash])
    }
}
