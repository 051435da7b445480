import Kernels
import Model

extension LayerPlan {
    /// Prepare (simple RNN): I, H > 0, no projection; scratch H sums.
    /// - Returns: the floats of `work` a step needs, or nil when the sizes are invalid.
    static func prepareRNN(_ layer: LayerDescription) -> Int? {
        guard layer.inputSize > 0, layer.hiddenSize > 0, layer.projectionSize == 0 else { return nil }
        return layer.hiddenSize
    }

    /// One simple RNN step, in place on `hidden`: h' = act(clip(W x + R h + b)).
    /// Scratch: work[0..<H]. Allocates: never.
    func runRNN(_ x: UnsafePointer<Float>) {
        let h = hiddenSize
        let sums = work
        guard let state = hidden, let b = bias, let w = inputWeights, let r = recurrentWeights else {
            preconditionFailure("RNN plan without its state or weights")
        }
        w.multiply(vector: x, into: sums, accumulate: false)
        r.multiply(vector: state, into: sums, accumulate: true)
        var j = 0
        while j < h {
            state[j] = clip(sums[j] + b[j], gateClip)
            j &+= 1
        }
        activateInPlace(state, count: h)
    }
}
