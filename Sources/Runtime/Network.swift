import Kernels
import Model

/// A recurrent network that runs one timestep per `step` call in a fixed, preallocated arena.
///
/// `init` validates the model for this runtime, plans one arena (see `ArenaLayout`) and
/// prepares a flat array of `LayerPlan`s; `step` then only computes: it allocates nothing, takes
/// no lock, makes no syscall and cannot fail. Not thread-safe: one thread steps a network at a
/// time (create one `Network` per stream; they can share the `ModelFile`).
///
/// Example:
///
///     let network = try Network(model: try ModelFile(path: "kws.earshot"))
///     let scores = network.step(frame)      // frame: UnsafePointer<Float>, inputSize floats
public final class Network {
    public let model: ModelFile
    /// Bytes of the arena (state + scratch) planned at init.
    public private(set) var arenaByteCount: Int = 0
    /// Bytes of the arena that hold recurrent state (zeroed by `reset`).
    public let stateByteCount: Int
    public var inputSize: Int { model.description.inputSize }
    public var outputSize: Int { model.description.outputSize }
    /// Number of layers; `stepLayer` takes indices 0..<layerCount.
    public let layerCount: Int
    /// The kernels every layer uses (chosen for this CPU unless given to `init`).
    public let kernels: KernelSet
    /// Bytes of the packed copies of the int8 matrices that `kernels` multiply in their own layout
    /// (made once at init, beside the memory-mapped weights); 0 otherwise.
    public let packedWeightByteCount: Int

    private let arena: UnsafeMutableRawPointer
    private let packedWeights: UnsafeMutableRawPointer?
    private let plans: UnsafeMutablePointer<LayerPlan>
    private let finalOutput: UnsafePointer<Float>
    private let finalOutputCount: Int
    /// The conv2d front stage (layer 0) of a convolutional windowed model, else nil.
    private let convolution: ConvolutionStage?
    /// The first layer `step` runs: 1 after a conv2d front stage, else 0.
    private let firstStepLayer: Int

    /// Whether layer 0 is a conv2d front stage: the network then runs only whole windows
    /// (`runWindow`, used by `WindowedNetwork`), never single frames (`step`).
    public var hasConvolution: Bool { convolution != nil }

