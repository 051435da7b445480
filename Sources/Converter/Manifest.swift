import JSON
import Frontend
import Model
import WeightArchive

/// The framework whose weight layout a manifest layer follows.
public enum ManifestConvention: String, CaseIterable, Sendable {
    /// PyTorch state_dict: nn.LSTM, nn.GRU, nn.RNN, nn.Linear.
    case pytorch
    /// Keras layer weights: LSTM, GRU, SimpleRNN, Dense.
    case keras
    /// TensorFlow 1 cells: LSTMCell, BasicLSTMCell, GRUCell, BasicRNNCell, and x @ W + b.
    case tf1
    /// ONNX LSTM, GRU and RNN operator inputs (W, R, B, P) and Gemm/MatMul weights.
    case onnx
}

/// A layer manifest: how to build an Earshot model from a weight archive (docs/manifest.md).
///
/// ```json
/// {"earshot_manifest": 1, "input_size": 10, "output_mode": "last_step", "labels": ["yes", "no"],
///  "layers": [
///    {"kind": "lstm", "convention": "tf1", "prefix": "lstm/rnn/lstm_cell/",
///     "attributes": {"num_units": 144, "num_proj": 98, "use_peepholes": true}},
///    {"kind": "dense", "convention": "tf1", "weights": {"kernel": "W_o", "bias": "b_o"},
///     "attributes": {"activation": "softmax"}}]}
/// ```
public struct Manifest: Sendable {
    /// The schema version this reader understands.
    public static let currentVersion = 1
    static let topLevelFields = [
        "earshot_manifest", "input_size", "output_mode", "labels", "layers", "metadata", "frontend", "execution", "comment",
    ]

    public var inputSize: Int
    public var outputMode: OutputMode
    public var labels: [String]
    public var layers: [ManifestLayer]
    /// `metadata` entries, stored as `earshot.meta.<key>`.
    public var metadata: [String: MetadataValue]
    /// The audio front end (`frontend` object, read by `ManifestFrontend`), or nil.
    public var frontend: FrontendConfig?
    /// Streaming or windowed execution (`execution` object, read by `ManifestFrontend`), or nil.
    public var execution: ExecutionMode?

    /// Parses and checks the manifest's structure (not yet its weights).
    ///
    /// - Throws: `ManifestError` naming the JSON path at fault.
    public init(json bytes: [UInt8]) throws(ManifestError) {
        let root: JSON
        do {
            root = try JSON.parse(bytes)
        } catch {
            throw .malformedJSON(offset: error.offset, reason: error.reason)
        }
        let members = try ManifestValue.object(root, path: "(top level)")
        for member in members where !Self.topLevelFields.contains(member.key) {
            throw .unknownField(path: member.key, known: Self.topLevelFields)
        }
        guard let version = root["earshot_manifest"] else { throw .missingField(path: "earshot_manifest") }
        let versionNumber = try ManifestValue.integer(version, path: "earshot_manifest")
        guard versionNumber == Self.currentVersion else {
            throw .invalidValue(path: "earshot_manifest", value: String(versionNumber), expected: "\(Self.currentVersion) (this build reads manifest version \(Self.currentVersion))")
        }
        guard let input = root["input_size"] else { throw .missingField(path: "input_size") }
        inputSize = try ManifestValue.integer(input, path: "input_size", range: 1...1_048_576)
        guard let mode = root["output_mode"] else { throw .missingField(path: "output_mode") }
        let modeName = try ManifestValue.string(mode, path: "output_mode")
        guard let outputMode = OutputMode(rawValue: modeName) else {
            throw .invalidValue(path: "output_mode", value: "\"\(modeName)\"", expected: "\"every_step\" or \"last_step\"")
        }
        self.outputMode = outputMode
        labels = []
        if let list = root["labels"] {
            for (index, element) in try ManifestValue.array(list, path: "labels").enumerated() {
                labels.append(try ManifestValue.string(element, path: "labels[\(index)]"))
            }
        }
        guard let layerList = root["layers"] else { throw .missingField(path: "layers") }
        let layerValues = try ManifestValue.array(layerList, path: "layers")
        guard !layerValues.isEmpty else { throw .invalidValue(path: "layers", value: "[]", expected: "at least one layer") }
        layers = []
        for (index, value) in layerValues.enumerated() {
            layers.append(try ManifestLayer(value, path: "layers[\(index)]"))
        }
        metadata = [:]
        if let extra = root["metadata"] {
            for member in try ManifestValue.object(extra, path: "metadata") {
                guard !member.key.isEmpty else {
                    throw .invalidValue(path: "metadata", value: "an empty key", expected: "named entries")
                }
                metadata[member.key] = try ManifestValue.metadata(member.value, path: "metadata.\(member.key)")
            }
        }
        frontend = try root["frontend"].map { (value: JSON) throws(ManifestError) -> FrontendConfig in try ManifestFrontend.frontend(value) }
        execution = try root["execution"].map { (value: JSON) throws(ManifestError) -> ExecutionMode in try ManifestFrontend.execution(value) }
        if let frontend, frontend.featureCount != inputSize {
            throw .inconsistent(path: "frontend", reason: "makes \(frontend.featureCount) features per frame, but input_size is \(inputSize)")
        }
    }
}

/// One entry of a manifest's `layers` array.
public struct ManifestLayer: Sendable {
    static let fields = ["kind", "convention", "name", "attributes", "weights", "prefix", "comment"]

