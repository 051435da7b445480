import Audio
import JSON
import Spotter
import SystemFile

// MARK: - Errors

/// A board configuration file that cannot be used, naming the file, the key and the problem.
public struct BoardConfigurationError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Problem: Equatable, Sendable {
        /// The file cannot be read.
        case unreadable(String)
        /// The file is not valid JSON.
        case syntax(JSONError)
        /// The key is not part of the schema; `known` lists the keys allowed there.
        case unknownKey(known: [String])
        /// The value has the wrong JSON type.
        case wrongType(expected: String, found: String)
        /// The value is outside its range (both as written).
        case outOfRange(value: String, range: String)
        /// Any other invalid value.
        case invalid(String)
    }

    /// The configuration file's path.
    public var file: String
    /// The dotted key path (`audio.rate`, `detector.thresholds.yes`); empty for the document.
    public var key: String
    /// The line the key is on, when known.
    public var line: Int?
    public var problem: Problem

    public init(file: String, key: String, line: Int?, problem: Problem) {
        self.file = file
        self.key = key
        self.line = line
        self.problem = problem
    }

    public var description: String {
        let place = key.isEmpty ? file : "\(file): '\(key)'" + (line.map { " (line \($0))" } ?? "")
        switch problem {
        case let .unreadable(reason): return "\(file): cannot read the board configuration: \(reason)"
        case let .syntax(error): return "\(file): not valid JSON: line \(error.line), column \(error.column): \(error.reason)"
        case let .unknownKey(known):
            return "\(place): unknown key; the keys allowed here are \(known.joined(separator: ", "))"
        case let .wrongType(expected, found): return "\(place): expected \(expected), found \(found)"
        case let .outOfRange(value, range): return "\(place): \(value) is out of range (\(range))"
        case let .invalid(reason): return "\(place): \(reason)"
        }
    }
}

// MARK: - Loading

extension BoardConfiguration {
    /// The keys of each object, in the order the README documents them.
    static let topKeys = ["board", "notes", "audio", "model", "detector", "system", "keywords", "duration_seconds", "vad"]
    static let vadKeys = ["path", "threshold", "hangover_seconds", "preroll_seconds"]
    static let keywordKeys = ["threshold", "exec", "stop"]
    static let audioKeys = ["device", "alsa_config", "format", "rate", "channels", "period_frames", "buffer_frames", "device_resampling"]
    static let modelKeys = ["path", "window_hop_frames"]
    static let detectorKeys = ["smoothing_seconds", "threshold", "thresholds", "refractory_seconds", "refractory_scope", "ignore",
                               "end_silence_seconds", "end_max_wait_seconds"]
    static let systemKeys = ["cpu_affinity", "realtime_priority", "lock_memory"]

    /// Reads and validates a board configuration file. Relative paths inside it (`alsa_config`,
    /// `model.path`) are taken relative to the file's directory.
    ///
    /// - Throws: `BoardConfigurationError` naming the file and the first bad key.
    public static func load(path: String) throws(BoardConfigurationError) -> BoardConfiguration {
        // Mapped, not read, so an oversized file is refused before anything is allocated for it.
        let file: MappedFile
        do {
            file = try MappedFile(path: path)
        } catch {
            throw BoardConfigurationError(file: path, key: "", line: nil, problem: .unreadable("\(error)"))
        }
        guard file.bytes.count <= maximumFileBytes else { throw tooLarge(path, file.bytes.count) }
        return try parse(Array(file.bytes), source: path, directory: directoryOf(path))
    }

