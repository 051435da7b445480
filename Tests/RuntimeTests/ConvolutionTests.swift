import AllocationCounter
import Model
import Runtime
import Testing

/// The conv2d front stage of windowed models, against `ReferenceNetwork.runWindow` (the
/// convolution formula in Double, written independently of the runtime).
@Suite struct ConvolutionTests {
    static func conv(
        inputSize: Int, filters: Int, _ geometry: ConvolutionGeometry, activation: Activation = .relu
    ) -> LayerDescription {
        LayerDescription(kind: .conv2d, name: "conv", inputSize: inputSize, hiddenSize: filters,
                         activation: activation, convolution: geometry)
    }

    /// conv → `recurrent` → dense 5 → softmax, windowed over `frames` frames every `hop`.
    static func model(
        _ conv: LayerDescription, recurrent: LayerKind = .gru, frames: Int, hop: Int, seed: UInt64,
        convType: TensorType = .float32
    ) throws -> TestModel {
        let rows = conv.outputSize
        return try TestModel(
            inputSize: conv.inputSize,
            layers: [
                conv,
                LayerDescription(kind: recurrent, inputSize: rows, hiddenSize: 7, activation: recurrent == .rnn ? .tanh : .linear,
                                 resetAfter: recurrent == .gru),
                LayerDescription(kind: .dense, inputSize: 7, hiddenSize: 5),
                LayerDescription(kind: .softmax, inputSize: 5, hiddenSize: 5),
            ],
            seed: seed, weightTypes: [convType, .float32, .float32, .float32],
            execution: .windowed(frames: frames, hop: hop))
    }

