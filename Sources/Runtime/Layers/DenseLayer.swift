import Kernels
import Model

extension LayerPlan {
    /// Prepare (dense): I, units > 0, no projection; no scratch (it writes its output buffer).
    /// - Returns: the floats of `work` a step needs, or nil when the sizes are invalid.
    static func prepareDense(_ layer: LayerDescription) -> Int? {
        guard layer.inputSize > 0, layer.hiddenSize > 0, layer.projectionSize == 0 else { return nil }
        return 0
    }

    /// y = act(W x + b) into `output`. Allocates: never.
    func runDense(_ x: UnsafePointer<Float>) {
        let y = output
        guard let b = bias, let w = inputWeights else { preconditionFailure("dense plan without its weights") }
        w.multiply(vector: x, into: y, accumulate: false)
        Vector.add(b, into: y, count: outputSize)
        activateInPlace(y, count: outputSize)
    }
}
