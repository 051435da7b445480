import Kernels
import Model

extension LayerPlan {
    /// Prepare (LSTM): I, H > 0 and P ≥ 0; scratch 4H gate sums, plus H for m when projecting.
    /// - Returns: the floats of `work` a step needs, or nil when the sizes are invalid.
    static func prepareLSTM(_ layer: LayerDescription) -> Int? {
        guard layer.inputSize > 0, layer.hiddenSize > 0, layer.projectionSize >= 0 else { return nil }
        return 4 &* layer.hiddenSize &+ (layer.projectionSize > 0 ? layer.hiddenSize : 0)
    }

    /// One LSTM step (gates i, f, c, o), in place on `hidden` and `cell`:
    ///
    ///     a   = W x + R h                          (4H, summed into work[0..<4H])
    ///     a  += b;  a_f += forgetBias
    ///     i   = σ(clip(a_i + P_i ⊙ c))             clip = ONNX `clip` on every activation input
    ///     f   = σ(clip(a_f + P_f ⊙ c))
    ///     g   = tanh(clip(a_c))
    ///     c'  = clamp(f ⊙ c + i ⊙ g, ±cellClip)
    ///     o   = σ(clip(a_o + P_o ⊙ c'))
    ///     m   = o ⊙ tanh(c')
    ///     h'  = clamp(projection · m or m, ±projectionClip)
    ///
    /// Pre-activations are finished in place, then σ and tanh run over whole gate blocks (the
    /// vector kernels): i and f together, g, then o and tanh(c') (which waits for c'; it reuses
    /// g's slot). Peepholes P present only when `peepholes != nil`. Allocates: never.
    func runLSTM(_ x: UnsafePointer<Float>) {
        let h = hiddenSize
        let gates = work
        guard let state = hidden, let c = cell, let b = bias, let w = inputWeights, let r = recurrentWeights else {
            preconditionFailure("LSTM plan without its state or weights")
        }
        w.multiply(vector: x, into: gates, accumulate: false)
        r.multiply(vector: state, into: gates, accumulate: true)

        let gatesI = gates, gatesF = gates + h, gatesC = gates + 2 &* h, gatesO = gates + 3 &* h
        let biasI = b, biasF = b + h, biasC = b + 2 &* h, biasO = b + 3 &* h
        // Branch-free loops (the clip is a separate pass, only when set) so they vectorize.
        var j = 0
        if let p = peepholes {
            let peepI = p, peepF = p + h
            while j < h {
                let previous = c[j]
                gatesI[j] = gatesI[j] + biasI[j] + peepI[j] * previous
                gatesF[j] = gatesF[j] + biasF[j] + forgetBias + peepF[j] * previous
                gatesC[j] = gatesC[j] + biasC[j]
                j &+= 1
            }
        } else {
            while j < h {
                gatesI[j] = gatesI[j] + biasI[j]
                gatesF[j] = gatesF[j] + biasF[j] + forgetBias
                gatesC[j] = gatesC[j] + biasC[j]
                j &+= 1
            }
        }
        if gateClip > 0 { Vector.clampInPlace(gates, limit: gateClip, count: 3 &* h) }
        kernels.sigmoidInPlace(gatesI, count: 2 &* h)  // i and f are adjacent
        kernels.tanhInPlace(gatesC, count: h)

        // c', and o's pre-activation (its peephole reads c'); c' also goes to g's slot for tanh.
        j = 0
        if let p = peepholes {
            let peepO = p + 2 &* h
            while j < h {
                let next = clip(gatesF[j] * c[j] + gatesI[j] * gatesC[j], cellClip)
                c[j] = next
                gatesC[j] = next
                gatesO[j] = clip(gatesO[j] + biasO[j] + peepO[j] * next, gateClip)
                j &+= 1
            }
        } else if cellClip > 0 {
            while j < h {
                let next = clip(gatesF[j] * c[j] + gatesI[j] * gatesC[j], cellClip)
                c[j] = next
                gatesC[j] = next
                j &+= 1
            }
        } else {
            while j < h {
                let next = gatesF[j] * c[j] + gatesI[j] * gatesC[j]
                c[j] = next
                gatesC[j] = next
                j &+= 1
            }
        }
        if peepholes == nil {
            j = 0
            while j < h {
                gatesO[j] = gatesO[j] + biasO[j]
                j &+= 1
            }
            if gateClip > 0 { Vector.clampInPlace(gatesO, limit: gateClip, count: h) }
        }
        kernels.sigmoidInPlace(gatesO, count: h)
        kernels.tanhInPlace(gatesC, count: h)

        // Without projection m is h' itself: R·h is done, so h can be overwritten.
        let m = projection == nil ? state : gates + 4 &* h
        j = 0
        while j < h {
            m[j] = gatesO[j] * gatesC[j]
            j &+= 1
        }
        if let projection {
            projection.multiply(vector: m, into: state, accumulate: false)
        }
        if projectionClip > 0 {
            Vector.clampInPlace(state, limit: projectionClip, count: outputSize)
        }
    }
}
