import Kernels

extension LayerPlan {
    /// y = act(W x + b) into `output`. Allocates: never.
    func runDense(_ x: UnsafePointer<Float>) {
        let y = output
        let b = bias.unsafelyUnwrapped
        inputWeights.unsafelyUnwrapped.multiply(vector: x, into: y, accumulate: false)
        var j = 0
        while j < outputSize {
            y[j] = activate(y[j] + b[j], activation)
            j &+= 1
        }
    }
}
