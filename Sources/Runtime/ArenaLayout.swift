import Model

/// Where every buffer of a network lives inside its single arena allocation.
///
///     arena base (64-byte aligned)                                   base + byteCount
///     │                                                                            │
///     ▼                                                                            ▼
///     ┌──────────────── state (persistent) ────────────────┬──────────────── scratch (per step / per window) ────────────────┐
///     │ h₀ │ c₀ │ h₁ │ h₂ │ c₂ │ …                           │ work │ activation A │ activation B │ q  │ conv rows │ window │
///     └────┴────┴────┴────┴────┴─────────────────────────────┴──────┴──────────────┴──────────────┴────┴───────────┴────────┘
///      recurrent layers in order: h (outputSize floats),     work: max over layers of the scratch their
///      then c (H floats, LSTM only); bidirectional layers    `prepare` asked for (LSTM 4H [+H], GRU 4H, RNN H,
///      then the reverse h and c                              attention A, conv2d kT·kF + C)
///      reset() zeroes this region only                       A/B: ping-pong outputs of dense and
///                                                            softmax layers (max of their sizes)
///                                                            q: int8 models only, the vector being
///                                                            multiplied, quantized (bytes: widest
///                                                            int8 matrix, rounded up to 32)
///                                                            conv rows: conv2d models only, T' × F'·C
///                                                            floats (`ConvolutionStage.rows`)
///                                                            window: sequence models only, the
///                                                            `SequenceStage.Shape` buffers
///
/// State grows from the start, scratch follows it; every slice starts on a 64-byte boundary
/// (sizes rounded up to 16 floats), so kernels see cache-line-aligned vectors and no two
/// buffers share a line. Recurrent layers output straight into their h, so the next layer reads
/// the state; dense/softmax layers alternate between A and B so a layer never overwrites its input.
struct ArenaLayout {
    /// Byte offsets and float counts of each layer's buffers; -1 where a layer has none.
    struct LayerSlots {
        var hidden = -1
        var cell = -1
        /// The reverse direction's h and c (bidirectional layers only).
        var reverseHidden = -1
        var reverseCell = -1
        /// Output buffer offset for non-recurrent layers (A or B).
        var output = -1
    }

    static let alignment = 64
    /// The largest arena `Network` agrees to plan.
    static let byteLimit = 1 << 30

    var layers: [LayerSlots]
    var stateByteCount: Int
    var workOffset: Int
    /// Offset of the quantized-vector buffer, -1 when no matrix is int8.
    var quantizedOffset: Int
    /// Offset of the conv2d stage's output rows, -1 without a conv2d layer.
    var convolutionRowsOffset: Int
    /// Offset of a sequence model's window buffers, -1 otherwise.
    var sequenceOffset: Int
    var byteCount: Int

    /// Plans the arena for `description`'s layers (prepared: sizes validated as positive).
    /// `workFloatCount`: the most scratch any layer's `prepare` asked for;
    /// `quantizedByteCount`: bytes of the int8 quantization buffer, 0 when no matrix is int8;
    /// `convolutionFloatCount`, `sequenceFloatCount`: the conv2d rows and the window buffers, 0 when none.
    init(
        _ description: ModelDescription, workFloatCount: Int, quantizedByteCount: Int = 0,
        convolutionFloatCount: Int = 0, sequenceFloatCount: Int = 0
    ) throws(RuntimeError) {
        var offset = 0
        var slots = [LayerSlots](repeating: LayerSlots(), count: description.layers.count)
        func take(_ floats: Int, elementSize: Int = 4) throws(RuntimeError) -> Int {
            let (bytes, overflow1) = floats.multipliedReportingOverflow(by: elementSize)
            let (padded, overflow2) = bytes.addingReportingOverflow(ArenaLayout.alignment - 1)
            guard !overflow1, !overflow2 else { throw .arenaTooLarge(byteCount: .max, limit: ArenaLayout.byteLimit) }
            let start = offset
            offset = start &+ (padded & ~(ArenaLayout.alignment - 1))
            guard offset <= ArenaLayout.byteLimit else {
                throw .arenaTooLarge(byteCount: offset, limit: ArenaLayout.byteLimit)
            }
            return start
        }
        for (index, layer) in description.layers.enumerated() where layer.isRecurrent {
            slots[index].hidden = try take(layer.directionOutputSize)
            if layer.kind == .lstm { slots[index].cell = try take(layer.hiddenSize) }
            if layer.isBidirectional {
                slots[index].reverseHidden = try take(layer.directionOutputSize)
                if layer.kind == .lstm { slots[index].reverseCell = try take(layer.hiddenSize) }
            }
        }
        stateByteCount = offset
        var activation = 0
        for layer in description.layers where !layer.isRecurrent {
            activation = Swift.max(activation, layer.outputSize)
        }
        workOffset = try take(workFloatCount)
        if activation > 0 {
            let buffers = [try take(activation), try take(activation)]
            var current = -1  // which of A/B holds the current input, -1 for frame or state
            for (index, layer) in description.layers.enumerated() {
                if layer.isRecurrent {
                    current = -1
                } else {
                    let next = current == 0 ? 1 : 0
                    slots[index].output = buffers[next]
                    current = next
                }
            }
        }
        quantizedOffset = quantizedByteCount > 0 ? try take(quantizedByteCount, elementSize: 1) : -1
        convolutionRowsOffset = convolutionFloatCount > 0 ? try take(convolutionFloatCount) : -1
        sequenceOffset = sequenceFloatCount > 0 ? try take(sequenceFloatCount) : -1
        // Never zero bytes, so the allocation and its pointers are always valid.
        byteCount = Swift.max(offset, ArenaLayout.alignment)
        layers = slots
    }
}
