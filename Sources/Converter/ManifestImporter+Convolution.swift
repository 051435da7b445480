import Model
import WeightArchive

// Convolution front stages (kind "conv2d"), the first layer of a windowed model, over the
// (time × features) window of frames:
//   tf1, keras  Conv2D kernel [kT, kF, 1, C] (HWIO, image NHWC [T, F, 1]); rows flattened f·C + c
//               Conv1D kernel [kT, F, C] (the features are the input channels)
//   pytorch,    Conv2d weight [C, 1, kT, kF] (OIHW, image NCHW [1, T, F]); rows flattened c·F' + f
//   onnx        Conv1d weight [C, F, kT] (input [N, F, T])
//   bias [C] (optional; zeros when absent)
// Attributes: strides (int or [sT, sF]; Conv1D: sT), padding ("valid", or explicit
// [time_begin, time_end, features_begin, features_end]), activation ("linear"/"relu"),
// filters (checked), kernel_size (checked), flatten ("channels_last"/"channels_first", to
// override the convention's row order).
enum ConvolutionLayout {
    static func convert(_ layer: ManifestLayer, inputSize: Int, archive: WeightArchive) throws(ManifestError) -> [ConvertedLayer] {
        let framework = layer.convention ?? .tf1
        let channelsFirstWeights = framework == .pytorch || framework == .onnx
        let reader = try ManifestLayerReader(
            layer: layer, archive: archive,
            attributes: ["filters", "kernel_size", "strides", "padding", "activation", "flatten", "dilations", "groups"],
            slots: [WeightSlot(name: "kernel", defaultKey: channelsFirstWeights ? "weight" : "kernel"),
                    WeightSlot(name: "bias", defaultKey: "bias")])
        if let dilations = try reader.integers("dilations"), dilations.contains(where: { $0 != 1 }) {
            throw .unsupported(path: reader.attributePath("dilations"), reason: "dilated convolution is not supported (dilations must be 1)")
        }
        if let groups = try reader.integer("groups"), groups != 1 {
            throw .unsupported(path: reader.attributePath("groups"), reason: "grouped convolution is not supported (groups must be 1)")
        }
        let kernel = try reader.require("kernel")
        let shape = kernel.shape
        // Internal weights W [C, kT·kF], column i·kF + j.
        let channels: Int, kT: Int, kF: Int
        var weights: [Float]
        let oneDimensional: Bool
        switch (channelsFirstWeights, shape.count) {
        case (false, 4):  // [kT, kF, 1, C]
            guard shape[2] == 1 else {
                throw .shapeMismatch(path: kernel.path, key: kernel.key, expected: "[kT, kF, 1, filters] (one input channel)", found: shape)
            }
            (kT, kF, channels, oneDimensional) = (shape[0], shape[1], shape[3], false)
            weights = WeightLayout.transpose(kernel.values, rows: kT * kF, columns: channels)
        case (false, 3):  // [kT, F, C]
            (kT, kF, channels, oneDimensional) = (shape[0], shape[1], shape[2], true)
            weights = WeightLayout.transpose(kernel.values, rows: kT * kF, columns: channels)
        case (true, 4):  // [C, 1, kT, kF]
            guard shape[1] == 1 else {
                throw .shapeMismatch(path: kernel.path, key: kernel.key, expected: "[filters, 1, kT, kF] (one input channel)", found: shape)
            }
            (channels, kT, kF, oneDimensional) = (shape[0], shape[2], shape[3], false)
            weights = kernel.values
        case (true, 3):  // [C, F, kT] → [C, kT, F]
            (channels, kF, kT, oneDimensional) = (shape[0], shape[1], shape[2], true)
            weights = [Float](repeating: 0, count: channels * kT * kF)
            for c in 0..<channels {
                for j in 0..<kF {
                    for i in 0..<kT { weights[c * kT * kF + i * kF + j] = kernel.values[c * kF * kT + j * kT + i] }
                }
            }
        default:
            throw .shapeMismatch(
                path: kernel.path, key: kernel.key,
                expected: channelsFirstWeights ? "[filters, 1, kT, kF] (Conv2d) or [filters, features, kT] (Conv1d)"
                    : "[kT, kF, 1, filters] (Conv2D) or [kT, features, filters] (Conv1D)",
                found: shape)
        }
        guard kT > 0, kF > 0, channels > 0 else {
            throw .shapeMismatch(path: kernel.path, key: kernel.key, expected: "no zero dimension", found: shape)
        }
        if oneDimensional && kF != inputSize {
            throw .inconsistent(path: kernel.path, reason: "a 1-D convolution's kernel covers \(kF) features, but the layer's input has \(inputSize)")
        }
        try reader.checkSize("filters", channels, from: kernel.key)
        if let declared = try reader.integers("kernel_size", range: 1...65_536) {
            let expected = oneDimensional ? [kT] : [kT, kF]
            guard declared == expected || (declared.count == 1 && !oneDimensional && declared[0] == kT && kT == kF) else {
                throw .inconsistent(path: reader.attributePath("kernel_size"), reason: "is \(declared), but '\(kernel.key)' implies \(expected)")
            }
        }
        var strides = try reader.integers("strides", range: 1...65_536) ?? [1]
        if strides.count == 1 { strides = oneDimensional ? [strides[0], 1] : [strides[0], strides[0]] }
        guard strides.count == 2, !(oneDimensional && strides[1] != 1) else {
            throw .invalidValue(path: reader.attributePath("strides"), value: "\(strides)", expected: oneDimensional ? "one stride (time)" : "one stride or [time, features]")
        }
        var pads = [0, 0, 0, 0]
        if let text = try? reader.string("padding") {
            guard text.lowercased() == "valid" else {
                throw .unsupported(path: reader.attributePath("padding"), reason: "\"\(text)\": give \"valid\" or explicit [time_begin, time_end, features_begin, features_end] pads")
            }
        } else if let explicit = try reader.integers("padding", range: 0...65_536) {
            guard explicit.count == 4 || (oneDimensional && explicit.count == 2) else {
                throw .invalidValue(path: reader.attributePath("padding"), value: "\(explicit)", expected: "\"valid\" or [time_begin, time_end, features_begin, features_end]")
            }
            pads = explicit.count == 4 ? explicit : [explicit[0], explicit[1], 0, 0]
        }
        let activation: Activation
        switch try reader.choice("activation", ["linear", "none", "relu"]) {
        case "relu": activation = .relu
        default: activation = .linear
        }
        var channelsLast = !channelsFirstWeights
        if let flatten = try reader.choice("flatten", ["channels_last", "channels_first"]) { channelsLast = flatten == "channels_last" }
        let bias = try reader.optional("bias")
        try bias?.expect([channels], described: "[\(channels)] (one per filter)")
        let geometry = ConvolutionGeometry(
            kernelTime: kT, kernelFeatures: kF, strideTime: strides[0], strideFeatures: strides[1],
            padTimeBegin: pads[0], padTimeEnd: pads[1], padFeaturesBegin: pads[2], padFeaturesEnd: pads[3],
            channelsLast: channelsLast)
        let description = LayerDescription(
            kind: .conv2d, name: layer.name, inputSize: inputSize, hiddenSize: channels, activation: activation,
            convolution: geometry)
        guard description.outputSize > 0 else {
            throw .inconsistent(path: layer.path, reason: "the \(kT)×\(kF) kernel does not fit the \(inputSize) input features")
        }
        return [ConvertedLayer(description: description,
                               weights: [.inputWeights: weights, .bias: bias?.values ?? [Float](repeating: 0, count: channels)])]
    }
}
