import Glibc
import Model
import Runtime

// MARK: - Per-layer quantization error

/// What storing one layer's weights in a smaller type costs, measured on a calibration input.
public struct LayerQuantizationReport: Sendable, Equatable {
    public var index: Int
    public var kind: LayerKind
    public var name: String
    /// The matrices' stored types, in the order of the layer's tensors without repeats (e.g.
    /// [fp16, int8] when the input matrix is fp16 and the others int8); empty without weights.
    public var weightTypes: [TensorType]
    /// Bytes of this layer's tensors as stored (int8 row scales included).
    public var byteCount: Int
    /// Bytes of the same tensors in fp32.
    public var float32ByteCount: Int
    /// Signal-to-quantization-noise ratio of this layer's output, in dB:
    /// 10·log10(Σ y² / Σ (ŷ − y)²) over every step and unit, y from the fp32 model and ŷ from
    /// the converted one (both streaming the same frames from zero state, so errors of earlier
    /// layers are included). +∞ when the outputs are identical; NaN when not measured (the
    /// inner layers of bidirectional/attention models, which run window by window).
    public var sqnr: Double
    /// max |ŷ − y| over every step and unit.
    public var maxAbsError: Double
}

/// The per-layer report `earshot convert` prints.
public struct QuantizationReport: Sendable {
    public var layers: [LayerQuantizationReport]
    /// Calibration steps run.
    public var steps: Int
    /// Steps on which the converted model's largest output is the fp32 model's (0...1).
    public var top1Agreement: Double

    /// Streams `frames` (row-major [steps, inputSize]) through the fp32 and the converted model
    /// side by side, layer by layer, and measures every layer's output error.
    ///
    /// - Parameter progress: called with (steps done, steps) about every tenth of the way.
    /// - Throws: `ModelError`/`RuntimeError` if either model does not load (a converter bug).
    public init(
        float32 original: ImportedModel, converted: ImportedModel, frames: [Float],
        progress: ((Int, Int) -> Void)? = nil
    ) throws {
        let description = original.description
        let inputSize = description.inputSize
        precondition(inputSize > 0 && frames.count % inputSize == 0, "frames must be [steps, inputSize]")
        let reference = try Network(model: ModelFile(bytes: ModelWriter.serialize(description, tensors: original.tensors)))
        let candidate = try Network(model: ModelFile(bytes: ModelWriter.serialize(description, tensors: converted.tensors)))
        let layerCount = description.layers.count
        var signal = [Double](repeating: 0, count: layerCount)
        var noise = [Double](repeating: 0, count: layerCount)
        var worst = [Double](repeating: 0, count: layerCount)
        var agreeing = 0
        var steps = frames.count / inputSize
        // A conv2d front stage runs over whole windows: cut the frames into windows, measure the
        // convolution's rows as layer 0's output, then step its rows through the other layers.
        var measured = [Bool](repeating: true, count: layerCount)
        if reference.isSequenceModel, case let .windowed(window, _) = description.execution {
            // Bidirectional/attention models run window by window, layer by layer: only the
            // prediction of each window is compared (earlier layers are reported as not measured).
            let windows = Swift.max(1, steps / window)
            for index in 0..<(layerCount - 1) { measured[index] = false }
            frames.withUnsafeBufferPointer { buffer in
                for index in 0..<windows {
                    progress?(index, windows)
                    let count = Swift.min(window, steps - index * window)
                    let start = buffer.baseAddress! + index * window * inputSize
                    let y = reference.runWindow(start, count: count), q = candidate.runWindow(start, count: count)
                    Self.accumulate(y, q, &signal[layerCount - 1], &noise[layerCount - 1], &worst[layerCount - 1])
                    if Self.argmax(y) == Self.argmax(q) { agreeing += 1 }
                }
            }
            progress?(windows, windows)
            steps = windows
        } else if reference.hasConvolution, case let .windowed(window, _) = description.execution {
            let windows = Swift.max(1, steps / window)
            frames.withUnsafeBufferPointer { buffer in
                for index in 0..<windows {
                    progress?(index, windows)
                    let count = Swift.min(window, steps - index * window)
                    let start = buffer.baseAddress! + index * window * inputSize
                    reference.reset()
                    candidate.reset()
                    let y = reference.convolve(start, count: count), q = candidate.convolve(start, count: count)
                    Self.accumulate(y, q, &signal[0], &noise[0], &worst[0])
                    let rowSize = reference.layerOutput(0).count
                    for row in 0..<(y.count / Swift.max(1, rowSize)) {
                        for layer in 1..<layerCount {
                            reference.stepLayer(layer, frame: y.baseAddress! + row * rowSize)
                            candidate.stepLayer(layer, frame: q.baseAddress! + row * rowSize)
                            Self.accumulate(reference.layerOutput(layer), candidate.layerOutput(layer),
                                            &signal[layer], &noise[layer], &worst[layer])
                        }
                    }
                    if Self.argmax(reference.output) == Self.argmax(candidate.output) { agreeing += 1 }
                }
            }
            progress?(windows, windows)
            steps = windows
        } else {
            frames.withUnsafeBufferPointer { buffer in
                for step in 0..<steps {
                    if step % max(1, steps / 10) == 0 { progress?(step, steps) }
                    let frame = buffer.baseAddress! + step * inputSize
                    for layer in 0..<layerCount {
                        // Read each output right after its layer: dense outputs share ping-pong buffers.
                        reference.stepLayer(layer, frame: frame)
                        candidate.stepLayer(layer, frame: frame)
                        Self.accumulate(reference.layerOutput(layer), candidate.layerOutput(layer),
                                        &signal[layer], &noise[layer], &worst[layer])
                    }
                    if Self.argmax(reference.output) == Self.argmax(candidate.output) { agreeing += 1 }
                }
            }
            progress?(steps, steps)
        }

        var byteCounts = [Int](repeating: 0, count: layerCount)
        var float32Counts = [Int](repeating: 0, count: layerCount)
        var types = [[TensorType]](repeating: [], count: layerCount)
        for tensor in converted.tensors {
            guard let layer = Self.layerIndex(of: tensor.name), layer < layerCount else { continue }
            byteCounts[layer] += tensor.bytes.count
            if !tensor.name.hasSuffix(".scale") {
                float32Counts[layer] += tensor.shape.reduce(1, *) * 4
                if tensor.shape.count == 2 && !types[layer].contains(tensor.type) { types[layer].append(tensor.type) }
            }
        }
        layers = description.layers.enumerated().map { index, layer in
            let sqnr = !measured[index] ? Double.nan
                : noise[index] == 0 ? Double.infinity : 10 * log10(signal[index] / noise[index])
            return LayerQuantizationReport(
                index: index, kind: layer.kind, name: layer.name, weightTypes: types[index],
                byteCount: byteCounts[index], float32ByteCount: float32Counts[index], sqnr: sqnr,
                maxAbsError: measured[index] ? worst[index] : .nan)
        }
        self.steps = steps
        top1Agreement = steps == 0 ? 1 : Double(agreeing) / Double(steps)
    }