    /// JSON path, e.g. `layers[2]`.
    public var path: String
    /// `lstm`, `gru`, `rnn`, `dense` or `softmax`.
    public var kind: LayerKind
    /// The weight layout; nil only for softmax.
    public var convention: ManifestConvention?
    public var name: String
    /// `attributes`, in document order.
    public var attributes: [JSONMember]
    /// `weights`: slot name → archive key, when given explicitly.
    public var weights: [JSONMember]?
    /// `prefix`: archive keys are this prefix + the convention's default key of each slot.
    public var prefix: String?

    init(_ value: JSON, path: String) throws(ManifestError) {
        self.path = path
        let members = try ManifestValue.object(value, path: path)
        for member in members where !Self.fields.contains(member.key) {
            throw .unknownField(path: "\(path).\(member.key)", known: Self.fields)
        }
        guard let kindValue = value["kind"] else { throw .missingField(path: "\(path).kind") }
        let kindName = try ManifestValue.string(kindValue, path: "\(path).kind")
        var convention: ManifestConvention?
        if let conventionValue = value["convention"] {
            let conventionName = try ManifestValue.string(conventionValue, path: "\(path).convention")
            guard let parsed = ManifestConvention(rawValue: conventionName) else {
                throw .unknownConvention(path: "\(path).convention", value: conventionName)
            }
            convention = parsed
        }
        guard let kind = LayerKind(rawValue: kindName) else {
            throw .unknownKind(path: "\(path).kind", value: kindName, convention: convention?.rawValue ?? "any")
        }
        self.kind = kind
        self.convention = convention
        if kind != .softmax && convention == nil { throw .missingField(path: "\(path).convention") }
        name = try value["name"].map { (name: JSON) throws(ManifestError) -> String in try ManifestValue.string(name, path: "\(path).name") } ?? ""
        attributes = try value["attributes"].map { (list: JSON) throws(ManifestError) -> [JSONMember] in try ManifestValue.object(list, path: "\(path).attributes") } ?? []
        if let mapping = value["weights"] {
            let entries = try ManifestValue.object(mapping, path: "\(path).weights")
            for entry in entries { _ = try ManifestValue.string(entry.value, path: "\(path).weights.\(entry.key)") }
            weights = entries
        }
        if let prefixValue = value["prefix"] { prefix = try ManifestValue.string(prefixValue, path: "\(path).prefix") }
        if kind == .softmax {
            guard attributes.isEmpty, weights == nil, prefix == nil else {
                throw .inconsistent(path: path, reason: "a softmax layer takes no attributes, weights or prefix")
            }
        } else {
            guard (weights == nil) != (prefix == nil) else {
                throw .inconsistent(path: path, reason: "give exactly one of 'weights' (slot → archive key) and 'prefix' (default keys)")
            }
        }
    }
}

// MARK: - Typed access to JSON values, with paths in the errors

enum ManifestValue {
    static func found(_ value: JSON) -> String {
        switch value {
        case .string(let text): return "the string \"\(text)\""
        case .number(let number): return "the number \(number.text)"
        case .bool(let flag): return flag ? "true" : "false"
        default: return value.typeName
        }
    }

    static func object(_ value: JSON, path: String) throws(ManifestError) -> [JSONMember] {
        guard case .object(let members) = value else { throw .wrongType(path: path, expected: "an object", found: found(value)) }
        return members
    }

    static func array(_ value: JSON, path: String) throws(ManifestError) -> [JSON] {
        guard case .array(let elements) = value else { throw .wrongType(path: path, expected: "an array", found: found(value)) }
        return elements
    }

    static func string(_ value: JSON, path: String) throws(ManifestError) -> String {
        guard case .string(let text) = value else { throw .wrongType(path: path, expected: "a string", found: found(value)) }
        return text
    }

    static func bool(_ value: JSON, path: String) throws(ManifestError) -> Bool {
        guard case .bool(let flag) = value else { throw .wrongType(path: path, expected: "true or false", found: found(value)) }
        return flag
    }

    static func integer(_ value: JSON, path: String, range: ClosedRange<Int> = 0...Int(Int32.max)) throws(ManifestError) -> Int {
        guard case .number(let number) = value, let integer = number.integer else {
            throw .wrongType(path: path, expected: "an integer", found: found(value))
        }
        guard range.contains(integer) else {
            throw .invalidValue(path: path, value: number.text, expected: "an integer in \(range.lowerBound)...\(range.upperBound)")
        }
        return integer
    }

    static func number(_ value: JSON, path: String) throws(ManifestError) -> Double {
        guard case .number(let number) = value else { throw .wrongType(path: path, expected: "a number", found: found(value)) }
        return number.double
    }

    /// A metadata value: string, Boolean, integer (no fraction or exponent), other number, or an
    /// array of numbers (stored as floats, or integers when all are) or of strings.
    static func metadata(_ value: JSON, path: String) throws(ManifestError) -> MetadataValue {
        switch value {
        case .string(let text): return .string(text)
        case .bool(let flag): return .bool(flag)
        case .number(let number):
            if let integer = number.integer { return .int(Int64(integer)) }
            return .float(number.double)
        case .array(let elements):
            if elements.allSatisfy({ if case .string = $0 { return true } else { return false } }) {
                return .strings(elements.map { if case .string(let text) = $0 { return text } else { return "" } })
            }
            var numbers: [JSONNumber] = []
            for (index, element) in elements.enumerated() {
                guard case .number(let number) = element else {
                    throw .wrongType(path: "\(path)[\(index)]", expected: "a number or string like the other elements", found: found(element))
                }
                numbers.append(number)
            }
            if numbers.allSatisfy({ $0.integer != nil }) { return .ints(numbers.map { Int64($0.integer!) }) }
            return .floats(numbers.map { Float($0.double) })
        default:
            throw .wrongType(path: path, expected: "a string, Boolean, number or array of numbers or strings", found: found(value))
        }
    }
}
