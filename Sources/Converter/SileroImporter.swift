import Kernels
import Model

/// Imports Silero VAD's ONNX graph (`silero_vad_16k_op15.onnx` from the silero-vad wheel) as an
/// Earshot model whose front end is the `silero` preset.
///
/// Silero's graph per 512-sample chunk (with 64 samples of context): reflect pad → STFT as a
/// strided Conv with a fixed cos/sin basis → magnitude → four Conv1d+ReLU over the chunk's 4
/// frames (zero padded) → LSTM cell with state carried between chunks → ReLU → 1×1 Conv → sigmoid.
/// The STFT and magnitude are the front end (`SileroSpectrogram`; the basis is checked to be a
/// periodic-Hann DFT). Each encoder Conv1d over a fixed number of frames is a linear map of the
/// whole chunk, so it becomes one dense layer (its kernel laid out on the frames it reaches, zeros
/// elsewhere; exact, at the cost of multiplying some zeros). Then the LSTM, a ReLU (an identity
/// dense layer with ReLU) and the decoder's 1×1 Conv with sigmoid as a dense layer: one network
/// step per chunk, the LSTM state carried as Silero's `state` is.
///
/// Every top-level node must be one of `graphOperators` (the sample-rate and state plumbing
/// around the network); anything else is an `unsupportedOperator` naming the node.
enum SileroImporter {
    static let basisName = "model.stft.forward_basis_buffer"

    /// The operators of Silero's graph: its network and the shape/state plumbing around it.
    static let graphOperators: Set<String> = [
        "Constant", "Shape", "Gather", "Mul", "Sub", "Cast", "ConstantOfShape", "Concat", "Reshape", "Slice",
        "Transpose", "Pad", "Unsqueeze", "Squeeze", "Conv", "Pow", "Add", "Sqrt", "Relu", "Equal", "If",
        "Sigmoid", "ReduceMean",
    ]

    /// Whether `graph` is Silero's (it holds the STFT basis as an initializer).
    static func recognizes(_ graph: ONNXGraph) -> Bool {
        graph.initializers.contains { $0.name == basisName }
    }

