
// The front-end and execution keys of a model file (docs/model-format.md, section 2):
//   earshot.frontend.<field>        one per FrontendField, exact types (u32, f32, f64, bool,
//                                   string, array of f32); all present or none
//   earshot.frontend.preset         optional string, for display
//   earshot.execution.mode          optional string: streaming (default) or windowed
//   earshot.execution.window_frames u32, windowed only
//   earshot.execution.window_hop    u32, windowed only

enum FrontendKeys {
    static let prefix = "earshot.frontend."
    static let preset = "earshot.frontend.preset"
    static let executionMode = "earshot.execution.mode"
    static let windowFrames = "earshot.execution.window_frames"
    static let windowHop = "earshot.execution.window_hop"
    static let executionPrefix = "earshot.execution."

    static func key(_ field: FrontendField) -> String { prefix + field.rawValue }

    /// The GGUF type a field is stored with.
    static func typeName(_ kind: FrontendField.Kind) -> String {
        switch kind {
        case .integer: return "u32"
        case .float32: return "f32"
        case .float64: return "f64"
        case .flag: return "bool"
        case .name: return "string"
        case .floats: return "array of f32"
        }
    }

    // MARK: - Reading

    /// The front end stored in the keys, or nil when there is none.
    ///
    /// - Throws: `.invalidValue` for an unknown `earshot.frontend.*` key or a value outside its
    ///   set, `.missingKey` when some but not all fields are present, `.wrongKeyType` for a
    ///   value of another GGUF type than the field's.
    static func readFrontend(_ entries: [String: GGUFValue]) throws(ModelError) -> FrontendConfig? {
        var present = false
        for key in entries.keys where key.hasPrefix(prefix) {
            present = true
            let name = String(key.dropFirst(prefix.count))
            guard key == preset || FrontendField(rawValue: name) != nil else {
                let known = FrontendField.allCases.map { $0.rawValue }.joined(separator: ", ")
                throw .invalidValue(key: key, value: "(present)",
                                    expected: "no unknown front-end key; known: preset, \(known)")
            }
        }
        guard present else { return nil }
        var config = FrontendPreset.tensorFlowMFCC.defaultConfig()
        config.featureMean = []
        config.featureStandardDeviation = []
        for field in FrontendField.allCases {
            let key = key(field)
            guard let value = entries[key] else {
                if field.isOptional { continue }
                throw .missingKey(key)
            }
            let expected = typeName(field.kind)
            let converted: FrontendFieldValue
            switch (field.kind, value) {
            case (.integer, .unsigned(let number, .uint32)): converted = .integer(Int(number))
            case (.float32, .float(let number, .float32)): converted = .real(number)
            case (.float64, .float(let number, .float64)): converted = .real(number)
            case (.flag, .bool(let flag)): converted = .flag(flag)
            case (.name, .string(let text)): converted = .name(text)
            case (.floats, .floatArray(let numbers, .float32)): converted = .reals(numbers.map { Float($0) })
            default:
                throw .wrongKeyType(key: key, expected: expected, found: value.typeName)
            }
            do throws(FrontendError) {
                try config.set(field, to: converted)
            } catch {
                throw frontendError(error)
            }
        }
        if let value = entries[preset] {
            guard case .string(let text) = value else {
                throw .wrongKeyType(key: preset, expected: "string", found: value.typeName)
            }
            config.name = text
        } else {
            config.name = ""
        }
        return config
    }

