import Kernels
import Model

/// Runs the layers of a model that needs whole windows (a bidirectional recurrent layer or
/// attention pooling) layer by layer over the rows of one window, instead of step by step.
///
/// Each layer reads a [rows, width] sequence and writes the next one into the other of two
/// ping-pong buffers:
/// - a forward recurrent layer runs its plan over rows 0…T−1 from zero state;
/// - a bidirectional one then runs its reverse plan over rows T−1…0 from zero state, and row t
///   holds [forward h_t, reverse h_t] (ONNX's Y [T, 2, 1, H] transposed and flattened), or their
///   sum, product or mean (Keras merge modes) in its first H floats;
/// - attention pooling turns the T rows into one (softmax-weighted sum);
/// - dense and softmax layers run on every row, or only on the last row once no later layer
///   needs the others (the model's prediction is the last row of the last layer).
/// The first recurrent layer's forward pass may instead be *carried*: its rows come from
/// `carried` (the outputs a `WindowedNetwork` kept while advancing it one frame at a time).
///
/// A trivial value prepared by `Network.init`; running it cannot fail or allocate.
struct SequenceStage {
    /// Forward plans (every layer) and reverse plans (bidirectional layers; a copy of the forward
    /// plan elsewhere, never run).
    var plans: UnsafePointer<LayerPlan>
    var reversePlans: UnsafePointer<LayerPlan>
    /// Per layer: 0 forward only; bidirectional with merge 1 concat, 2 sum, 3 mul, 4 ave, plus
    /// `finalStates` (8) when it emits only [forward h_{T−1}, reverse h_0].
    var directions: UnsafePointer<UInt8>
    static let finalStates: UInt8 = 8
    /// The first layer this stage runs (1 after a conv2d front stage, else 0).
    var firstLayer: Int
    var layerCount: Int
    /// Layers after this index only need the last row.
    var lastSequenceLayer: Int
    /// The most rows a window holds.
    var maxRows: Int
    /// Floats per row in the ping-pong buffers (the widest layer output).
    var width: Int
    var bufferA: UnsafeMutablePointer<Float>
    var bufferB: UnsafeMutablePointer<Float>
    /// maxRows floats: attention scores.
    var scores: UnsafeMutablePointer<Float>
    /// outputSize floats: the window's prediction.
    var result: UnsafeMutablePointer<Float>
    var outputSize: Int

    // MARK: - Prepare

    /// The window buffers of a sequence model, sized once: two [rows, width] ping-pong buffers (a
    /// bidirectional layer writes both halves before merging them), the scores and the prediction.
    struct Shape {
        /// Rows per window: the window's frames, or the conv2d front stage's output rows.
        var rows: Int
        /// Floats per row: the widest output a layer writes (both directions when bidirectional).
        var width: Int
        /// Layers after this index only need the last row.
        var lastSequenceLayer: Int
        /// Floats of all four buffers: 2·rows·width + rows + outputSize.
        var floatCount: Int

        /// The shape for `description` (layers prepared), or nil when no layer needs whole windows.
        /// - Throws: `RuntimeError.invalidLayerAttribute` when such a model is not windowed;
        ///   `.arenaTooLarge` when the buffers pass the arena limit.
        init?(_ description: ModelDescription) throws(RuntimeError) {
            let layers = description.layers
            guard let needing = layers.firstIndex(where: { $0.needsWholeWindow }) else { return nil }
            guard case let .windowed(frames, _) = description.execution else {
                throw .invalidLayerAttribute(layer: needing, attribute: "direction", value: 0)
            }
            let first = layers[0].kind == .conv2d ? 1 : 0
            rows = first == 1 ? layers[0].convolution!.outputRows(frames: frames) : frames
            width = 1
            lastSequenceLayer = first
            for index in first..<layers.count {
                let layer = layers[index]
                let written = layer.isBidirectional ? 2 &* layer.directionOutputSize : layer.outputSize
                width = Swift.max(width, written)
                if layer.isRecurrent || layer.kind == .attention { lastSequenceLayer = index }
            }
            let (buffer, overflow1) = rows.multipliedReportingOverflow(by: width)
            let (both, overflow2) = buffer.multipliedReportingOverflow(by: 2)
            let (total, overflow3) = both.addingReportingOverflow(rows &+ description.outputSize)
            guard !overflow1, !overflow2, !overflow3, total <= ArenaLayout.byteLimit / 4 else {
                let bytes = overflow1 || overflow2 || overflow3 ? Int.max : total &* 4
                throw .arenaTooLarge(byteCount: bytes, limit: ArenaLayout.byteLimit)
            }
            floatCount = total
        }
    }

    /// `directions` entry of `layer`: 0 forward only, else its merge code plus `finalStates`.
    static func directionFlags(_ layer: LayerDescription) -> UInt8 {
        guard layer.isBidirectional else { return 0 }
        let merge: UInt8
        switch layer.merge {
        case .concat: merge = 1
        case .sum: merge = 2
        case .mul: merge = 3
        case .ave: merge = 4
        }
        return merge | (layer.finalStatesOnly ? finalStates : 0)
    }

