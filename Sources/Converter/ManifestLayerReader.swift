import JSON
import Model
import WeightArchive

/// A weight slot of a convention's layer: its name in the manifest's `weights` object and the
/// archive key it has under `prefix` (prefix + defaultKey).
struct WeightSlot {
    var name: String
    var defaultKey: String
}

/// An archive tensor fetched for a slot, checked to be floating point and finite.
struct SlotTensor {
    var path: String
    var key: String
    var shape: [Int]
    var values: [Float]

    /// Throws a shape mismatch unless the shape is exactly `expected` (a leading 1 may be required
    /// or allowed by the caller through `alternatives`).
    func expect(_ expected: [Int], or alternatives: [[Int]] = [], described: String? = nil) throws(ManifestError) {
        guard shape == expected || alternatives.contains(shape) else {
            throw .shapeMismatch(path: path, key: key, expected: described ?? "\(expected)", found: shape)
        }
    }
}

/// The attributes and weights of one manifest layer, read with the convention's rules:
/// unknown attributes and slots are errors, every access is type-checked, every tensor is
/// checked to be floating point and finite.
struct ManifestLayerReader {
    let layer: ManifestLayer
    let archive: WeightArchive
    let slots: [WeightSlot]
    private let attributeValues: [String: JSON]
    /// Suffix appended to default keys (PyTorch's `_l<k>`).
    var keySuffix = ""

    init(layer: ManifestLayer, archive: WeightArchive, attributes allowed: [String], slots: [WeightSlot]) throws(ManifestError) {
        self.layer = layer
        self.archive = archive
        self.slots = slots
        var values: [String: JSON] = [:]
        for member in layer.attributes {
            guard allowed.contains(member.key) else {
                throw .unknownField(path: "\(layer.path).attributes.\(member.key)", known: allowed)
            }
            values[member.key] = member.value
        }
        attributeValues = values
        if let mapping = layer.weights {
            for entry in mapping where !slots.contains(where: { $0.name == entry.key }) {
                throw .unknownField(path: "\(layer.path).weights.\(entry.key)", known: slots.map(\.name))
            }
        }
    }

    var convention: String { layer.convention?.rawValue ?? "" }

    // MARK: Attributes

    func attributePath(_ name: String) -> String { "\(layer.path).attributes.\(name)" }

    func integer(_ name: String, range: ClosedRange<Int> = 0...1_048_576) throws(ManifestError) -> Int? {
        guard let value = attributeValues[name] else { return nil }
        return try ManifestValue.integer(value, path: attributePath(name), range: range)
    }

    func bool(_ name: String) throws(ManifestError) -> Bool? {
        guard let value = attributeValues[name] else { return nil }
        return try ManifestValue.bool(value, path: attributePath(name))
    }

    /// A finite number, or null (as Keras and TensorFlow write "no clip").
    func number(_ name: String) throws(ManifestError) -> Double? {
        guard let value = attributeValues[name] else { return nil }
        if value == .null { return nil }
        return try ManifestValue.number(value, path: attributePath(name))
    }

    func string(_ name: String) throws(ManifestError) -> String? {
        guard let value = attributeValues[name] else { return nil }
        return try ManifestValue.string(value, path: attributePath(name))
    }

    func strings(_ name: String) throws(ManifestError) -> [String]? {
        guard let value = attributeValues[name] else { return nil }
        var list: [String] = []
        for (index, element) in try ManifestValue.array(value, path: attributePath(name)).enumerated() {
            list.append(try ManifestValue.string(element, path: "\(attributePath(name))[\(index)]"))
        }
        return list
    }

    /// An integer, or an array of integers, each in `range` (a single integer gives a one-element list).
    func integers(_ name: String, range: ClosedRange<Int> = 0...1_048_576) throws(ManifestError) -> [Int]? {
        guard let value = attributeValues[name] else { return nil }
        guard case .array(let elements) = value else {
            return [try ManifestValue.integer(value, path: attributePath(name), range: range)]
        }
        var list: [Int] = []
        for (index, element) in elements.enumerated() {
            list.append(try ManifestValue.integer(element, path: "\(attributePath(name))[\(index)]", range: range))
        }
        return list
    }

    /// A string attribute that must be one of `allowed` (compared case-insensitively).
    func choice(_ name: String, _ allowed: [String], unsupported: [String: String] = [:]) throws(ManifestError) -> String? {
        guard let value = try string(name) else { return nil }
        let lowered = value.lowercased()
        if let reason = unsupported[lowered] { throw .unsupported(path: attributePath(name), reason: reason) }
        guard allowed.contains(lowered) else {
            throw .invalidValue(path: attributePath(name), value: "\"\(value)\"", expected: allowed.map { "\"\($0)\"" }.joined(separator: " or "))
        }
        return lowered
    }

