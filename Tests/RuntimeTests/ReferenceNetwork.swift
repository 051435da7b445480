import Glibc
import Model

/// A straightforward Double-precision implementation of the layer formulas in
/// `LayerDescription`'s documentation, written independently of the runtime as its oracle.
///
/// Gate clip follows ONNX: it clamps the whole input of each activation (peephole term included).
struct ReferenceNetwork {
    let layers: [LayerDescription]
    let weights: [[TensorRole: [Double]]]
    var hidden: [[Double]]
    var cell: [[Double]]

    init(_ model: TestModel) {
        layers = model.description.layers
        weights = model.weights
        hidden = layers.map { [Double](repeating: 0, count: $0.isRecurrent ? $0.outputSize : 0) }
        cell = layers.map { [Double](repeating: 0, count: $0.kind == .lstm ? $0.hiddenSize : 0) }
    }

    mutating func step(_ frame: [Float]) -> [Double] {
        var x = frame.map(Double.init)
        for index in layers.indices {
            x = stepLayer(index, x)
        }
        return x
    }

    /// A model whose layer 0 is conv2d, over one window of `frames` from zero state: the
    /// convolution by `ConvolutionGeometry`'s formula (zero padding, then the activation), each
    /// output row flattened in the declared order and stepped through the other layers.
    /// Returns the last row's output (empty when the kernel does not fit).
    mutating func runWindow(_ frames: [[Float]]) -> [Double] {
        let conv = layers[0]
        let g = conv.convolution!
        let w = weights[0][.inputWeights]!, b = weights[0][.bias]!
        let features = conv.inputSize, channels = conv.hiddenSize
        let outputFeatures = g.outputFeatures(inputSize: features)
        let kT = g.kernelTime, kF = g.kernelFeatures
        var result: [Double] = []
        for t in 0..<g.outputRows(frames: frames.count) {
            var row = [Double](repeating: 0, count: outputFeatures * channels)
            for f in 0..<outputFeatures {
                for c in 0..<channels {
                    var sum = b[c]
                    for i in 0..<kT {
                        for j in 0..<kF {
                            let time = t * g.strideTime + i - g.padTimeBegin
                            let feature = f * g.strideFeatures + j - g.padFeaturesBegin
                            guard time >= 0, time < frames.count, feature >= 0, feature < features else { continue }
                            sum += w[c * kT * kF + i * kF + j] * Double(frames[time][feature])
                        }
                    }
                    row[g.channelsLast ? f * channels + c : c * outputFeatures + f] = activate(sum, conv.activation)
                }
            }
            var x = row
            for index in 1..<layers.count { x = stepLayer(index, x) }
            result = x
        }
        return result
    }

    // MARK: - Helpers

    /// W[rows, columns] · x, for the rows first..<first+count.
    private func product(_ w: [Double], columns: Int, _ x: [Double], first: Int = 0, count: Int) -> [Double] {
        (first..<first + count).map { r in
            var sum = 0.0
            for c in 0..<columns { sum += w[r * columns + c] * x[c] }
            return sum
        }
    }

    private func sigmoid(_ v: Double) -> Double { 1 / (1 + Glibc.exp(-v)) }

    private func clip(_ v: Double, _ limit: Float) -> Double {
        limit > 0 ? min(max(v, -Double(limit)), Double(limit)) : v
    }

    private func activate(_ v: Double, _ activation: Activation) -> Double {
        switch activation {
        case .linear: return v
        case .relu: return max(v, 0)
        case .tanh: return Glibc.tanh(v)
        case .sigmoid: return sigmoid(v)
        }
    }

    // MARK: - Layers