    /// Validates `model` for this runtime and plans the arena.
    ///
    /// Checks every layer's sizes and attributes, and each required tensor's presence, shape,
    /// byte count and element type. Matrices may be fp32, fp16 or int8 (with row scales, values
    /// in −127...127), in any mix across layers and roles; vectors are fp32.
    ///
    /// - Parameter kernels: the kernel set to run (default: the fastest this CPU supports;
    ///   benchmarks and tests pass others to compare paths).
    /// - Throws: `RuntimeError.unsupportedWeightType` (a vector not fp32), `.missingScales`,
    ///   `.int8ValueOutOfRange`, `.noLayers`, `.missingTensor`, `.tensorShapeMismatch`,
    ///   `.tensorTooSmall`, `.layerSizeMismatch`, `.invalidLayerSize`, `.invalidLayerAttribute`,
    ///   `.arenaTooLarge`.
    /// Allocates: the arena (one allocation, 64-byte aligned) and the plan array, here only.
    public init(model: ModelFile, kernels: KernelSet = .best) throws(RuntimeError) {
        self.model = model
        self.kernels = kernels
        let description = model.description
        let layers = description.layers
        guard !layers.isEmpty else { throw .noLayers }

        var expectedInput = description.inputSize
        for (index, layer) in layers.enumerated() {
            try Network.validate(layer, index: index, expectedInput: expectedInput)
            expectedInput = layer.outputSize
        }
        // Weights first (may throw), so nothing is allocated for a model we reject.
        var weights: [LayerWeights] = []
        weights.reserveCapacity(layers.count)
        var quantizedBytes = 0
        for (index, layer) in layers.enumerated() {
            let w = try LayerWeights(model: model, layer: layer, index: index)
            quantizedBytes = Swift.max(quantizedBytes, w.quantizedByteCount)
            weights.append(w)
        }
        let layout = try ArenaLayout(description, quantizedByteCount: quantizedBytes)
        var convolutionRowCount = 0
        if layers[0].kind == .conv2d {
            // Validated: a conv2d layer only starts a windowed model whose window fits its kernel.
            guard case let .windowed(frames, _) = description.execution,
                  let geometry = layers[0].convolution, geometry.outputRows(frames: frames) >= 1 else {
                throw .invalidLayerAttribute(layer: 0, attribute: "conv", value: 0)
            }
            convolutionRowCount = geometry.outputRows(frames: frames)
            let (floats, overflow) = convolutionRowCount.multipliedReportingOverflow(by: layers[0].outputSize)
            guard !overflow, floats <= ArenaLayout.byteLimit / 4 else {
                throw .arenaTooLarge(byteCount: overflow ? .max : floats * 4, limit: ArenaLayout.byteLimit)
            }
        }

        let arena = UnsafeMutableRawPointer.allocate(byteCount: layout.byteCount, alignment: ArenaLayout.alignment)
        arena.initializeMemory(as: UInt8.self, repeating: 0, count: layout.byteCount)
        let work = (arena + layout.workOffset).assumingMemoryBound(to: Float.self)
        // One buffer for every int8 operand: each quantizes its vector and uses it within one call.
        let quantized = layout.quantizedOffset < 0
            ? nil : (arena + layout.quantizedOffset).assumingMemoryBound(to: Int8.self)

        // Operands; int8 ones packed into one allocation when the kernels want their own layout.
        var operands: [[MatrixOperand?]] = weights.map { w in
            [w.inputWeights, w.recurrentWeights, w.projection].map { $0?.operand(kernels, quantized) }
        }
        var packedTotal = 0
        for (w, layerOperands) in zip(weights, operands) {
            for (matrix, operand) in zip([w.inputWeights, w.recurrentWeights, w.projection], layerOperands) {
                if let matrix, let operand { packedTotal += operand.packedByteCount(segmentRows: matrix.segmentRows) }
            }
        }
        let packedWeights = packedTotal > 0
            ? UnsafeMutableRawPointer.allocate(byteCount: packedTotal, alignment: ArenaLayout.alignment) : nil
        if let packedWeights {
            var cursor = packedWeights
            for index in operands.indices {
                let matrices = [weights[index].inputWeights, weights[index].recurrentWeights, weights[index].projection]
                for slot in 0..<3 {
                    guard let matrix = matrices[slot], var operand = operands[index][slot] else { continue }
                    let bytes = operand.packedByteCount(segmentRows: matrix.segmentRows)
                    guard bytes > 0 else { continue }
                    operand.pack(into: cursor, segmentRows: matrix.segmentRows)
                    operands[index][slot] = operand
                    cursor += bytes
                }
            }
        }
        let plans = UnsafeMutablePointer<LayerPlan>.allocate(capacity: layers.count)
        var previousOutput: UnsafePointer<Float>? = nil
        var convolution: ConvolutionStage? = nil
        for (index, layer) in layers.enumerated() {
            let slots = layout.layers[index]
            func floats(_ offset: Int) -> UnsafeMutablePointer<Float>? {
                offset < 0 ? nil : (arena + offset).assumingMemoryBound(to: Float.self)
            }
            let hidden = floats(slots.hidden)
            let output = layer.isRecurrent ? hidden! : floats(slots.output)!
            let w = weights[index]
            (plans + index).initialize(to: LayerPlan(
                kind: layer.kind, activation: layer.activation, inputSize: layer.inputSize,
                hiddenSize: layer.hiddenSize, outputSize: layer.outputSize,
                input: previousOutput, output: output,
                inputWeights: operands[index][0], recurrentWeights: operands[index][1],
                projection: operands[index][2], bias: w.bias, recurrentBias: w.recurrentBias,
                peepholes: w.peepholes, hidden: hidden, cell: floats(slots.cell), work: work,
                forgetBias: layer.forgetBias, cellClip: layer.cellClip, gateClip: layer.gateClip,
                projectionClip: layer.projectionClip, resetAfter: layer.resetAfter, kernels: kernels))
            previousOutput = UnsafePointer(output)
            if layer.kind == .conv2d, let geometry = layer.convolution {
                let rowSize = layer.outputSize
                let rows = UnsafeMutablePointer<Float>.allocate(capacity: convolutionRowCount &* rowSize)
                rows.initialize(repeating: 0, count: convolutionRowCount &* rowSize)
                let patch = geometry.kernelTime &* geometry.kernelFeatures
                convolution = ConvolutionStage(
                    geometry: geometry, inputSize: layer.inputSize, channels: layer.hiddenSize,
                    outputFeatures: geometry.outputFeatures(inputSize: layer.inputSize), rowSize: rowSize,
                    maxRows: convolutionRowCount, activation: layer.activation, weights: operands[index][0]!,
                    bias: w.bias!, patch: work, channelValues: work + patch, rows: rows)
                // The next layer reads each conv row, handed to it as the step's frame.
                previousOutput = nil
            }
        }
        self.convolution = convolution
        self.firstStepLayer = convolution == nil ? 0 : 1
        self.arena = arena
        self.packedWeights = packedWeights
        self.packedWeightByteCount = packedTotal
        self.plans = plans
        self.layerCount = layers.count
        self.stateByteCount = layout.stateByteCount
        self.finalOutput = previousOutput!
        self.finalOutputCount = description.outputSize
        self.arenaByteCount = layout.byteCount
    }