    /// Converts Silero's graph.
    /// - Throws: `ConversionError` naming the node or tensor: an operator outside
    ///   `graphOperators`, a basis that is not a Hann-windowed DFT, missing or misshapen weights,
    ///   Conv attributes that do not chain to one frame before the LSTM.
    static func importModel(graph: ONNXGraph, model: ONNXModel) throws(ConversionError) -> ImportedModel {
        for (index, node) in graph.nodes.enumerated() where !graphOperators.contains(node.opType) {
            throw .unsupportedOperator(node: node.name.isEmpty ? "\(node.opType)_\(index)" : node.name, op: node.opType)
        }
        var weights = [String: ONNXTensor]()
        for tensor in graph.initializers { weights[tensor.name] = tensor }

        let fftLength = try checkBasis(weights, graph: graph)
        var frontend = FrontendConfig.silero(sampleRate: fftLength == 256 ? 16000 : 8000)
        guard frontend.fftLength == fftLength else {
            throw .unsupportedInput(node: basisName, input: basisName, reason: "n_fft \(fftLength): Silero's 16 kHz (256) or 8 kHz (128) only")
        }
        frontend.name = "silero"
        var frames = frontend.sileroFrameCount
        var channels = fftLength / 2 + 1
        var layers = [LayerDescription]()
        var tensors = [TensorData]()

        func add(_ layer: LayerDescription, _ values: [TensorRole: [Float]]) throws(ConversionError) {
            let index = layers.count
            for (role, shape) in layer.requiredTensors {
                let data = values[role] ?? []
                for value in data where !value.isFinite { throw .nonFiniteWeights(tensor: "\(layer.name) \(role.rawValue)") }
                tensors.append(TensorData(name: role.tensorName(layer: index), shape: shape, floats: data))
            }
            layers.append(layer)
        }

        // Encoder: each Conv1d over `frames` frames, as one dense layer.
        var stage = 0
        while let weight = weights["model.encoder.\(stage).reparam_conv.weight"] {
            let name = "model.encoder.\(stage).reparam_conv"
            let node = try convNode(graph, weight: weight.name)
            let dims = try weight.checkedDims()
            guard dims.count == 3, dims[1] == channels else {
                throw .shapeMismatch(node: name, expected: "[out, \(channels), kernel]", found: "\(dims)")
            }
            let bias = try values(weights, "\(name).bias", count: dims[0], node: name)
            let stride = Int(node.attribute("strides")?.ints.first ?? 1)
            let pad = Int(node.attribute("pads")?.ints.first ?? 0)
            let map = ConvolutionMap(
                outChannels: dims[0], inChannels: dims[1], kernel: dims[2], stride: stride, padding: pad, frames: frames)
            guard map.outFrames >= 1, stride >= 1 else {
                throw .unsupportedAttribute(node: name, attribute: "strides/pads", value: "\(stride)/\(pad) over \(frames) frames")
            }
            let dense = map.denseWeights(try weight.floatValues())
            var layer = LayerDescription(kind: .dense, name: name, inputSize: channels * frames,
                                         hiddenSize: dims[0] * map.outFrames, activation: .relu)
            layer.name = name
            try add(layer, [.inputWeights: dense, .bias: map.denseBias(bias)])
            channels = dims[0]
            frames = map.outFrames
            stage += 1
        }
        guard stage > 0 else { throw .missingInitializer(node: "model.encoder", input: "model.encoder.0.reparam_conv.weight") }
        guard frames == 1 else {
            throw .unsupportedPlacement(node: "model.encoder.\(stage - 1).reparam_conv", op: "Conv",
                                        reason: "leaves \(frames) frames per chunk; the LSTM takes one")
        }

        // Decoder LSTM cell (PyTorch gate order i, f, g, o = Earshot's i, f, c, o; bias = b_ih + b_hh).
        let rnn = "model.decoder.rnn"
        let inputWeights = try values(weights, "\(rnn).weight_ih", count: nil, node: rnn)
        let hidden = inputWeights.count / (4 * channels)
        guard hidden * 4 * channels == inputWeights.count, hidden > 0 else {
            throw .shapeMismatch(node: rnn, expected: "weight_ih [4H, \(channels)]", found: "\(inputWeights.count) values")
        }
        let recurrent = try values(weights, "\(rnn).weight_hh", count: 4 * hidden * hidden, node: rnn)
        let biasIH = try values(weights, "\(rnn).bias_ih", count: 4 * hidden, node: rnn)
        let biasHH = try values(weights, "\(rnn).bias_hh", count: 4 * hidden, node: rnn)
        try add(LayerDescription(kind: .lstm, name: rnn, inputSize: channels, hiddenSize: hidden),
                [.inputWeights: inputWeights, .recurrentWeights: recurrent, .bias: zip(biasIH, biasHH).map { $0 + $1 }])

        // ReLU, then the 1×1 Conv and sigmoid (the mean over one frame is the frame).
        var identity = [Float](repeating: 0, count: hidden * hidden)
        for i in 0..<hidden { identity[i * hidden + i] = 1 }
        try add(LayerDescription(kind: .dense, name: "model.decoder.decoder.1 (ReLU)", inputSize: hidden,
                                 hiddenSize: hidden, activation: .relu),
                [.inputWeights: identity, .bias: [Float](repeating: 0, count: hidden)])
        let head = "model.decoder.decoder.2"
        let headWeights = try values(weights, "\(head).weight", count: hidden, node: head)
        let headBias = try values(weights, "\(head).bias", count: 1, node: head)
        try add(LayerDescription(kind: .dense, name: head, inputSize: hidden, hiddenSize: 1, activation: .sigmoid),
                [.inputWeights: headWeights, .bias: headBias])

        var metadata: [String: MetadataValue] = ["source": .string("onnx"), "onnx.graph": .string("silero_vad")]
        if let opset = model.defaultOpset { metadata["onnx.opset"] = .int(opset) }
        if !model.producerName.isEmpty { metadata["onnx.producer_name"] = .string(model.producerName) }
        let description = ModelDescription(
            inputSize: frontend.featureCount, layers: layers, labels: ["speech"], outputMode: .everyStep,
            metadata: metadata, frontend: frontend, execution: .streaming)
        return ImportedModel(description: description, tensors: tensors)
    }