    /// A size attribute checked against the size the weights imply.
    func checkSize(_ name: String, _ actual: Int, from key: String) throws(ManifestError) {
        if let declared = try integer(name), declared != actual {
            throw .inconsistent(path: attributePath(name), reason: "is \(declared), but '\(key)' implies \(actual)")
        }
    }

    /// A Boolean attribute checked against whether the weights are present.
    func checkFlag(_ name: String, _ present: Bool, slot: String) throws(ManifestError) {
        if let declared = try bool(name), declared != present {
            throw .inconsistent(
                path: attributePath(name),
                reason: declared ? "is true, but no '\(slot)' weights are given" : "is false, but '\(slot)' weights are given")
        }
    }

    /// An activation attribute that must name the framework's default (sigmoid/tanh inside cells).
    func requireActivation(_ name: String, _ expected: String, aliases: [String] = []) throws(ManifestError) {
        guard let value = try string(name) else { return }
        let lowered = value.lowercased()
        guard lowered == expected || aliases.contains(lowered) else {
            throw .unsupported(path: attributePath(name), reason: "\"\(value)\" is not supported; Earshot's cells use \(expected) here")
        }
    }

    // MARK: Weights

    func slotPath(_ slot: String) -> String { "\(layer.path).weights.\(slot)" }

    /// The archive key of `slot`: from the explicit mapping, or prefix + default key (+ suffix).
    func key(_ slot: String) -> String? {
        if let mapping = layer.weights {
            return mapping.first { $0.key == slot }.flatMap { if case .string(let key) = $0.value { return key } else { return nil } }
        }
        guard let prefix = layer.prefix, let entry = slots.first(where: { $0.name == slot }) else { return nil }
        return prefix + entry.defaultKey + keySuffix
    }

    /// Whether the slot is given (mapped explicitly, or under `prefix` present in the archive).
    func has(_ slot: String) -> Bool {
        guard let key = key(slot) else { return false }
        return layer.weights != nil || archive[key] != nil
    }

    func require(_ slot: String) throws(ManifestError) -> SlotTensor {
        guard let key = key(slot) else { throw .missingField(path: slotPath(slot)) }
        return try fetch(slot, key: key)
    }

    func optional(_ slot: String) throws(ManifestError) -> SlotTensor? {
        guard has(slot), let key = key(slot) else { return nil }
        return try fetch(slot, key: key)
    }

    private func fetch(_ slot: String, key: String) throws(ManifestError) -> SlotTensor {
        let path = slotPath(slot)
        guard let tensor = archive[key] else {
            throw .missingTensor(path: path, key: key, similar: Self.similarKeys(to: key, in: archive.keys))
        }
        guard tensor.isWeights else {
            throw .notFloatingPoint(path: path, key: key, dtype: tensor.storedType)
        }
        for (index, value) in tensor.values.enumerated() where !value.isFinite {
            throw .nonFiniteWeights(path: path, key: key, index: index, value: value)
        }
        return SlotTensor(path: path, key: key, shape: tensor.shape, values: tensor.values)
    }

    /// Up to five archive keys that share the missing key's last component or contain it.
    static func similarKeys(to key: String, in keys: [String]) -> [String] {
        let last = key.split(separator: "/").last.map(String.init) ?? key
        let tail = last.split(separator: ".").last.map(String.init) ?? last
        return Array(keys.filter { $0 != key && ($0.hasSuffix(last) || $0.hasSuffix("." + tail) || $0.hasSuffix("/" + tail)) }.prefix(5))
    }
}

/// A converted Earshot layer: its description and fp32 tensors in internal layout.
struct ConvertedLayer {
    var description: LayerDescription
    var weights: [TensorRole: [Float]]
}

// MARK: - Layout helpers

enum WeightLayout {
    /// [rows, columns] → [columns, rows].
    static func transpose(_ values: [Float], rows: Int, columns: Int) -> [Float] {
        var result = [Float](repeating: 0, count: values.count)
        for row in 0..<rows {
            for column in 0..<columns { result[column * rows + row] = values[row * columns + column] }
        }
        return result
    }

    /// Rows `start..<start + count` of a [rows, columns] matrix.
    static func rows(_ values: [Float], columns: Int, start: Int, count: Int) -> [Float] {
        Array(values[(start * columns)..<((start + count) * columns)])
    }

    /// Blocks of `blockSize` values taken in `order` (block `order[k]` becomes block k).
    static func reorder(_ values: [Float], blockSize: Int, order: [Int]) -> [Float] {
        var result: [Float] = []
        result.reserveCapacity(values.count)
        for source in order { result.append(contentsOf: values[(source * blockSize)..<((source + 1) * blockSize)]) }
        return result
    }

    static func add(_ a: [Float], _ b: [Float]) -> [Float] {
        var result = a
        for index in result.indices { result[index] += b[index] }
        return result
    }
}