    deinit {
        plans.deinitialize(count: layerCount)
        plans.deallocate()
        arena.deallocate()
        packedWeights?.deallocate()
        convolution?.rows.deallocate()
    }

    // MARK: - Streaming

    /// Runs one timestep. `frame` holds `inputSize` floats. The returned buffer (outputSize floats)
    /// lives in the arena and is overwritten by the next call. Precondition: no conv2d layer
    /// (those models run whole windows: `runWindow`, `WindowedNetwork`).
    /// Allocates: never. Locks: none. Syscalls: none.
    public func step(_ frame: UnsafePointer<Float>) -> UnsafeBufferPointer<Float> {
        precondition(firstStepLayer == 0, "a model with a conv2d layer runs whole windows (WindowedNetwork), not single frames")
        return stepRecurrent(frame)
    }

    /// Runs the layers after the front stage on one input vector (a frame, or a conv row).
    /// Allocates: never.
    @inline(__always)
    private func stepRecurrent(_ frame: UnsafePointer<Float>) -> UnsafeBufferPointer<Float> {
        var index = firstStepLayer
        while index < layerCount {
            let plan = plans[index]
            plan.run(plan.input ?? frame)
            index &+= 1
        }
        return UnsafeBufferPointer(start: finalOutput, count: finalOutputCount)
    }

    /// Runs one timestep on a buffer of exactly `inputSize` floats (precondition).
    /// Allocates: never. Locks: none. Syscalls: none.
    public func step(_ frame: UnsafeBufferPointer<Float>) -> UnsafeBufferPointer<Float> {
        precondition(frame.count == inputSize, "frame has \(frame.count) floats, the network takes \(inputSize)")
        return step(frame.baseAddress!)
    }

    /// Runs only layer `index` (0..<layerCount, precondition) of the current timestep, for
    /// profilers that time layers one by one. Calling it for 0, 1, …, layerCount − 1 in order
    /// is exactly `step(frame)`; `output` then holds the result. Layer 0 reads `frame`; the
    /// others read the previous layer's output in the arena and ignore `frame`. With a conv2d
    /// layer 0, `stepLayer(0, …)` does nothing and layer 1 reads `frame` as one conv row
    /// (`layerOutput(0).count` floats, from `convolve`).
    /// Allocates: never.
    public func stepLayer(_ index: Int, frame: UnsafePointer<Float>) {
        precondition(index >= 0 && index < layerCount, "layer index \(index) out of 0..<\(layerCount)")
        let plan = plans[index]
        plan.run(plan.input ?? frame)
    }

    /// The output of layer `index` (0..<layerCount, precondition), in the arena. Valid right
    /// after that layer ran (`stepLayer(index, …)`): recurrent layers keep it as state until their
    /// next run, but dense and softmax outputs share two buffers, so a later layer may overwrite them.
    /// Allocates: never.
    public func layerOutput(_ index: Int) -> UnsafeBufferPointer<Float> {
        precondition(index >= 0 && index < layerCount, "layer index \(index) out of 0..<\(layerCount)")
        let plan = plans[index]
        return UnsafeBufferPointer(start: plan.output, count: plan.outputSize)
    }

