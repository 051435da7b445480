import Kernels

extension LayerPlan {
    /// y = act(W x + b) into `output`. Allocates: never.
    func runDense(_ x: UnsafePointer<Float>) {
        let y = output
        let b = bias.unsafelyUnwrapped
        inputWeights.unsafelyUnwrapped.multiply(vector: x, into: y, accumulate: false)
        Vector.add(b, into: y, count: outputSize)
        activateInPlace(y, count: outputSize)
    }
}
