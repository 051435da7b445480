import Kernels

extension LayerPlan {
    /// One simple RNN step, in place on `hidden`: h' = act(clip(W x + R h + b)).
    /// Scratch: work[0..<H]. Allocates: never.
    func runRNN(_ x: UnsafePointer<Float>) {
        let h = hiddenSize
        let sums = work
        let state = hidden.unsafelyUnwrapped
        let b = bias.unsafelyUnwrapped
        inputWeights.unsafelyUnwrapped.multiply(vector: x, into: sums, accumulate: false)
        recurrentWeights.unsafelyUnwrapped.multiply(vector: state, into: sums, accumulate: true)
        var j = 0
        while j < h {
            state[j] = clip(sums[j] + b[j], gateClip)
            j &+= 1
        }
        activateInPlace(state, count: h)
    }
}