    /// The STFT basis [2·bins, 1, N] must be periodic-Hann·cos over periodic-Hann·(−sin) (what
    /// `SileroSpectrogram` computes) to 1e-6, and its Conv must stride N/2. Returns N.
    private static func checkBasis(_ weights: [String: ONNXTensor], graph: ONNXGraph) throws(ConversionError) -> Int {
        guard let basis = weights[basisName] else { throw .missingInitializer(node: "model.stft", input: basisName) }
        let dims = try basis.checkedDims()
        guard dims.count == 3, dims[1] == 1, dims[2] >= 4, dims[2] & (dims[2] - 1) == 0, dims[0] == dims[2] + 2 else {
            throw .shapeMismatch(node: "model.stft", expected: "[N + 2, 1, N], N a power of two", found: "\(dims)")
        }
        let n = dims[2]
        let bins = n / 2 + 1
        let values = try basis.floatValues()
        var worst = 0.0
        for k in 0..<bins {
            for i in 0..<n {
                let window = 0.5 - 0.5 * ElementaryMath.cos(2 * Double.pi * Double(i) / Double(n))
                let phase = 2 * Double.pi * Double((k * i) % n) / Double(n)
                let cosine = window * ElementaryMath.cos(phase)
                let sine = -window * ElementaryMath.sin(phase)
                worst = max(worst, abs(Double(values[k * n + i]) - cosine), abs(Double(values[(bins + k) * n + i]) - sine))
            }
        }
        guard worst <= 1e-6 else {
            throw .unsupportedInput(node: "model.stft", input: basisName,
                                    reason: "not a periodic-Hann DFT basis (off by \(worst)); the silero front end computes that")
        }
        let node = try convNode(graph, weight: basisName)
        let stride = Int(node.attribute("strides")?.ints.first ?? 1)
        guard stride == n / 2 else {
            throw .unsupportedAttribute(node: node.name, attribute: "strides", value: "\(stride) (the silero front end hops N/2 = \(n / 2))")
        }
        return n
    }

    /// The top-level Conv reading `weight`.
    private static func convNode(_ graph: ONNXGraph, weight: String) throws(ConversionError) -> ONNXNode {
        guard let node = graph.nodes.first(where: { $0.opType == "Conv" && $0.inputs.count > 1 && $0.inputs[1] == weight }) else {
            throw .missingInitializer(node: "Conv", input: weight)
        }
        if let dilation = node.attribute("dilations")?.ints, dilation.contains(where: { $0 != 1 }) {
            throw .unsupportedAttribute(node: node.name, attribute: "dilations", value: "\(dilation)")
        }
        if let group = node.attribute("group"), group.i != 1 {
            throw .unsupportedAttribute(node: node.name, attribute: "group", value: "\(group.i)")
        }
        if let pads = node.attribute("pads")?.ints, pads.count == 2, pads[0] != pads[1] {
            throw .unsupportedAttribute(node: node.name, attribute: "pads", value: "\(pads)")
        }
        return node
    }

    private static func values(
        _ weights: [String: ONNXTensor], _ name: String, count: Int?, node: String
    ) throws(ConversionError) -> [Float] {
        guard let tensor = weights[name] else { throw .missingInitializer(node: node, input: name) }
        let values = try tensor.floatValues()
        if let count, values.count != count {
            throw .shapeMismatch(node: node, expected: "\(count) values in \(name)", found: "\(values.count)")
        }
        return values
    }
}

/// A Conv1d (zero padding) over a fixed number of frames as a dense map of the channels-major
/// input (c·T + t) to the channels-major output (o·T' + t').
struct ConvolutionMap {
    let outChannels: Int
    let inChannels: Int
    let kernel: Int
    let stride: Int
    let padding: Int
    let frames: Int

    var outFrames: Int {
        let span = frames + 2 * padding - kernel
        return span < 0 || stride < 1 ? 0 : span / stride + 1
    }

    /// W [outChannels·T', inChannels·T] from the kernel [outChannels, inChannels, kernel].
    func denseWeights(_ kernelValues: [Float]) -> [Float] {
        let columns = inChannels * frames
        var dense = [Float](repeating: 0, count: outChannels * outFrames * columns)
        for o in 0..<outChannels {
            for t in 0..<outFrames {
                let row = (o * outFrames + t) * columns
                for k in 0..<kernel {
                    let source = t * stride + k - padding
                    guard source >= 0, source < frames else { continue }
                    for i in 0..<inChannels {
                        dense[row + i * frames + source] = kernelValues[(o * inChannels + i) * kernel + k]
                    }
                }
            }
        }
        return dense
    }

    /// The bias repeated per output frame (o·T' + t').
    func denseBias(_ bias: [Float]) -> [Float] {
        var dense = [Float]()
        dense.reserveCapacity(outChannels * outFrames)
        for o in 0..<outChannels { for _ in 0..<outFrames { dense.append(bias[o]) } }
        return dense
    }
}
