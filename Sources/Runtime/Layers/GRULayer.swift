import Kernels
import Model

extension LayerPlan {
    /// Prepare (GRU): I, H > 0, no projection; scratch 3H gate sums + H (r ⊙ h, or Rh·h).
    /// - Returns: the floats of `work` a step needs, or nil when the sizes are invalid.
    static func prepareGRU(_ layer: LayerDescription) -> Int? {
        guard layer.inputSize > 0, layer.hiddenSize > 0, layer.projectionSize == 0 else { return nil }
        return 4 &* layer.hiddenSize
    }

    /// One GRU step (gates z, r, h), in place on `hidden`:
    ///
    ///     z  = σ(clip(Wz x + Rz h + Wbz + Rbz))
    ///     r  = σ(clip(Wr x + Rr h + Wbr + Rbr))
    ///     reset-before: n = tanh(clip(Wh x + Rh (r ⊙ h) + Wbh + Rbh))
    ///     reset-after:  n = tanh(clip(Wh x + Wbh + r ⊙ (Rh h + Rbh)))
    ///     h' = (1 − z) ⊙ n + z ⊙ h
    ///
    /// Pre-activations are finished in place, then σ and tanh run over whole gate blocks (the
    /// vector kernels). Scratch: work[0..<3H] gate sums, work[3H..<4H] r ⊙ h (before) or Rh·h
    /// (after). Allocates: never.
    func runGRU(_ x: UnsafePointer<Float>) {
        let h = hiddenSize
        let gates = work
        let extra = work + 3 &* h
        guard let state = hidden, let inputBias = bias, let hiddenBias = recurrentBias, let r = recurrentWeights,
              let w = inputWeights else { preconditionFailure("GRU plan without its state or weights") }
        w.multiply(vector: x, into: gates, accumulate: false)
        r.multiply(firstRow: 0, rowCount: 2 &* h, vector: state, into: gates, accumulate: true)

        // z and r, overwriting their pre-activations.
        var j = 0
        let zr = 2 &* h
        while j < zr {
            gates[j] = clip(gates[j] + inputBias[j] + hiddenBias[j], gateClip)
            j &+= 1
        }
        kernels.sigmoidInPlace(gates, count: zr)
        let z = gates, reset = gates + h, candidate = gates + 2 &* h
        let candidateInputBias = inputBias + 2 &* h, candidateHiddenBias = hiddenBias + 2 &* h
        if resetAfter {
            r.multiply(firstRow: 2 &* h, rowCount: h, vector: state, into: extra, accumulate: false)
            j = 0
            while j < h {
                let pre = candidate[j] + candidateInputBias[j] + reset[j] * (extra[j] + candidateHiddenBias[j])
                candidate[j] = clip(pre, gateClip)
                j &+= 1
            }
        } else {
            j = 0
            while j < h {
                extra[j] = reset[j] * state[j]
                j &+= 1
            }
            r.multiply(firstRow: 2 &* h, rowCount: h, vector: extra, into: candidate, accumulate: true)
            j = 0
            while j < h {
                candidate[j] = clip(candidate[j] + candidateInputBias[j] + candidateHiddenBias[j], gateClip)
                j &+= 1
            }
        }
        kernels.tanhInPlace(candidate, count: h)
        j = 0
        while j < h {
            state[j] = (1 - z[j]) * candidate[j] + z[j] * state[j]
            j &+= 1
        }
    }
}
