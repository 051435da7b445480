import Kernels
import Model

extension LayerPlan {
    /// Prepare (softmax): I > 0 and hiddenSize = I; no scratch (it writes its output buffer).
    /// - Returns: the floats of `work` a step needs, or nil when the sizes are invalid.
    static func prepareSoftmax(_ layer: LayerDescription) -> Int? {
        guard layer.inputSize > 0, layer.hiddenSize == layer.inputSize else { return nil }
        return 0
    }

    /// y = exp(x − max x) / Σ exp(x − max x) into `output`, the exponentials by the vector kernel.
    /// A NaN or +∞ anywhere in x makes every output NaN. Allocates: never.
    func runSoftmax(_ x: UnsafePointer<Float>) {
        let y = output
        let count = outputSize
        var maximum = -Float.infinity
        var hasNaN = false
        var i = 0
        while i < count {
            let v = x[i]
            if v.isNaN { hasNaN = true }
            if v > maximum { maximum = v }
            i &+= 1
        }
        if hasNaN || maximum == .infinity {
            y.update(repeating: .nan, count: count)
            return
        }
        i = 0
        while i < count {
            y[i] = x[i] - maximum
            i &+= 1
        }
        kernels.expInPlace(y, count: count)
        var sum: Float = 0
        i = 0
        while i < count {
            sum += y[i]
            i &+= 1
        }
        let inverse = 1 / sum
        i = 0
        while i < count {
            y[i] *= inverse
            i &+= 1
        }
    }
}