    /// Adds one output's squared signal, squared error and worst error to the layer's totals.
    static func accumulate(
        _ y: UnsafeBufferPointer<Float>, _ q: UnsafeBufferPointer<Float>,
        _ signal: inout Double, _ noise: inout Double, _ worst: inout Double
    ) {
        for unit in 0..<Swift.min(y.count, q.count) {
            let error = Double(q[unit]) - Double(y[unit])
            signal += Double(y[unit]) * Double(y[unit])
            noise += error * error
            worst = max(worst, error.isNaN ? .infinity : abs(error))
        }
    }

        /// `count` frames of `size` seeded standard-normal values (the default calibration input:
    /// the scale of standardized features).
    public static func randomFrames(count: Int, size: Int, seed: UInt64 = 0x5EED) -> [Float] {
        var state = seed
        func next() -> Double {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return (Double((z ^ (z >> 31)) >> 11) + 1) * 0x1p-53
        }
        return (0..<count * size).map { _ in
            Float((-2 * log(next())).squareRoot() * cos(2 * Double.pi * next()))
        }
    }

    /// The layer index of a tensor named `layer.<i>.…`.
    static func layerIndex(of name: String) -> Int? {
        let parts = name.split(separator: ".")
        guard parts.count >= 3, parts[0] == "layer" else { return nil }
        return Int(parts[1])
    }

    static func argmax(_ values: UnsafeBufferPointer<Float>) -> Int {
        var best = 0
        for i in values.indices where values[i] > values[best] { best = i }
        return best
    }
}
