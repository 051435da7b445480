import Kernels

extension LayerPlan {
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
    /// Peepholes P present only when `peepholes != nil`. Allocates: never.
    func runLSTM(_ x: UnsafePointer<Float>) {
        let h = hiddenSize
        let gates = work
        let state = hidden.unsafelyUnwrapped
        let c = cell.unsafelyUnwrapped
        let b = bias.unsafelyUnwrapped
        inputWeights.unsafelyUnwrapped.multiply(vector: x, into: gates, accumulate: false)
        recurrentWeights.unsafelyUnwrapped.multiply(vector: state, into: gates, accumulate: true)

        // Without projection m is h' itself: R·h is done, so h can be overwritten in the loop.
        let m = projection == nil ? state : gates + 4 &* h
        let gatesI = gates, gatesF = gates + h, gatesC = gates + 2 &* h, gatesO = gates + 3 &* h
        let biasI = b, biasF = b + h, biasC = b + 2 &* h, biasO = b + 3 &* h
        var j = 0
        if let p = peepholes {
            let peepI = p, peepF = p + h, peepO = p + 2 &* h
            while j < h {
                let previous = c[j]
                let i = ElementaryMath.sigmoid(clip(gatesI[j] + biasI[j] + peepI[j] * previous, gateClip))
                let f = ElementaryMath.sigmoid(
                    clip(gatesF[j] + biasF[j] + forgetBias + peepF[j] * previous, gateClip))
                let g = ElementaryMath.tanh(clip(gatesC[j] + biasC[j], gateClip))
                let next = clip(f * previous + i * g, cellClip)
                c[j] = next
                let o = ElementaryMath.sigmoid(clip(gatesO[j] + biasO[j] + peepO[j] * next, gateClip))
                m[j] = o * ElementaryMath.tanh(next)
                j &+= 1
            }
        } else {
            while j < h {
                let previous = c[j]
                let i = ElementaryMath.sigmoid(clip(gatesI[j] + biasI[j], gateClip))
                let f = ElementaryMath.sigmoid(clip(gatesF[j] + biasF[j] + forgetBias, gateClip))
                let g = ElementaryMath.tanh(clip(gatesC[j] + biasC[j], gateClip))
                let next = clip(f * previous + i * g, cellClip)
                c[j] = next
                let o = ElementaryMath.sigmoid(clip(gatesO[j] + biasO[j], gateClip))
                m[j] = o * ElementaryMath.tanh(next)
                j &+= 1
            }
        }
        if let projection {
            projection.multiply(vector: m, into: state, accumulate: false)
        }
        if projectionClip > 0 {
            Vector.clampInPlace(state, limit: projectionClip, count: outputSize)
        }
    }
}