    /// The output of the most recent step (outputSize floats, in the arena).
    public var output: UnsafeBufferPointer<Float> {
        UnsafeBufferPointer(start: finalOutput, count: finalOutputCount)
    }

    /// Clears all recurrent state to zero, as at start. Allocates: never.
    public func reset() {
        arena.initializeMemory(as: UInt8.self, repeating: 0, count: stateByteCount)
    }

    // MARK: - Windows

    /// Runs only the conv2d front stage over `count` frames (oldest first) and returns its
    /// output rows (rows × `layerOutput(0).count` floats, row-major; empty when the window is
    /// too short for the kernel, or the model has no conv2d layer). The rows live until the
    /// next `convolve`/`runWindow`; feeding each to `stepLayer(1…, frame:)` in turn is what
    /// `runWindow` does. Allocates: never.
    public func convolve(_ frames: UnsafePointer<Float>, count: Int) -> UnsafeBufferPointer<Float> {
        guard let convolution else { return UnsafeBufferPointer(start: nil, count: 0) }
        let rowCount = convolution.run(frames, count: count)
        return UnsafeBufferPointer(start: convolution.rows, count: rowCount &* convolution.rowSize)
    }

    /// Resets the state and runs a whole window of `count` frames (`count` × inputSize floats,
    /// oldest first): through the conv2d front stage when there is one, then every resulting
    /// row (or every frame) through the other layers. Returns the last step's output; zeros when
    /// the window is too short for the kernel. `count` beyond the model's window is cut to it
    /// (conv models only).
    /// Allocates: never.
    public func runWindow(_ frames: UnsafePointer<Float>, count: Int) -> UnsafeBufferPointer<Float> {
        reset()
        let output = UnsafeMutablePointer(mutating: finalOutput)
        guard let convolution else {
            output.update(repeating: 0, count: finalOutputCount)
            var t = 0
            while t < count {
                _ = stepRecurrent(frames + t &* inputSize)
                t &+= 1
            }
            return self.output
        }
        let rowCount = convolution.run(frames, count: count)
        if rowCount == 0 { output.update(repeating: 0, count: finalOutputCount) }
        var t = 0
        while t < rowCount {
            _ = stepRecurrent(convolution.rows + t &* convolution.rowSize)
            t &+= 1
        }
        return self.output
    }

    // MARK: - Validation

    private static func validate(_ layer: LayerDescription, index: Int, expectedInput: Int) throws(RuntimeError) {
        let sizesValid: Bool
        switch layer.kind {
        case .softmax:
            sizesValid = layer.inputSize > 0 && layer.hiddenSize == layer.inputSize
        case .lstm:
            sizesValid = layer.inputSize > 0 && layer.hiddenSize > 0 && layer.projectionSize >= 0
        case .dense, .gru, .rnn:
            sizesValid = layer.inputSize > 0 && layer.hiddenSize > 0 && layer.projectionSize == 0
        case .conv2d:
            sizesValid = index == 0 && layer.inputSize > 0 && layer.hiddenSize > 0 && layer.convolution != nil
                && layer.outputSize > 0
        }
        guard sizesValid else {
            throw .invalidLayerSize(
                layer: index, inputSize: layer.inputSize, hiddenSize: layer.hiddenSize,
                projectionSize: layer.projectionSize)
        }
        guard layer.inputSize == expectedInput else {
            throw .layerSizeMismatch(layer: index, inputSize: layer.inputSize, expected: expectedInput)
        }
        let attributes: [(String, Float, Bool)] = [
            ("forget_bias", layer.forgetBias, false),
            ("cell_clip", layer.cellClip, true),
            ("gate_clip", layer.gateClip, true),
            ("projection_clip", layer.projectionClip, true),
        ]
        for (name, value, isClip) in attributes where !value.isFinite || (isClip && value < 0) {
            throw .invalidLayerAttribute(layer: index, attribute: name, value: value)
        }
    }
}

