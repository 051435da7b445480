// What `inspect` prints, apart from its command so the static aarch64 build (Aarch64/earshot,
// tools/build_aarch64.sh) compiles the same file and prints the same text and JSON.
import Frontend
import JSON
import Model

/// The facts `inspect` reports, computed once and rendered as text or JSON.
struct ModelSummary {
    struct Layer {
        var index: Int
        var description: LayerDescription
        var parameters: Int
        var bytes: Int
        var weightTypes: [String]
    }

    var model: ModelDescription
    var layers: [Layer]
    var fileBytes: Int
    var arenaBytes: Int
    /// The kernel path the runtime picks on this machine.
    var kernels: String
    /// Bytes of the per-window buffers of a bidirectional/attention model (0 otherwise).
    var windowBytes = 0

    init(file: ModelFile, arenaBytes: Int, kernels: String) {
        self.kernels = kernels
        self.model = file.description
        self.fileBytes = file.fileByteCount
        self.arenaBytes = arenaBytes
        var layers: [Layer] = []
        for (index, layer) in file.description.layers.enumerated() {
            var parameters = 0, bytes = 0
            var types: [String] = []
            for (role, _) in layer.requiredTensors {
                guard let tensor = file.tensor(layer: index, role: role) else { continue }
                parameters += tensor.elementCount
                bytes += tensor.byteCount
                if tensor.type == .int8 { bytes += tensor.rows * 4 }  // its row scales
                if role.isMatrix, !types.contains(tensor.type.description) { types.append(tensor.type.description) }
            }
            layers.append(Layer(index: index, description: layer, parameters: parameters, bytes: bytes, weightTypes: types))
        }
        self.layers = layers
    }

    var parameterCount: Int { layers.reduce(0) { $0 + $1.parameters } }

    /// The attributes that differ from defaults, as "name=value" strings.
    static func attributes(of layer: LayerDescription) -> [(String, String)] {
        var list: [(String, String)] = []
        switch layer.kind {
        case .dense, .rnn:
            if layer.activation != .linear { list.append(("activation", layer.activation.rawValue)) }
        case .lstm:
            if layer.hasPeepholes { list.append(("peepholes", "true")) }
            if layer.projectionSize > 0 { list.append(("projection", String(layer.projectionSize))) }
            if layer.forgetBias != 0 { list.append(("forget_bias", String(layer.forgetBias))) }
            if layer.cellClip > 0 { list.append(("cell_clip", String(layer.cellClip))) }
            if layer.projectionClip > 0 { list.append(("projection_clip", String(layer.projectionClip))) }
        case .gru:
            list.append(("reset", layer.resetAfter ? "after" : "before"))
        case .softmax:
            break
        case .attention:
            list.append(("score", "v.tanh(W h + b)"))
            list.append(("pool", "softmax over the window"))
        case .conv2d:
            if let g = layer.convolution {
                list.append(("kernel", "\(g.kernelTime)x\(g.kernelFeatures)"))
                list.append(("stride", "\(g.strideTime)x\(g.strideFeatures)"))
                if g.padTimeBegin + g.padTimeEnd + g.padFeaturesBegin + g.padFeaturesEnd > 0 {
                    list.append(("pads", "\(g.padTimeBegin),\(g.padTimeEnd),\(g.padFeaturesBegin),\(g.padFeaturesEnd)"))
                }
                list.append(("rows", g.channelsLast ? "features-major" : "channels-major"))
            }
            if layer.activation != .linear { list.append(("activation", layer.activation.rawValue)) }
        }
        if layer.gateClip > 0 { list.append(("gate_clip", String(layer.gateClip))) }
        if layer.isBidirectional { list.append(("direction", "bidirectional")) }
        if layer.merge != .concat { list.append(("merge", layer.merge.rawValue)) }
        if layer.finalStatesOnly { list.append(("output", "final states")) }
        return list
    }

    var text: String {
        var lines: [String] = []
        lines.append("input \(model.inputSize) -> output \(model.outputSize), output mode \(model.outputMode.rawValue)")
        lines.append("")
        let header = ["#", "layer", "name", "in", "units", "out", "params", "bytes", "weights", "attributes"]
        var rows: [[String]] = [header]
        for layer in layers {
            let d = layer.description
            let attributes = ModelSummary.attributes(of: d).map { "\($0.0)=\($0.1)" }.joined(separator: " ")
            rows.append([
                String(layer.index), d.kind.rawValue, d.name.isEmpty ? "-" : d.name, String(d.inputSize),
                String(d.hiddenSize), String(d.outputSize), String(layer.parameters), String(layer.bytes),
                layer.weightTypes.isEmpty ? "-" : layer.weightTypes.joined(separator: ","), attributes,
            ])
        }
        var widths = [Int](repeating: 0, count: header.count)
        for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
        for row in rows {
            var line = ""
            for (i, cell) in row.enumerated() {
                line += cell + String(repeating: " ", count: widths[i] - cell.count) + (i + 1 < row.count ? "  " : "")
            }
            while line.last == " " { line.removeLast() }
            lines.append(line)
        }
        lines.append("")
        lines.append("parameters   \(parameterCount)")
        lines.append("file bytes   \(fileBytes)")
        lines.append("arena bytes  \(arenaBytes)")
        if windowBytes > 0 { lines.append("window bytes \(windowBytes) (layer-by-layer window buffers, part of the arena)") }
        lines.append("kernels      \(kernels)")
        lines.append("labels       \(model.labels.isEmpty ? "(none)" : model.labels.joined(separator: " "))")
        lines.append("execution    \(model.execution)")
        if let bound = latencyBound {
            var text = "latency      window + hop = \(bound.frames) frames"
            if let ms = bound.milliseconds { text += " (\(ModelSummary.decimal(ms)) ms at the front end's hop)" }
            lines.append(text)
        }
        if let note = windowNote { lines.append("windows      " + note) }
        if let line = thresholdLine { lines.append("thresholds   " + line) }
        if let frontend = model.frontend {
            for line in frontend.summaryLines { lines.append("frontend     " + line) }
        } else {
            lines.append("frontend     (none: the model takes feature frames)")
        }
        for key in model.metadata.keys.sorted() {
            lines.append("meta         \(key) = \(ModelSummary.render(model.metadata[key]!))")
        }
        return lines.joined(separator: "\n")
    }

