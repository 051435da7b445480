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
    /// Bytes of the arena planned at init: state, scratch, and the conv2d rows and window buffers
    /// of whole-window models (see `ArenaLayout`).
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
    /// prediction), part of the arena (`arenaByteCount`); 0 otherwise.
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
    /// Allocates: the arena (one allocation, 64-byte aligned, every buffer `step` and `runWindow`
    /// use), the packed int8 weights when `kernels` want them, and the plan arrays; here only.
    public init(model: ModelFile, kernels: KernelSet = .best) throws(RuntimeError) {
        self.model = model
        self.kernels = kernels
        let description = model.description
        let layers = description.layers
        guard !layers.isEmpty else { throw .noLayers }

        // Prepare: every layer by its kind's `prepare`, the weights, the window buffers and the
        // arena plan, all checked before anything is allocated for a model we reject.
        var workFloats = 0
        var expectedInput = description.inputSize
        for (index, layer) in layers.enumerated() {
            let needed = try LayerPlan.prepare(layer, index: index, expectedInput: expectedInput)
            workFloats = Swift.max(workFloats, needed)
            expectedInput = layer.outputSize
        }
        let weights = try NetworkWeights(model: model)
        let sequenceShape = try SequenceStage.Shape(description)
        let convolutionRows = try ConvolutionStage.rowCount(description)
        let layout = try ArenaLayout(
            description, workFloatCount: workFloats, quantizedByteCount: weights.quantizedByteCount,
            convolutionFloatCount: convolutionRows &* layers[0].outputSize,
            sequenceFloatCount: sequenceShape?.floatCount ?? 0)

        // Allocate: the arena once, the packed int8 weights (when the kernels want their own
        // layout) and the plans; then only pointers into them.
        let arena = UnsafeMutableRawPointer.allocate(byteCount: layout.byteCount, alignment: ArenaLayout.alignment)
        arena.initializeMemory(as: UInt8.self, repeating: 0, count: layout.byteCount)
        func floats(_ offset: Int) -> UnsafeMutablePointer<Float>? {
            offset < 0 ? nil : (arena + offset).assumingMemoryBound(to: Float.self)
        }
        // One buffer for every int8 operand: each quantizes its vector and uses it within one call.
        let quantized = layout.quantizedOffset < 0
            ? nil : (arena + layout.quantizedOffset).assumingMemoryBound(to: Int8.self)
        let (operands, packedWeights, packedTotal) = weights.operands(kernels: kernels, quantized: quantized)
        let work = floats(layout.workOffset)!

        let plans = UnsafeMutablePointer<LayerPlan>.allocate(capacity: layers.count)
        let reversePlans = UnsafeMutablePointer<LayerPlan>.allocate(capacity: layers.count)
        let bidirectionalFlags = UnsafeMutablePointer<UInt8>.allocate(capacity: layers.count)
        var previousOutput: UnsafePointer<Float>? = nil
        for (index, layer) in layers.enumerated() {
            let slots = layout.layers[index]
            let hidden = floats(slots.hidden)
            let output = layer.isRecurrent ? hidden! : floats(slots.output)!
            let w = weights.directions[index]
            let plan = LayerPlan(
                kind: layer.kind, activation: layer.activation, inputSize: layer.inputSize,
                hiddenSize: layer.hiddenSize, outputSize: layer.directionOutputSize,
                input: previousOutput, output: output,
                inputWeights: operands[index][0], recurrentWeights: operands[index][1],
                projection: operands[index][2], bias: w.bias, recurrentBias: w.recurrentBias,
                peepholes: w.peepholes, attentionVector: w.attentionVector, hidden: hidden, cell: floats(slots.cell),
                work: work, forgetBias: layer.forgetBias, cellClip: layer.cellClip, gateClip: layer.gateClip,
                projectionClip: layer.projectionClip, resetAfter: layer.resetAfter, kernels: kernels)
            (plans + index).initialize(to: plan)
            (bidirectionalFlags + index).initialize(to: SequenceStage.directionFlags(layer))
            var reverse = plan
            let r = weights.reverseIndex[index]
            if r >= 0 {
                let reverseHidden = floats(slots.reverseHidden)!
                reverse.inputWeights = operands[r][0]
                reverse.recurrentWeights = operands[r][1]
                reverse.projection = operands[r][2]
                reverse.bias = weights.directions[r].bias
                reverse.recurrentBias = weights.directions[r].recurrentBias
                reverse.peepholes = weights.directions[r].peepholes
                reverse.hidden = reverseHidden
                reverse.output = reverseHidden
                reverse.cell = floats(slots.reverseCell)
            }
            (reversePlans + index).initialize(to: reverse)
            // After a conv2d front stage the next layer reads each conv row, handed to it as the step's frame.
            previousOutput = layer.kind == .conv2d ? nil : UnsafePointer(output)
        }
        let convolution = convolutionRows > 0
            ? ConvolutionStage(
                layers[0], weights: operands[0][0]!, bias: weights.directions[0].bias!, maxRows: convolutionRows,
                work: work, rows: floats(layout.convolutionRowsOffset)!)
            : nil
        self.convolution = convolution
        self.firstStepLayer = convolution == nil ? 0 : 1
        self.reversePlans = reversePlans
        self.bidirectionalFlags = bidirectionalFlags
        if let sequenceShape {
            let first = convolution == nil ? 0 : 1
            let stage = SequenceStage(
                sequenceShape, plans: plans, reversePlans: reversePlans, directions: bidirectionalFlags,
                firstLayer: first, layerCount: layers.count, outputSize: description.outputSize,
                storage: floats(layout.sequenceOffset)!)
            self.sequence = stage
            self.sequenceByteCount = sequenceShape.floatCount &* 4
            self.carriedWidth = first == 0 && layers[0].isRecurrent ? layers[0].directionOutputSize : 0
            previousOutput = UnsafePointer(stage.result)
        } else {
            self.sequence = nil
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
        arena.deallocate()
        packedWeights?.deallocate()
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

    /// Whether the `byteCount` bytes at `pointer` lie inside the arena (tests check with it that
    /// every buffer the network runs on was planned there).
    package func arenaContains(_ pointer: UnsafeRawPointer, byteCount: Int) -> Bool {
        let start = UnsafeRawPointer(arena)
        return pointer >= start && byteCount >= 0 && pointer + byteCount <= start + arenaByteCount
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
                // `if let`, not Optional.map: a debug build would instantiate the closure's generic
                // metadata (allocating) on the first window.
                var carriedRows: UnsafePointer<Float>? = nil
                if let carried { carriedRows = carried + skipped &* carriedWidth }
                sequence.run(frames + skipped &* inputSize, inputStride: inputSize, rows: rows, carried: carriedRows)
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
}