/// A validated weight matrix, before the arena exists: its type, shape, data and scales.
private struct MatrixWeights {
    var type: MatrixElementType
    var rows: Int
    var columns: Int
    var data: UnsafeRawPointer
    var scales: UnsafePointer<Float>?
    /// Rows per packed segment: the rows `multiply` is asked for at once (GRU's recurrent matrix
    /// is multiplied as its z·r rows and then its candidate rows, so it packs per gate block).
    var segmentRows: Int

    func operand(_ kernels: KernelSet, _ quantized: UnsafeMutablePointer<Int8>?) -> MatrixOperand {
        MatrixOperand(
            elementType: type, rows: rows, columns: columns, data: data, scales: scales, kernels: kernels,
            quantizedVector: type == .int8 ? quantized : nil)
    }
}

/// A layer's weight tensors, validated against `requiredTensors`.
private struct LayerWeights {
    var inputWeights: MatrixWeights?
    var recurrentWeights: MatrixWeights?
    var projection: MatrixWeights?
    var bias: UnsafePointer<Float>?
    var recurrentBias: UnsafePointer<Float>?
    var peepholes: UnsafePointer<Float>?
    /// Bytes of quantization buffer the int8 matrices need (0 when none is int8).
    var quantizedByteCount = 0

    init(model: ModelFile, layer: LayerDescription, index: Int) throws(RuntimeError) {
        for (role, shape) in layer.requiredTensors {
            let name = role.tensorName(layer: index)
            guard let tensor = model.tensor(layer: index, role: role) else {
                throw .missingTensor(layer: index, tensor: name)
            }
            guard tensor.shape == shape else {
                throw .tensorShapeMismatch(layer: index, tensor: name, expected: shape, found: tensor.shape)
            }
            let allowed: Bool
            switch tensor.type {
            case .float32: allowed = true
            case .float16, .int8: allowed = role.isMatrix
            }
            guard allowed else {
                throw .unsupportedWeightType(layer: index, tensor: name, type: tensor.type)
            }
            var needed = tensor.type.byteSize
            for dimension in shape {
                let (product, overflow) = needed.multipliedReportingOverflow(by: dimension)
                needed = overflow ? .max : product
            }
            guard tensor.byteCount >= needed else {
                throw .tensorTooSmall(layer: index, tensor: name, byteCount: tensor.byteCount, needed: needed)
            }
            let floats = tensor.data.assumingMemoryBound(to: Float.self)
            switch role {
            case .inputWeights: inputWeights = try Self.matrix(tensor, layer: index)
            case .recurrentWeights:
                recurrentWeights = try Self.matrix(tensor, layer: index)
                if layer.kind == .gru { recurrentWeights?.segmentRows = layer.hiddenSize }
            case .projection: projection = try Self.matrix(tensor, layer: index)
            case .bias, .inputBias: bias = floats
            case .recurrentBias: recurrentBias = floats
            case .peepholes: peepholes = floats
            }
            if role.isMatrix && tensor.type == .int8 {
                quantizedByteCount = Swift.max(quantizedByteCount, MatrixOperand.quantizedByteCount(columns: shape[1]))
            }
        }
    }

    /// The matrix of `tensor`; int8 needs its row scales and values in −127...127 (the kernels'
    /// sign trick and exact sums assume the symmetric range; −128 is refused here, once).
    private static func matrix(_ tensor: TensorView, layer: Int) throws(RuntimeError) -> MatrixWeights {
        let rows = tensor.shape[0], columns = tensor.shape[1]
        let type: MatrixElementType
        switch tensor.type {
        case .float32: type = .float32
        case .float16: type = .float16
        case .int8:
            type = .int8
            guard tensor.scales != nil else { throw .missingScales(layer: layer, tensor: tensor.name) }
            let values = tensor.data.assumingMemoryBound(to: Int8.self)
            var i = 0
            let count = rows &* columns
            while i < count {
                if values[i] == .min {
                    throw .int8ValueOutOfRange(layer: layer, tensor: tensor.name, row: i / columns, column: i % columns)
                }
                i &+= 1
            }
        }
        return MatrixWeights(
            type: type, rows: rows, columns: columns, data: tensor.data, scales: tensor.scales, segmentRows: rows)
    }
}