    /// Parses and validates configuration JSON.
    ///
    /// - Parameters:
    ///   - bytes: the file's contents (at most 1 MiB).
    ///   - source: the name used in errors and kept in `source`.
    ///   - directory: what relative paths are resolved against.
    /// - Throws: `BoardConfigurationError` naming `source` and the first bad key.
    public static func parse(_ bytes: [UInt8], source: String, directory: String = ".") throws(BoardConfigurationError) -> BoardConfiguration {
        guard bytes.count <= maximumFileBytes else { throw tooLarge(source, bytes.count) }
        let document: JSON
        do {
            document = try JSON.parse(bytes, maximumStringBytes: maximumStringBytes, allowsByteOrderMark: true)
        } catch {
            throw BoardConfigurationError(file: source, key: "", line: error.line, problem: .syntax(error))
        }
        var config = BoardConfiguration()
        config.source = source
        let top = try ObjectReader(document, path: "", line: nil, file: source, known: topKeys)
        if let board = try top.string("board") { config.board = board }
        config.notes = try top.string("notes", nullable: true)
        if let duration = try top.double("duration_seconds", range: 0.001...1e7, nullable: true) { config.durationSeconds = duration }

        if let audio = try top.object("audio", known: audioKeys) {
            if let device = try audio.string("device") {
                guard !device.isEmpty, device.utf8.count <= 1024 else {
                    throw audio.failure("device", .invalid("the ALSA device name must be 1 to 1024 bytes"))
                }
                config.audio.device = device
            }
            if let file = try audio.string("alsa_config", nullable: true) {
                guard !file.isEmpty else { throw audio.failure("alsa_config", .invalid("the path is empty")) }
                config.audio.alsaConfiguration = resolve(file, against: directory)
            }
            if let name = try audio.string("format") {
                guard let format = SampleFormat(name: name) else {
                    throw audio.failure("format", .invalid(
                        "'\(name)' is not a sample format; use one of \(SampleFormat.allCases.map { $0.name }.joined(separator: ", "))"))
                }
                config.audio.format = format
            }
            if let rate = try audio.integer("rate", range: 8_000...384_000) { config.audio.rate = rate }
            if let channels = try audio.integer("channels", range: 1...32) { config.audio.channels = channels }
            if let period = try audio.integer("period_frames", range: 16...65_536) {
                config.audio.periodFrames = period
                config.audio.bufferFrames = max(config.audio.bufferFrames, 2 * period)
            }
            if let buffer = try audio.integer("buffer_frames", range: 32...1_048_576) {
                guard buffer >= 2 * config.audio.periodFrames else {
                    throw audio.failure("buffer_frames", .outOfRange(
                        value: "\(buffer)", range: "at least two periods: \(2 * config.audio.periodFrames) or more"))
                }
                config.audio.bufferFrames = buffer
            }
            if let resampling = try audio.bool("device_resampling") { config.audio.deviceResampling = resampling }
        }

        if let model = try top.object("model", known: modelKeys) {
            if let path = try model.string("path", nullable: true) {
                guard !path.isEmpty else { throw model.failure("path", .invalid("the path is empty")) }
                config.model.path = resolve(path, against: directory)
            }
            config.model.windowHopFrames = try model.integer("window_hop_frames", range: 1...10_000, nullable: true)
        }

        if let vad = try top.object("vad", known: vadKeys) {
            guard let path = try vad.string("path"), !path.isEmpty else { throw vad.failure("path", .invalid("the VAD model's path is missing or empty")) }
            var gate = BoardVAD(path: resolve(path, against: directory))
            if let value = try vad.double("threshold", range: 0...1, nullable: true) { gate.settings.threshold = Float(value) }
            if let value = try vad.double("hangover_seconds", range: 0...60, nullable: true) { gate.settings.hangoverSeconds = value }
            if let value = try vad.double("preroll_seconds", range: 0...60, nullable: true) { gate.settings.preRollSeconds = value }
            config.vad = gate
        }

        if let detector = try top.object("detector", known: detectorKeys) {
            if let seconds = try detector.double("smoothing_seconds", range: 0...10) { config.detector.smoothingSeconds = seconds }
            // null: the model's stored threshold, else 0.8 (docs/pipeline.md).
            if let threshold = try detector.double("threshold", range: 0...1, nullable: true) { config.detector.threshold = Float(threshold) }
            if let thresholds = try detector.object("thresholds", known: nil) {
                var table: [String: Float] = [:]
                for member in thresholds.members {
                    table[member.key] = Float(try thresholds.double(member.key, range: 0...1)!)
                }
                config.detector.thresholds = table
            }
            if let seconds = try detector.double("refractory_seconds", range: 0...3_600) { config.detector.refractorySeconds = seconds }
            if let scope = try detector.string("refractory_scope") {
                switch scope {
                case "any_keyword": config.detector.refractoryScope = .anyKeyword
                case "same_keyword": config.detector.refractoryScope = .sameKeyword
                default:
                    throw detector.failure("refractory_scope", .invalid("'\(scope)' is not 'any_keyword' or 'same_keyword'"))
                }
            }
            if let ignored = try detector.stringArray("ignore") { config.detector.ignoredLabels = ignored }
            if let seconds = try detector.double("end_silence_seconds", range: 0...2) { config.detector.endSilenceSeconds = seconds }
            if let seconds = try detector.double("end_max_wait_seconds", range: 0...5) { config.detector.endMaximumWaitSeconds = seconds }
            for keyword in config.detector.thresholds.keys.sorted() where config.detector.ignoredLabels.contains(keyword) {
                throw detector.failure("thresholds", .invalid("'\(keyword)' has a threshold but is also in 'ignore'"))
            }
        }

        if let system = try top.object("system", known: systemKeys) {
            if let list = try system.integerArray("cpu_affinity", range: 0...1_023, nullable: true) {
                guard !list.isEmpty else { throw system.failure("cpu_affinity", .invalid("the CPU list is empty (use null for no restriction)")) }
                config.system.cpuAffinity = list
            }
            if let priority = try system.integer("realtime_priority", range: 0...99, nullable: true) {
                config.system.realtimePriority = priority == 0 ? nil : priority
            }
            if let lock = try system.bool("lock_memory") { config.system.lockMemory = lock }
        }
        if let keywords = try top.object("keywords", known: nil) {
            for member in keywords.members {
                let entry = try keywords.object(member.key, known: keywordKeys)!
                var action = KeywordAction()
                if let threshold = try entry.double("threshold", range: 0...1) {
                    guard !config.detector.ignoredLabels.contains(member.key) else {
                        throw entry.failure("threshold", .invalid("'\(member.key)' is in detector.ignore"))
                    }
                    config.detector.thresholds[member.key] = Float(threshold)
                }
                if let command = try entry.string("exec", nullable: true) {
                    guard !command.isEmpty else { throw entry.failure("exec", .invalid("the command is empty")) }
                    action.command = command
                }
                action.isStop = try entry.bool("stop") ?? false
                config.keywords[member.key] = action
            }
        }
        return config
    }