    /// The execution mode stored in the keys (streaming when absent).
    static func readExecution(_ entries: [String: GGUFValue]) throws(ModelError) -> ExecutionMode {
        for key in entries.keys where key.hasPrefix(executionPrefix) {
            guard key == executionMode || key == windowFrames || key == windowHop else {
                throw .invalidValue(key: key, value: "(present)",
                                    expected: "no unknown execution key; known: mode, window_frames, window_hop")
            }
        }
        guard let value = entries[executionMode] else {
            if entries[windowFrames] != nil { throw .missingKey(executionMode) }
            if entries[windowHop] != nil { throw .missingKey(executionMode) }
            return .streaming
        }
        guard case .string(let mode) = value else {
            throw .wrongKeyType(key: executionMode, expected: "string", found: value.typeName)
        }
        switch mode {
        case "streaming":
            for key in [windowFrames, windowHop] where entries[key] != nil {
                throw .invalidValue(key: key, value: "(present)", expected: "no window keys for streaming execution")
            }
            return .streaming
        case "windowed":
            func u32(_ key: String) throws(ModelError) -> Int {
                guard let value = entries[key] else { throw .missingKey(key) }
                guard case let .unsigned(number, .uint32) = value else {
                    throw .wrongKeyType(key: key, expected: "u32", found: value.typeName)
                }
                return Int(number)
            }
            return .windowed(frames: try u32(windowFrames), hop: try u32(windowHop))
        default:
            throw .invalidValue(key: executionMode, value: "'\(mode)'", expected: "'streaming' or 'windowed'")
        }
    }

    /// A front-end error as a model error naming the key.
    static func frontendError(_ error: FrontendError) -> ModelError {
        let key = error.field.map { Self.key($0) } ?? (prefix + "*")
        return .invalidFrontend(key: key, reason: error.description)
    }

    // MARK: - Validation (reader and writer)

    /// Checks the front end (every field's range, and that its frames have the model's input
    /// size) and the execution mode (window sizes).
    static func validate(_ description: ModelDescription) throws(ModelError) {
        if let frontend = description.frontend {
            do throws(FrontendError) {
                try frontend.validate()
            } catch {
                throw frontendError(error)
            }
            guard frontend.featureCount == description.inputSize else {
                throw .invalidFrontend(
                    key: key(frontend.dct == .none ? .melBandCount : .coefficientCount),
                    reason: "the front end makes \(frontend.featureCount) features per frame but the model "
                        + "input size is \(description.inputSize)")
            }
            for character in frontend.name.unicodeScalars where character.value < 0x20 {
                throw .invalidValue(key: preset, value: "a control character", expected: "printable text")
            }
        }
        if case let .windowed(frames, hop) = description.execution {
            guard frames >= 1, frames <= ExecutionMode.maxWindowFrames else {
                throw .invalidValue(key: windowFrames, value: String(frames),
                                    expected: "an integer in 1...\(ExecutionMode.maxWindowFrames)")
            }
            guard hop >= 1, hop <= frames else {
                throw .invalidValue(key: windowHop, value: String(hop), expected: "an integer in 1...\(frames) (window_frames)")
            }
            // Any output mode: a window's prediction is always its last step; the output mode
            // still says what `infer` reports for a plain feature stream.
        }
    }

    // MARK: - Writing

    /// Emits the front-end and execution keys; returns how many were written.
    static func write(_ description: ModelDescription, into keys: inout GGUFWriter) -> Int {
        var count = 0
        if let frontend = description.frontend {
            if !frontend.name.isEmpty {
                keys.keyString(preset, frontend.name)
                count += 1
            }
            for field in FrontendField.allCases {
                let key = key(field)
                switch frontend.value(of: field) {
                case .integer(let number): keys.keyU32(key, UInt32(number))
                case .real(let number):
                    if field.kind == .float64 { keys.keyF64(key, number) } else { keys.keyF32(key, Float(number)) }
                case .flag(let flag): keys.keyBool(key, flag)
                case .name(let text): keys.keyString(key, text)
                case .reals(let numbers):
                    if numbers.isEmpty { continue }
                    keys.keyFloats(key, numbers)
                }
                count += 1
            }
        }
        if case let .windowed(frames, hop) = description.execution {
            keys.keyString(executionMode, "windowed")
            keys.keyU32(windowFrames, UInt32(frames))
            keys.keyU32(windowHop, UInt32(hop))
            count += 3
        }
        return count
    }
}