    /// Pushes `frames` one by one; at every run, compares with the reference over the last W frames.
    static func checkRuns(_ model: TestModel, frames: [[Float]], tolerance: Double = 2e-5) throws -> Int {
        let windowed = try #require(try WindowedNetwork.forModel(try Network(model: model.file)))
        var runs = 0
        for (t, frame) in frames.enumerated() {
            guard frame.withUnsafeBufferPointer({ windowed.push($0.baseAddress!) }) else { continue }
            runs += 1
            var reference = ReferenceNetwork(model)
            let expected = reference.runWindow(Array(frames[(t + 1 - windowed.windowFrames)...t]))
            let got = Array(windowed.output)
            #expect(expected.count == got.count)
            for (g, e) in zip(got, expected) { #expect(abs(Double(g) - e) <= tolerance, "frame \(t): \(got) vs \(expected)") }
        }
        return runs
    }

    @Test func tensorFlowStyleConv2DStrideTwoValidMatchesTheFormula() throws {
        // CRNN_S's shape in small: 10x4 kernel, stride 2x2, VALID, relu, rows f·C + c.
        let geometry = ConvolutionGeometry(kernelTime: 10, kernelFeatures: 4, strideTime: 2, strideFeatures: 2)
        let layer = Self.conv(inputSize: 10, filters: 6, geometry)
        #expect(layer.outputSize == 4 * 6 && geometry.outputRows(frames: 49) == 20)
        let model = try Self.model(layer, frames: 21, hop: 21, seed: 3)
        let runs = try Self.checkRuns(model, frames: randomFrames(count: 63, size: 10, seed: 4))
        #expect(runs == 3)
    }

    @Test func paddedChannelsFirstConvWithARingThatWraps() throws {
        // ONNX/PyTorch style: rows c·F' + f, zero padding on both axes, hop < window (ring wraps).
        let geometry = ConvolutionGeometry(
            kernelTime: 3, kernelFeatures: 3, strideTime: 1, strideFeatures: 2, padTimeBegin: 1, padTimeEnd: 2,
            padFeaturesBegin: 1, padFeaturesEnd: 1, channelsLast: false)
        let layer = Self.conv(inputSize: 7, filters: 5, geometry, activation: .linear)
        let model = try Self.model(layer, recurrent: .lstm, frames: 9, hop: 4, seed: 8)
        let runs = try Self.checkRuns(model, frames: randomFrames(count: 30, size: 7, seed: 9))
        #expect(runs == 6)
    }

    @Test func conv1DOverTimeIsAFullWidthKernelAndFp16WeightsWork() throws {
        // Conv1D with the features as input channels = a kernel spanning all features.
        let geometry = ConvolutionGeometry(kernelTime: 5, kernelFeatures: 8, strideTime: 3)
        let layer = Self.conv(inputSize: 8, filters: 4, geometry)
        #expect(layer.outputSize == 4)
        let model = try Self.model(layer, recurrent: .rnn, frames: 16, hop: 16, seed: 12, convType: .float16)
        #expect(try Self.checkRuns(model, frames: randomFrames(count: 32, size: 8, seed: 13)) == 2)
    }

    @Test func partialWindowsRunWhatFitsAndZerosBefore() throws {
        let geometry = ConvolutionGeometry(kernelTime: 4, kernelFeatures: 2, strideTime: 2)
        let model = try Self.model(Self.conv(inputSize: 3, filters: 2, geometry), frames: 10, hop: 10, seed: 21)
        let windowed = try WindowedNetwork(network: try Network(model: model.file), frames: 10, hop: 10)
        let frames = randomFrames(count: 6, size: 3, seed: 22)
        for frame in frames.prefix(3) { frame.withUnsafeBufferPointer { _ = windowed.push($0.baseAddress!) } }
        #expect(Array(windowed.evaluate()) == [0, 0, 0, 0, 0])  // 3 frames < the 4-frame kernel
        for frame in frames[3...] { frame.withUnsafeBufferPointer { _ = windowed.push($0.baseAddress!) } }
        var reference = ReferenceNetwork(model)
        let expected = reference.runWindow(frames)
        for (g, e) in zip(Array(windowed.evaluate()), expected) { #expect(abs(Double(g) - e) <= 2e-5) }
    }

    @Test func windowedConvolutionRunsAllocateNothing() throws {
        let geometry = ConvolutionGeometry(kernelTime: 10, kernelFeatures: 4, strideTime: 2, strideFeatures: 2)
        let model = try Self.model(Self.conv(inputSize: 10, filters: 8, geometry), frames: 25, hop: 5, seed: 30,
                                   convType: .int8)
        let windowed = try WindowedNetwork(network: try Network(model: model.file), frames: 25, hop: 5)
        let flat = randomFrames(count: 32, size: 10, seed: 31).flatMap { $0 }
        let (count, runs) = flat.withUnsafeBufferPointer { buffer in
            var runs = 0
            allocation_counter_begin()  // from the first push after load: no warm-up
            for t in 0..<240 where windowed.push(buffer.baseAddress! + (t % 32) &* 10) { runs &+= 1 }
            return (allocation_counter_end(), runs)
        }
        #expect(runs == 44)  // the first run at frame 25, then every 5th
        #expect(count == 0, "\(count) allocations in 240 pushes from the first after load")
        #expect(!windowed.output.contains { $0.isNaN })
    }

    @Test func geometryRoundTripsAndBadConvolutionsAreRefused() throws {
        let geometry = ConvolutionGeometry(
            kernelTime: 3, kernelFeatures: 2, strideTime: 2, strideFeatures: 1, padTimeBegin: 1, padTimeEnd: 0,
            padFeaturesBegin: 0, padFeaturesEnd: 1, channelsLast: false)
        let model = try Self.model(Self.conv(inputSize: 4, filters: 3, geometry), frames: 8, hop: 8, seed: 40)
        #expect(model.file.description.layers[0] == Self.conv(inputSize: 4, filters: 3, geometry))

        func refused(_ layers: [LayerDescription], execution: ExecutionMode = .windowed(frames: 8, hop: 8)) -> Bool {
            let description = ModelDescription(inputSize: layers[0].inputSize, layers: layers, execution: execution)
            let tensors = layers.enumerated().flatMap { index, layer in
                layer.requiredTensors.map { TensorData(name: $0.role.tensorName(layer: index), shape: $0.shape,
                                                       floats: [Float](repeating: 0.1, count: $0.shape.reduce(1, *))) }
            }
            do {
                _ = try ModelWriter.serialize(description, tensors: tensors)
                return false
            } catch {
                return "\(error)".contains("conv") || "\(error)".contains("layer 0") || "\(error)".contains("layer 1")
            }
        }
        let conv = Self.conv(inputSize: 4, filters: 3, geometry)
        let gru = LayerDescription(kind: .gru, inputSize: conv.outputSize, hiddenSize: 2)
        #expect(!refused([conv, gru]))
        #expect(refused([conv, gru], execution: .streaming))  // windows only
        #expect(refused([conv]))  // needs layers after it
        #expect(refused([LayerDescription(kind: .dense, inputSize: 4, hiddenSize: 4), Self.conv(inputSize: 4, filters: 3, geometry)]))
        var padded = geometry
        padded.padTimeBegin = 3  // not less than the kernel
        #expect(refused([Self.conv(inputSize: 4, filters: 3, padded), gru]))
        var wide = geometry
        wide.kernelFeatures = 9  // wider than the padded features
        #expect(refused([LayerDescription(kind: .conv2d, inputSize: 4, hiddenSize: 3, convolution: wide), gru]))
        #expect(refused([conv, gru], execution: .windowed(frames: 1, hop: 1)))  // window shorter than the kernel
        #expect(refused([Self.conv(inputSize: 4, filters: 3, geometry, activation: .tanh), gru]))
    }
}