    /// The largest board configuration accepted: 1 MiB.
    public static let maximumFileBytes = 1 << 20
    /// The longest string (or key) accepted, in bytes.
    public static let maximumStringBytes = 1 << 16

    static func tooLarge(_ file: String, _ count: Int) -> BoardConfigurationError {
        BoardConfigurationError(file: file, key: "", line: nil,
                                problem: .invalid("the file is \(count) bytes; a board configuration is at most 1 MiB"))
    }

    static func directoryOf(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    static func resolve(_ path: String, against directory: String) -> String {
        if path.hasPrefix("/") { return path }
        return directory == "." ? path : directory + "/" + path
    }
}

// MARK: - Reading one object

/// Reads the members of one JSON object against a list of known keys.
private struct ObjectReader {
    let members: [JSONMember]
    let path: String
    let file: String

    /// - Parameter known: the allowed keys, or nil to allow any (maps such as `thresholds`).
    init(_ value: JSON, path: String, line: Int?, file: String, known: [String]?) throws(BoardConfigurationError) {
        self.path = path
        self.file = file
        guard case let .object(members) = value else {
            throw BoardConfigurationError(file: file, key: path, line: line,
                                          problem: .wrongType(expected: "an object", found: Self.typeName(value)))
        }
        self.members = members
        if let known {
            for member in members where !known.contains(member.key) {
                throw BoardConfigurationError(file: file, key: qualified(member.key), line: member.line,
                                              problem: .unknownKey(known: known))
            }
        }
    }