    private mutating func stepLayer(_ index: Int, _ x: [Double]) -> [Double] {
        let layer = layers[index]
        let w = weights[index]
        let n = layer.hiddenSize
        switch layer.kind {
        case .dense:
            let y = product(w[.inputWeights]!, columns: layer.inputSize, x, count: n)
            return (0..<n).map { activate(y[$0] + w[.bias]![$0], layer.activation) }

        case .conv2d:
            preconditionFailure("a conv2d layer runs over whole windows: use runWindow")

        case .attention:
            preconditionFailure("attention pooling runs over whole windows")

        case .softmax:
            let m = x.max()!
            let e = x.map { Glibc.exp($0 - m) }
            let s = e.reduce(0, +)
            return e.map { $0 / s }

        case .rnn:
            let h = hidden[index]
            let a = product(w[.inputWeights]!, columns: layer.inputSize, x, count: n)
            let b = product(w[.recurrentWeights]!, columns: n, h, count: n)
            let next = (0..<n).map { activate(clip(a[$0] + b[$0] + w[.bias]![$0], layer.gateClip), layer.activation) }
            hidden[index] = next
            return next

        case .gru:
            let h = hidden[index]
            let wx = product(w[.inputWeights]!, columns: layer.inputSize, x, count: 3 * n)
            let rh = product(w[.recurrentWeights]!, columns: n, h, count: 3 * n)
            let wb = w[.inputBias]!, rb = w[.recurrentBias]!
            var next = [Double](repeating: 0, count: n)
            let z = (0..<n).map { sigmoid(clip(wx[$0] + rh[$0] + wb[$0] + rb[$0], layer.gateClip)) }
            let r = (0..<n).map { sigmoid(clip(wx[n + $0] + rh[n + $0] + wb[n + $0] + rb[n + $0], layer.gateClip)) }
            let candidate: [Double]
            if layer.resetAfter {
                candidate = (0..<n).map {
                    Glibc.tanh(clip(wx[2 * n + $0] + wb[2 * n + $0] + r[$0] * (rh[2 * n + $0] + rb[2 * n + $0]), layer.gateClip))
                }
            } else {
                let rTimesH = (0..<n).map { r[$0] * h[$0] }
                let rr = product(w[.recurrentWeights]!, columns: n, rTimesH, first: 2 * n, count: n)
                candidate = (0..<n).map {
                    Glibc.tanh(clip(wx[2 * n + $0] + rr[$0] + wb[2 * n + $0] + rb[2 * n + $0], layer.gateClip))
                }
            }
            for j in 0..<n { next[j] = (1 - z[j]) * candidate[j] + z[j] * h[j] }
            hidden[index] = next
            return next

        case .lstm:
            let h = hidden[index]
            let c = cell[index]
            let wx = product(w[.inputWeights]!, columns: layer.inputSize, x, count: 4 * n)
            let rh = product(w[.recurrentWeights]!, columns: layer.outputSize, h, count: 4 * n)
            let b = w[.bias]!
            let p = w[.peepholes] ?? [Double](repeating: 0, count: 3 * n)
            let a = (0..<4 * n).map { wx[$0] + rh[$0] + b[$0] }
            var nextCell = [Double](repeating: 0, count: n)
            var m = [Double](repeating: 0, count: n)
            for j in 0..<n {
                let i = sigmoid(clip(a[j] + p[j] * c[j], layer.gateClip))
                let f = sigmoid(clip(a[n + j] + Double(layer.forgetBias) + p[n + j] * c[j], layer.gateClip))
                let g = Glibc.tanh(clip(a[2 * n + j], layer.gateClip))
                let cn = clip(f * c[j] + i * g, layer.cellClip)
                let o = sigmoid(clip(a[3 * n + j] + p[2 * n + j] * cn, layer.gateClip))
                nextCell[j] = cn
                m[j] = o * Glibc.tanh(cn)
            }
            var next = m
            if layer.projectionSize > 0 {
                next = product(w[.projection]!, columns: n, m, count: layer.projectionSize)
            }
            next = next.map { clip($0, layer.projectionClip) }
            hidden[index] = next
            cell[index] = nextCell
            return next
        }
    }
}
