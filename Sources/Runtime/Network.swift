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

    /// Bidirectional/attention models: the layers run window by window, else nil.
    private let sequence: SequenceStage?
    /// The reverse plans (a copy of the forward plan for other layers) and per-layer direction flags.
    private let reversePlans: UnsafeMutablePointer<LayerPlan>
    private let bidirectionalFlags: UnsafeMutablePointer<UInt8>
    /// The window buffers of a sequence model (two [rows, width] buffers, scores, prediction), nil otherwise.
    private let sequenceStorage: UnsafeMutablePointer<Float>?

    /// Whether layer 0 is a conv2d front stage: the network then runs only whole windows
    /// (`runWindow`, used by `WindowedNetwork`), never single frames (`step`).
    public var hasConvolution: Bool { convolution != nil }

    /// Whether the network runs only whole windows (`runWindow`, `WindowedNetwork`), never single
    /// frames (`step`): a conv2d front stage, a bidirectional layer or attention pooling.
    public var runsWholeWindows: Bool { convolution != nil || sequence != nil }

    /// Whether some layer is bidirectional or attention pooling (the window runs layer by layer).
    public var isSequenceModel: Bool { sequence != nil }

    /// Floats of layer 0's forward output that `advanceCarried` produces per frame: nonzero for a
    /// sequence model (no conv2d) whose layer 0 is recurrent. Its forward direction then advances
    /// once per frame with its state carried along the stream (`WindowedNetwork` keeps the last W
    /// outputs); each window re-runs only the reverse direction and the layers after it.
    public let carriedWidth: Int

    /// Bytes of the window buffers of a sequence model (two [rows, width] buffers, scores,
    /// prediction), allocated at init; 0 otherwise.
    public let sequenceByteCount: Int

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
            let w = try LayerWeights(model: model, layer: layer, index: index, reverse: false)
            quantizedBytes = Swift.max(quantizedBytes, w.quantizedByteCount)
            weights.append(w)
        }
        // Reverse directions of bidirectional layers, after all forward ones.
        var reverseIndex = [Int](repeating: -1, count: layers.count)
        for (index, layer) in layers.enumerated() where layer.isBidirectional {
            let w = try LayerWeights(model: model, layer: layer, index: index, reverse: true)
            quantizedBytes = Swift.max(quantizedBytes, w.quantizedByteCount)
            reverseIndex[index] = weights.count
            weights.append(w)
        }
        let isSequence = layers.contains { $0.needsWholeWindow }
        var sequenceRows = 0
        if isSequence {
            guard case let .windowed(frames, _) = description.execution else {
                throw .invalidLayerAttribute(layer: layers.firstIndex { $0.needsWholeWindow }!, attribute: "direction", value: 0)
            }
            sequenceRows = layers[0].kind == .conv2d ? layers[0].convolution!.outputRows(frames: frames) : frames
        }
        // The window buffers of a sequence model: two [rows, width] buffers (a bidirectional layer
        // writes both halves before merging them), the scores and the prediction; checked here,
        // before anything is allocated, against the arena's limit.
        var sequenceWidth = 1
        var lastSequenceLayer = 0
        var sequenceFloats = 0
        if isSequence {
            let first = layers[0].kind == .conv2d ? 1 : 0
            lastSequenceLayer = first
            for index in first..<layers.count {
                let layer = layers[index]
                let written = layer.isBidirectional ? 2 &* layer.directionOutputSize : layer.outputSize
                sequenceWidth = Swift.max(sequenceWidth, written)
                if layer.isRecurrent || layer.kind == .attention { lastSequenceLayer = index }
            }
            let (buffer, overflow1) = sequenceRows.multipliedReportingOverflow(by: sequenceWidth)
            let (both, overflow2) = buffer.multipliedReportingOverflow(by: 2)
            let (total, overflow3) = both.addingReportingOverflow(sequenceRows &+ description.outputSize)
            guard !overflow1, !overflow2, !overflow3, total <= ArenaLayout.byteLimit / 4 else {
                let bytes = overflow1 || overflow2 || overflow3 ? Int.max : total &* 4
                throw .arenaTooLarge(byteCount: bytes, limit: ArenaLayout.byteLimit)
            }
            sequenceFloats = total
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
        let reversePlans = UnsafeMutablePointer<LayerPlan>.allocate(capacity: layers.count)
        let bidirectionalFlags = UnsafeMutablePointer<UInt8>.allocate(capacity: layers.count)
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
                hiddenSize: layer.hiddenSize, outputSize: layer.directionOutputSize,
                input: previousOutput, output: output,
                inputWeights: operands[index][0], recurrentWeights: operands[index][1],
                projection: operands[index][2], bias: w.bias, recurrentBias: w.recurrentBias,
                peepholes: w.peepholes, attentionVector: w.attentionVector, hidden: hidden, cell: floats(slots.cell),
                work: work, forgetBias: layer.forgetBias, cellClip: layer.cellClip, gateClip: layer.gateClip,
                projectionClip: layer.projectionClip, resetAfter: layer.resetAfter, kernels: kernels))
            let mergeCodes: [DirectionMerge: UInt8] = [.concat: 1, .sum: 2, .mul: 3, .ave: 4]
            let finalFlag = layer.finalStatesOnly ? SequenceStage.finalStates : 0
            (bidirectionalFlags + index).initialize(to: layer.isBidirectional ? mergeCodes[layer.merge]! | finalFlag : 0)
            if layer.isBidirectional {
                let r = weights[reverseIndex[index]]
                let reverseHidden = floats(slots.reverseHidden)!
                var plan = plans[index]
                plan.inputWeights = operands[reverseIndex[index]][0]
                plan.recurrentWeights = operands[reverseIndex[index]][1]
                plan.projection = operands[reverseIndex[index]][2]
                plan.bias = r.bias
                plan.recurrentBias = r.recurrentBias
                plan.peepholes = r.peepholes
                plan.hidden = reverseHidden
                plan.output = reverseHidden
                plan.cell = floats(slots.reverseCell)
                (reversePlans + index).initialize(to: plan)
            } else {
                (reversePlans + index).initialize(to: plans[index])
            }
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
        self.reversePlans = reversePlans
        self.bidirectionalFlags = bidirectionalFlags
        if isSequence {
            let first = convolution == nil ? 0 : 1
            let width = sequenceWidth
            let outputSize = description.outputSize
            let count = sequenceFloats
            let storage = UnsafeMutablePointer<Float>.allocate(capacity: count)
            storage.initialize(repeating: 0, count: count)
            let buffer = sequenceRows &* width
            let stage = SequenceStage(
                plans: plans, reversePlans: reversePlans, directions: bidirectionalFlags, firstLayer: first,
                layerCount: layers.count, lastSequenceLayer: lastSequenceLayer, maxRows: sequenceRows, width: width,
                bufferA: storage, bufferB: storage + buffer, scores: storage + 2 &* buffer,
                result: storage + (2 &* buffer &+ sequenceRows), outputSize: outputSize)
            self.sequence = stage
            self.sequenceStorage = storage
            self.sequenceByteCount = count &* 4
            self.carriedWidth = first == 0 && layers[0].isRecurrent ? layers[0].directionOutputSize : 0
            previousOutput = UnsafePointer(stage.result)
        } else {
            self.sequence = nil
            self.sequenceStorage = nil
            self.sequenceByteCount = 0
            self.carriedWidth = 0
        }
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
        reversePlans.deinitialize(count: layerCount)
        reversePlans.deallocate()
        bidirectionalFlags.deinitialize(count: layerCount)
        bidirectionalFlags.deallocate()
        sequenceStorage?.deallocate()
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
        precondition(!runsWholeWindows, "a model with a conv2d, bidirectional or attention layer runs whole windows (WindowedNetwork), not single frames")
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
    /// (`layerOutput(0).count` floats, from `convolve`). Precondition: not a sequence model
    /// (`isSequenceModel`: those run layer by layer over whole windows).
    /// Allocates: never.
    public func stepLayer(_ index: Int, frame: UnsafePointer<Float>) {
        precondition(index >= 0 && index < layerCount, "layer index \(index) out of 0..<\(layerCount)")
        precondition(sequence == nil, "a bidirectional/attention model runs layer by layer over whole windows (runWindow), not step by step")
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
    /// (conv models: the first rows; sequence models without conv2d: the newest frames). A
    /// sequence model (bidirectional/attention) runs layer by layer over the window, every
    /// direction from zero state (`SequenceStage`).
    /// Allocates: never.
    public func runWindow(_ frames: UnsafePointer<Float>, count: Int) -> UnsafeBufferPointer<Float> {
        runWindow(frames, count: count, carried: nil)
    }

    /// Advances layer 0's forward direction by one frame (state carried from the previous call)
    /// and copies its output (`carriedWidth` floats) to `output`. Precondition: carriedWidth > 0.
    /// Allocates: never.
    public func advanceCarried(_ frame: UnsafePointer<Float>, into output: UnsafeMutablePointer<Float>) {
        precondition(carriedWidth > 0, "the model has no carried first layer")
        let plan = plans[0]
        plan.run(frame)
        output.update(from: plan.output, count: carriedWidth)
    }

    /// `runWindow` for a sequence model whose layer 0's forward outputs for these frames were
    /// computed already (`advanceCarried`; `count` × `carriedWidth` floats, oldest first, or nil
    /// to compute them from zero state, which also zeroes the carried state). Without conv2d,
    /// `count` beyond the window keeps the newest frames. With `carried`, the carried state is
    /// left as it is (`reset` clears it).
    /// Allocates: never.
    public func runWindow(
        _ frames: UnsafePointer<Float>, count: Int, carried: UnsafePointer<Float>?
    ) -> UnsafeBufferPointer<Float> {
        if let sequence {
            if let convolution {
                let rowCount = convolution.run(frames, count: count)
                sequence.run(convolution.rows, inputStride: convolution.rowSize, rows: rowCount, carried: nil)
            } else {
                let rows = Swift.min(count, sequence.maxRows)
                let skipped = count &- rows
                sequence.run(frames + skipped &* inputSize, inputStride: inputSize, rows: rows,
                             carried: carried.map { $0 + skipped &* carriedWidth })
            }
            return self.output
        }
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
        case .dense, .gru, .rnn, .attention:
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
    var attentionVector: UnsafePointer<Float>?
    /// Bytes of quantization buffer the int8 matrices need (0 when none is int8).
    var quantizedByteCount = 0

    /// The tensors of one direction: the forward roles, or (`reverse`) the `reverse_*` ones.
    init(model: ModelFile, layer: LayerDescription, index: Int, reverse: Bool) throws(RuntimeError) {
        for (role, shape) in layer.requiredTensors where role.isReverse == reverse {
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
            switch role.reverseOf ?? role {
            case .inputWeights: inputWeights = try Self.matrix(tensor, layer: index)
            case .recurrentWeights:
                recurrentWeights = try Self.matrix(tensor, layer: index)
                if layer.kind == .gru { recurrentWeights?.segmentRows = layer.hiddenSize }
            case .projection: projection = try Self.matrix(tensor, layer: index)
            case .bias, .inputBias: bias = floats
            case .recurrentBias: recurrentBias = floats
            case .peepholes: peepholes = floats
            case .attentionVector: attentionVector = floats
            default: break  // reverse roles were mapped to their forward twins above
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