    /// The stage over `shape`'s buffers, laid out in `storage` (`shape.floatCount` floats, in the arena).
    init(
        _ shape: Shape, plans: UnsafePointer<LayerPlan>, reversePlans: UnsafePointer<LayerPlan>,
        directions: UnsafePointer<UInt8>, firstLayer: Int, layerCount: Int, outputSize: Int,
        storage: UnsafeMutablePointer<Float>
    ) {
        let buffer = shape.rows &* shape.width
        self.plans = plans
        self.reversePlans = reversePlans
        self.directions = directions
        self.firstLayer = firstLayer
        self.layerCount = layerCount
        lastSequenceLayer = shape.lastSequenceLayer
        maxRows = shape.rows
        width = shape.width
        bufferA = storage
        bufferB = storage + buffer
        scores = storage + 2 &* buffer
        result = storage + (2 &* buffer &+ shape.rows)
        self.outputSize = outputSize
    }

    // MARK: - Eval

    /// Runs the window: `rows` input vectors at `input`, `inputStride` floats apart (oldest
    /// first). `carried`: the first layer's forward outputs for these rows (rows × its direction
    /// output, oldest first), or nil to compute them from zero state. Writes `result`.
    /// Allocates: never.
    func run(_ input: UnsafePointer<Float>, inputStride: Int, rows: Int, carried: UnsafePointer<Float>?) {
        guard rows > 0 else {
            result.update(repeating: 0, count: outputSize)
            return
        }
        var source = input
        var stride = inputStride
        var rowCount = Swift.min(rows, maxRows)
        var target = bufferA
        var index = firstLayer
        while index < layerCount {
            let plan = plans[index]
            if index > lastSequenceLayer && rowCount > 1 {
                source = source + (rowCount &- 1) &* stride
                rowCount = 1
            }
            switch plan.kind {
            case .lstm, .gru, .rnn:
                if let carried, index == firstLayer {
                    var t = 0
                    while t < rowCount {
                        (target + t &* width).update(from: carried + t &* plan.outputSize, count: plan.outputSize)
                        t &+= 1
                    }
                } else {
                    Self.runDirection(plan, source, stride, rowCount, target, width, reverse: false)
                }
                let flags = directions[index]
                if flags != 0 {
                    Self.runDirection(reversePlans[index], source, stride, rowCount, target + plan.outputSize, width, reverse: true)
                    if flags & Self.finalStates != 0 {
                        // One row: the forward direction's last output beside the reverse one's (at row 0).
                        if rowCount > 1 { target.update(from: target + (rowCount &- 1) &* width, count: plan.outputSize) }
                        rowCount = 1
                    }
                    let mode = flags & 7
                    if mode != 1 { Self.merge(target, rows: rowCount, stride: width, size: plan.outputSize, mode: mode) }
                }
            case .attention:
                plan.runAttention(source, stride, rowCount, scores: scores, into: target)
                rowCount = 1
            case .dense, .softmax:
                var t = 0
                while t < rowCount {
                    plan.run(source + t &* stride)
                    (target + t &* width).update(from: plan.output, count: plan.outputSize)
                    t &+= 1
                }
            case .conv2d:
                break  // only as layer 0, run before this stage
            }
            source = UnsafePointer(target)
            stride = width
            target = target == bufferA ? bufferB : bufferA
            index &+= 1
        }
        result.update(from: source + (rowCount &- 1) &* stride, count: outputSize)
    }

    /// One direction of a recurrent layer over the rows, from zero state; h_t goes to
    /// `output + t·outputStride`. Allocates: never.
    private static func runDirection(
        _ plan: LayerPlan, _ input: UnsafePointer<Float>, _ inputStride: Int, _ rows: Int,
        _ output: UnsafeMutablePointer<Float>, _ outputStride: Int, reverse: Bool
    ) {
        guard let hidden = plan.hidden else { preconditionFailure("recurrent plan without its state") }
        hidden.update(repeating: 0, count: plan.outputSize)
        plan.cell?.update(repeating: 0, count: plan.hiddenSize)
        var k = 0
        while k < rows {
            let t = reverse ? rows &- 1 &- k : k
            plan.run(input + t &* inputStride)
            (output + t &* outputStride).update(from: plan.output, count: plan.outputSize)
            k &+= 1
        }
    }

    /// Combines each row's [forward, reverse] halves (`size` floats each) into its first `size`
    /// floats: 2 sum, 3 mul, 4 ave (Keras merge modes). Allocates: never.
    private static func merge(_ rows: UnsafeMutablePointer<Float>, rows count: Int, stride: Int, size: Int, mode: UInt8) {
        var t = 0
        while t < count {
            let forward = rows + t &* stride
            let reverse = forward + size
            var j = 0
            switch mode {
            case 2:
                while j < size { forward[j] = forward[j] + reverse[j]; j &+= 1 }
            case 3:
                while j < size { forward[j] = forward[j] * reverse[j]; j &+= 1 }
            default:
                while j < size { forward[j] = (forward[j] + reverse[j]) * 0.5; j &+= 1 }
            }
            t &+= 1
        }
    }
}
