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

    private let arena: UnsafeMutableRawPointer
    private let plans: UnsafeMutablePointer<LayerPlan>
    private let finalOutput: UnsafePointer<Float>
    private let finalOutputCount: Int

    /// Validates `model` for this runtime and plans the arena.
    ///
    /// Checks every layer's sizes and attributes, and each required tensor's presence, shape,
    /// byte count and element type.
    /// - Throws: `RuntimeError.unsupportedWeightType` for fp16/int8 weights (fp32 only for now),
    ///   `.noLayers`, `.missingTensor`, `.tensorShapeMismatch`, `.tensorTooSmall`,
    ///   `.layerSizeMismatch`, `.invalidLayerSize`, `.invalidLayerAttribute`, `.arenaTooLarge`.
    /// Allocates: the arena (one allocation, 64-byte aligned) and the plan array, here only.
    public init(model: ModelFile) throws(RuntimeError) {
        self.model = model
        let description = model.description
        let layers = description.layers
        guard !layers.isEmpty else { throw .noLayers }

        var expectedInput = description.inputSize
        for (index, layer) in layers.enumerated() {
            try Network.validate(layer, index: index, expectedInput: expectedInput)
            expectedInput = layer.outputSize
        }
        let layout = try ArenaLayout(description)

        // Weights first (may throw), so nothing is allocated for a model we reject.
        var weights: [LayerWeights] = []
        weights.reserveCapacity(layers.count)
        for (index, layer) in layers.enumerated() {
            weights.append(try LayerWeights(model: model, layer: layer, index: index))
        }

        let arena = UnsafeMutableRawPointer.allocate(byteCount: layout.byteCount, alignment: ArenaLayout.alignment)
        arena.initializeMemory(as: UInt8.self, repeating: 0, count: layout.byteCount)
        let work = (arena + layout.workOffset).assumingMemoryBound(to: Float.self)
        let plans = UnsafeMutablePointer<LayerPlan>.allocate(capacity: layers.count)
        var previousOutput: UnsafePointer<Float>? = nil
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
                inputWeights: w.inputWeights, recurrentWeights: w.recurrentWeights,
                projection: w.projection, bias: w.bias, recurrentBias: w.recurrentBias,
                peepholes: w.peepholes, hidden: hidden, cell: floats(slots.cell), work: work,
                forgetBias: layer.forgetBias, cellClip: layer.cellClip, gateClip: layer.gateClip,
                projectionClip: layer.projectionClip, resetAfter: layer.resetAfter))
            previousOutput = UnsafePointer(output)
        }
        self.arena = arena
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
    }

    // MARK: - Streaming

    /// Runs one timestep. `frame` holds `inputSize` floats. The returned buffer (outputSize floats)
    /// lives in the arena and is overwritten by the next call.
    /// Allocates: never. Locks: none. Syscalls: none.
    public func step(_ frame: UnsafePointer<Float>) -> UnsafeBufferPointer<Float> {
        var index = 0
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
    /// others read the previous layer's output in the arena and ignore `frame`.
    /// Allocates: never.
    public func stepLayer(_ index: Int, frame: UnsafePointer<Float>) {
        precondition(index >= 0 && index < layerCount, "layer index \(index) out of 0..<\(layerCount)")
        let plan = plans[index]
        plan.run(plan.input ?? frame)
    }

    /// The output of the most recent step (outputSize floats, in the arena).
    public var output: UnsafeBufferPointer<Float> {
        UnsafeBufferPointer(start: finalOutput, count: finalOutputCount)
    }

    /// Clears all recurrent state to zero, as at start. Allocates: never.
    public func reset() {
        arena.initializeMemory(as: UInt8.self, repeating: 0, count: stateByteCount)
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

/// A layer's weight tensors as kernel operands, validated against `requiredTensors`.
private struct LayerWeights {
    var inputWeights: MatrixOperand?
    var recurrentWeights: MatrixOperand?
    var projection: MatrixOperand?
    var bias: UnsafePointer<Float>?
    var recurrentBias: UnsafePointer<Float>?
    var peepholes: UnsafePointer<Float>?

    init(model: ModelFile, layer: LayerDescription, index: Int) throws(RuntimeError) {
        for (role, shape) in layer.requiredTensors {
            let name = role.tensorName(layer: index)
            guard let tensor = model.tensor(layer: index, role: role) else {
                throw .missingTensor(layer: index, tensor: name)
            }
            guard tensor.shape == shape else {
                throw .tensorShapeMismatch(layer: index, tensor: name, expected: shape, found: tensor.shape)
            }
            guard tensor.type == .float32 else {
                throw .unsupportedWeightType(layer: index, tensor: name, type: tensor.type)
            }
            var needed = 4
            for dimension in shape {
                let (product, overflow) = needed.multipliedReportingOverflow(by: dimension)
                needed = overflow ? .max : product
            }
            guard tensor.byteCount >= needed else {
                throw .tensorTooSmall(layer: index, tensor: name, byteCount: tensor.byteCount, needed: needed)
            }
            let floats = tensor.data.assumingMemoryBound(to: Float.self)
            switch role {
            case .inputWeights: inputWeights = Self.operand(tensor)
            case .recurrentWeights: recurrentWeights = Self.operand(tensor)
            case .projection: projection = Self.operand(tensor)
            case .bias, .inputBias: bias = floats
            case .recurrentBias: recurrentBias = floats
            case .peepholes: peepholes = floats
            }
        }
    }

    private static func operand(_ tensor: TensorView) -> MatrixOperand {
        MatrixOperand(elementType: .float32, rows: tensor.shape[0], columns: tensor.shape[1], data: tensor.data)
    }
}
