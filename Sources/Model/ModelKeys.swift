// The metadata keys of an Earshot model file (see docs/model-format.md).

enum ModelKey {
    /// The `earshot.format_version` this build reads and writes.
    static let formatVersion: UInt32 = 1

    static let architecture = "general.architecture"
    static let alignment = "general.alignment"
    static let version = "earshot.format_version"
    static let inputSize = "earshot.input_size"
    static let outputMode = "earshot.output_mode"
    static let labels = "earshot.labels"
    static let layerCount = "earshot.layer_count"
    static let metadataPrefix = "earshot.meta."

    /// `earshot.layer.<index>.<attribute>`.
    static func layer(_ index: Int, _ attribute: LayerAttribute) -> String {
        "earshot.layer.\(index).\(attribute.rawValue)"
    }

    /// Whether the reader decodes this key (others are only checked for well-formedness).
    static func isUsed(_ key: String) -> Bool {
        key == architecture || key == alignment || key.hasPrefix("earshot.")
    }
}

/// Per-layer keys, in the order the writer emits them.
enum LayerAttribute: String, CaseIterable {
    case kind, name
    case inputSize = "input_size"
    case hiddenSize = "hidden_size"
    case projectionSize = "projection_size"
    case activation, peepholes
    case resetAfter = "reset_after"
    case forgetBias = "forget_bias"
    case cellClip = "cell_clip"
    case gateClip = "gate_clip"
    case projectionClip = "projection_clip"
}