    /// The JSON type's name, for messages: "null", "a boolean", "an integer", "a number", ...
    /// (a number written without fraction or exponent that fits in Int is "an integer").
    static func typeName(_ value: JSON) -> String {
        switch value {
        case .null: return "null"
        case .bool: return "a boolean"
        case .number(let number): return number.integer == nil ? "a number" : "an integer"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }

    func qualified(_ key: String) -> String { path.isEmpty ? key : path + "." + key }

    func failure(_ key: String, _ problem: BoardConfigurationError.Problem) -> BoardConfigurationError {
        BoardConfigurationError(file: file, key: qualified(key), line: members.first { $0.key == key }?.line, problem: problem)
    }

    /// The member's value; nil when absent, or when null and `nullable`.
    private func value(_ key: String, expected: String, nullable: Bool) throws(BoardConfigurationError) -> JSON? {
        guard let member = members.first(where: { $0.key == key }) else { return nil }
        if case .null = member.value {
            if nullable { return nil }
            throw failure(key, .wrongType(expected: expected, found: "null"))
        }
        return member.value
    }

    func string(_ key: String, nullable: Bool = false) throws(BoardConfigurationError) -> String? {
        guard let value = try value(key, expected: "a string", nullable: nullable) else { return nil }
        guard case let .string(text) = value else { throw failure(key, .wrongType(expected: "a string", found: Self.typeName(value))) }
        return text
    }

    func bool(_ key: String) throws(BoardConfigurationError) -> Bool? {
        guard let value = try value(key, expected: "true or false", nullable: false) else { return nil }
        guard case let .bool(flag) = value else { throw failure(key, .wrongType(expected: "true or false", found: Self.typeName(value))) }
        return flag
    }

    func integer(_ key: String, range: ClosedRange<Int>, nullable: Bool = false) throws(BoardConfigurationError) -> Int? {
        guard let value = try value(key, expected: "an integer", nullable: nullable) else { return nil }
        guard case let .number(literal) = value, let number = literal.integer else {
            throw failure(key, .wrongType(expected: "an integer", found: Self.typeName(value)))
        }
        guard range.contains(number) else {
            throw failure(key, .outOfRange(value: "\(number)", range: "\(range.lowerBound) to \(range.upperBound)"))
        }
        return number
    }

    func double(_ key: String, range: ClosedRange<Double>, nullable: Bool = false) throws(BoardConfigurationError) -> Double? {
        guard let value = try value(key, expected: "a number", nullable: nullable) else { return nil }
        let number: Double
        switch value {
        case let .number(n): number = n.double
        default: throw failure(key, .wrongType(expected: "a number", found: Self.typeName(value)))
        }
        guard range.contains(number) else {
            throw failure(key, .outOfRange(value: "\(number)", range: "\(range.lowerBound) to \(range.upperBound)"))
        }
        return number
    }

    func object(_ key: String, known: [String]?) throws(BoardConfigurationError) -> ObjectReader? {
        guard let value = try value(key, expected: "an object", nullable: false) else { return nil }
        return try ObjectReader(value, path: qualified(key), line: members.first { $0.key == key }?.line, file: file, known: known)
    }

    func stringArray(_ key: String) throws(BoardConfigurationError) -> [String]? {
        guard let value = try value(key, expected: "an array of strings", nullable: false) else { return nil }
        guard case let .array(elements) = value else {
            throw failure(key, .wrongType(expected: "an array of strings", found: Self.typeName(value)))
        }
        var result: [String] = []
        for element in elements {
            guard case let .string(text) = element else {
                throw failure(key, .wrongType(expected: "an array of strings", found: "an array containing \(Self.typeName(element))"))
            }
            result.append(text)
        }
        return result
    }

    func integerArray(_ key: String, range: ClosedRange<Int>, nullable: Bool) throws(BoardConfigurationError) -> [Int]? {
        guard let value = try value(key, expected: "an array of integers", nullable: nullable) else { return nil }
        guard case let .array(elements) = value else {
            throw failure(key, .wrongType(expected: "an array of integers", found: Self.typeName(value)))
        }
        var result: [Int] = []
        for element in elements {
            guard case let .number(literal) = element, let number = literal.integer else {
                throw failure(key, .wrongType(expected: "an array of integers", found: "an array containing \(Self.typeName(element))"))
            }
            guard range.contains(number) else {
                throw failure(key, .outOfRange(value: "\(number)", range: "\(range.lowerBound) to \(range.upperBound)"))
            }
            result.append(number)
        }
        return result
    }
}
