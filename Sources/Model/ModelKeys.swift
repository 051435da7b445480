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

    /// `earshot.layer.<index>.direction`: "forward" or "bidirectional" (recurrent layers; optional,
    /// absent means forward; the writer emits it only for bidirectional layers, so older files load).
    static func direction(_ index: Int) -> String { "earshot.layer.\(index).direction" }

    /// `earshot.layer.<index>.merge`: "concat" (absent), "sum", "mul" or "ave" (bidirectional
    /// layers only; written only when not concat).
    static func merge(_ index: Int) -> String { "earshot.layer.\(index).merge" }

    /// `earshot.layer.<index>.output`: "sequence" (absent) or "final" (bidirectional layers only;
    /// written only when final).
    static func output(_ index: Int) -> String { "earshot.layer.\(index).output" }

    /// `earshot.layer.<index>.conv.<attribute>` (conv2d layers only).
    static func convolution(_ index: Int, _ attribute: ConvolutionAttribute) -> String {
        "earshot.layer.\(index).conv.\(attribute.rawValue)"
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

/// The geometry keys of a conv2d layer (u32, `channels_last` bool), in the order the writer emits them.
enum ConvolutionAttribute: String, CaseIterable {
    case kernelTime = "kernel_time"
    case kernelFeatures = "kernel_features"
    case strideTime = "stride_time"
    case strideFeatures = "stride_features"
    case padTimeBegin = "pad_time_begin"
    case padTimeEnd = "pad_time_end"
    case padFeaturesBegin = "pad_features_begin"
    case padFeaturesEnd = "pad_features_end"
    case channelsLast = "channels_last"
}
