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
                attend(plan, source, stride, rowCount, target)
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
        plan.hidden.unsafelyUnwrapped.update(repeating: 0, count: plan.outputSize)
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

    /// Attention pooling: e_t = v · tanh(W h_t + b), a = softmax(e), y = Σ a_t h_t into `output`.
    /// Allocates: never.
    private func attend(
        _ plan: LayerPlan, _ input: UnsafePointer<Float>, _ stride: Int, _ rows: Int,
        _ output: UnsafeMutablePointer<Float>
    ) {
        let units = plan.hiddenSize
        let projected = plan.work
        let weights = plan.inputWeights.unsafelyUnwrapped
        let bias = plan.bias.unsafelyUnwrapped
        let v = plan.attentionVector.unsafelyUnwrapped
        var maximum = -Float.infinity
        var t = 0
        while t < rows {
            weights.multiply(vector: input + t &* stride, into: projected, accumulate: false)
            Vector.add(bias, into: projected, count: units)
            plan.kernels.tanhInPlace(projected, count: units)
            var score: Float = 0
            var j = 0
            while j < units {
                score += v[j] * projected[j]
                j &+= 1
            }
            scores[t] = score
            if score > maximum { maximum = score }
            t &+= 1
        }
        t = 0
        while t < rows {
            scores[t] = scores[t] - maximum
            t &+= 1
        }
        plan.kernels.expInPlace(scores, count: rows)
        var sum: Float = 0
        t = 0
        while t < rows {
            sum += scores[t]
            t &+= 1
        }
        let inverse = 1 / sum
        let size = plan.inputSize
        output.update(repeating: 0, count: size)
        t = 0
        while t < rows {
            let weight = scores[t] * inverse
            let row = input + t &* stride
            var j = 0
            while j < size {
                output[j] += weight * row[j]
                j &+= 1
            }
            t &+= 1
        }
    }
}
