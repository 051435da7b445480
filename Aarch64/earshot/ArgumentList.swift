/// A subcommand's arguments split into `--name value` options, `--name` flags and positionals,
/// the way the host build's ArgumentParser reads them (`--name=value` too; `--` ends options).
struct ArgumentList {
    private(set) var positionals: [String] = []
    private var options: [String: String] = [:]
    private var repeated: [String: [String]] = [:]
    private var flags: [String] = []

    /// An option given twice keeps its last value (`option(_:)`), as ArgumentParser does; `values(_:)`
    /// has them all, for options that are arrays in the host build.
    /// - Throws: `.usage` for an unknown option, or an option without its value.
    init(_ arguments: [String], options known: [String], flags knownFlags: [String]) throws(CommandFailure) {
        var index = 0
        var onlyPositionals = false
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            if !onlyPositionals, argument.count == 2, argument.hasPrefix("-"), argument != "--" {
                // A short option: `-o` is `--o` (subcommands list the short names they take).
                let short = String(argument.dropFirst())
                guard known.contains(short), index < arguments.count else { throw .usage("unknown option '\(argument)'") }
                options[short] = arguments[index]
                repeated[short, default: []].append(arguments[index])
                index += 1
                continue
            }
            if onlyPositionals || !argument.hasPrefix("--") {
                positionals.append(argument)
                continue
            }
            if argument == "--" { onlyPositionals = true; continue }
            var name = String(argument.dropFirst(2))
            var value: String? = nil
            if let equals = name.firstIndex(of: "=") {
                value = String(name[name.index(after: equals)...])
                name = String(name[..<equals])
            }
            if knownFlags.contains(name), value == nil {
                flags.append(name)
            } else if known.contains(name) {
                if value == nil {
                    guard index < arguments.count else { throw .usage("missing value for '--\(name) <\(name)>'") }
                    value = arguments[index]
                    index += 1
                }
                options[name] = value
                repeated[name, default: []].append(value!)
            } else {
                throw .usage("unknown option '--\(name)'")
            }
        }
    }

    /// The value of `--name`, or nil.
    func option(_ name: String) -> String? { options[name] }

    /// The value of `--name`; a usage error when it is missing.
    func required(_ name: String) throws(CommandFailure) -> String {
        guard let value = options[name] else { throw .usage("missing expected argument '--\(name) <\(name)>'") }
        return value
    }

    /// Every value of `--name`, in order (for options listed as repeatable).
    func values(_ name: String) -> [String] { repeated[name] ?? [] }

    /// Whether `--name` was given.
    func flag(_ name: String) -> Bool { flags.contains(name) }
}

extension ArgumentList {
    /// `--name` as an integer, or nil when not given; a usage error when it is not one.
    func integer(_ name: String) throws(CommandFailure) -> Int? {
        guard let text = option(name) else { return nil }
        guard let value = Int(text) else { throw .usage("the value '\(text)' is invalid for '--\(name) <\(name)>'") }
        return value
    }

    /// `--name` as a positive finite number, or nil when not given; `message` when it is not one.
    func seconds(_ name: String, _ message: String) throws(CommandFailure) -> Double? {
        guard let text = option(name) else { return nil }
        guard let value = Double(text), value > 0, value.isFinite else { throw .usage(message) }
        return value
    }

    /// `--threshold` (0 to 1), or nil when not given; a usage error otherwise (as the host's ThresholdOption).
    func threshold() throws(CommandFailure) -> Float? {
        guard let text = option("threshold") else { return nil }
        guard let value = Double(text), value >= 0, value <= 1 else { throw .usage("--threshold must be 0 to 1 (got \(text))") }
        return Float(value)
    }
}
