import Kernels
import Model

extension LayerPlan {
    /// Prepare (attention pooling): I, A > 0, no projection; scratch A floats (W h_t + b).
    /// - Returns: the floats of `work` a step needs, or nil when the sizes are invalid.
    static func prepareAttention(_ layer: LayerDescription) -> Int? {
        guard layer.inputSize > 0, layer.hiddenSize > 0, layer.projectionSize == 0 else { return nil }
        return layer.hiddenSize
    }

    /// Attention pooling: e_t = v · tanh(W h_t + b), a = softmax(e), y = Σ a_t h_t into `output`.
    /// `rows` input rows `stride` floats apart; `scores`: `rows` floats of scratch (the sequence
    /// stage's). Allocates: never.
    func runAttention(
        _ input: UnsafePointer<Float>, _ stride: Int, _ rows: Int, scores: UnsafeMutablePointer<Float>,
        into output: UnsafeMutablePointer<Float>
    ) {
        let units = hiddenSize
        let projected = work
        guard let weights = inputWeights, let bias, let v = attentionVector else {
            preconditionFailure("attention plan without its weights")
        }
        var maximum = -Float.infinity
        var t = 0
        while t < rows {
            weights.multiply(vector: input + t &* stride, into: projected, accumulate: false)
            Vector.add(bias, into: projected, count: units)
            kernels.tanhInPlace(projected, count: units)
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
        kernels.expInPlace(scores, count: rows)
        var sum: Float = 0
        t = 0
        while t < rows {
            sum += scores[t]
            t &+= 1
        }
        let inverse = 1 / sum
        let size = inputSize
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