    static func render(_ value: MetadataValue) -> String {
        switch value {
        case .int(let v): return String(v)
        case .float(let v): return String(v)
        case .bool(let v): return String(v)
        case .string(let v): return v
        case .floats(let v): return "[" + v.map { String($0) }.joined(separator: ", ") + "]"
        case .ints(let v): return "[" + v.map { String($0) }.joined(separator: ", ") + "]"
        case .strings(let v): return "[" + v.joined(separator: ", ") + "]"
        }
    }

    static func json(_ value: MetadataValue) -> JSON {
        switch value {
        case .int(let v): return .int(Int(v))
        case .float(let v): return .double(v)
        case .bool(let v): return .bool(v)
        case .string(let v): return .string(v)
        case .floats(let v): return .array(v.map { .double(Double($0)) })
        case .ints(let v): return .array(v.map { .int(Int($0)) })
        case .strings(let v): return .array(v.map { .string($0) })
        }
    }

    var json: JSON {
        let layerValues: [JSON] = layers.map { layer in
            let d = layer.description
            var members: [(String, JSON)] = [
                ("index", .int(layer.index)), ("kind", .string(d.kind.rawValue)), ("name", .string(d.name)),
                ("input_size", .int(d.inputSize)), ("hidden_size", .int(d.hiddenSize)), ("output_size", .int(d.outputSize)),
                ("parameters", .int(layer.parameters)), ("bytes", .int(layer.bytes)),
                ("weight_types", .array(layer.weightTypes.map { .string($0) })),
            ]
            members.append(("attributes", .members(ModelSummary.attributes(of: d).map { ($0.0, .string($0.1)) })))
            return .members(members)
        }
        return .members([
            ("input_size", .int(model.inputSize)),
            ("output_size", .int(model.outputSize)),
            ("output_mode", .string(model.outputMode.rawValue)),
            ("layers", .array(layerValues)),
            ("parameters", .int(parameterCount)),
            ("file_bytes", .int(fileBytes)),
            ("arena_bytes", .int(arenaBytes)),
            ("window_bytes", .int(windowBytes)),
            ("kernels", .string(kernels)),
            ("labels", .array(model.labels.map { .string($0) })),
            ("execution", ModelSummary.json(model.execution)),
            ("latency_bound_frames", latencyBound.map { .int($0.frames) } ?? .null),
            ("latency_bound_ms", latencyBound?.milliseconds.map { .double($0) } ?? .null),
            ("carried_forward", .bool(carriesForward)),
            ("frontend", model.frontend.map(ModelSummary.json) ?? .null),
            ("metadata", .members(model.metadata.keys.sorted().map { ($0, ModelSummary.json(model.metadata[$0]!)) })),
        ])
    }
}

extension ModelSummary {
    /// A windowed model's worst-case delay from a frame to the prediction that first covers it:
    /// the window plus one hop (in frames; in ms when the model carries its front end).
    var latencyBound: (frames: Int, milliseconds: Double?)? {
        guard case let .windowed(frames, hop) = model.execution else { return nil }
        let ms = model.frontend.map { Double(frames + hop) * Double($0.hopLength) * 1000 / Double($0.sampleRate) }
        return (frames + hop, ms)
    }

    /// Whether layer 0's forward direction is carried along the stream (bidirectional/attention
    /// models whose first layer is recurrent).
    var carriesForward: Bool {
        model.layers.contains { $0.needsWholeWindow } && model.layers.first?.isRecurrent == true
    }

    /// How the windows of a bidirectional/attention model run, or nil for other models.
    var windowNote: String? {
        guard model.layers.contains(where: { $0.needsWholeWindow }) else { return nil }
        if carriesForward {
            return "layer 0's forward direction advances once per frame, its state carried along the stream "
                + "(not reset per window); each window re-runs the reverse direction and the later layers from zero state"
        }
        return "each window runs every layer from zero state"
    }

    static func decimal(_ value: Double) -> String {
        let rounded = (value * 10).rounded() / 10
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }

    static func json(_ execution: ExecutionMode) -> JSON {
        switch execution {
        case .streaming: return .members([("mode", .string("streaming"))])
        case let .windowed(frames, hop):
            return .members([("mode", .string("windowed")), ("window_frames", .int(frames)), ("window_hop", .int(hop))])
        }
    }

    static func json(_ frontend: FrontendConfig) -> JSON {
        var members: [(String, JSON)] = [("preset", .string(frontend.name))]
        for field in FrontendField.allCases {
            switch frontend.value(of: field) {
            case .integer(let value): members.append((field.rawValue, .int(value)))
            case .real(let value): members.append((field.rawValue, .double(value)))
            case .flag(let value): members.append((field.rawValue, .bool(value)))
            case .name(let value): members.append((field.rawValue, .string(value)))
            case .reals(let values): members.append((field.rawValue, .array(values.map { .double(Double($0)) })))
            }
        }
        return .members(members)
    }
}
