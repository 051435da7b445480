import Kernels
import Model

/// The conv2d front stage of a windowed model: turns a window of T frames (time × features)
/// into T' rows, each one step of the recurrent layers that follow (see `ConvolutionGeometry`).
///
/// Computed as one matrix–vector product per output position: the kT×kF patch (zero outside
/// the window) is gathered into `patch`, multiplied by W [C, kT·kF] with the network's kernels
/// (so fp32, fp16 and int8 weights all work), then bias and activation are applied and the C
/// values land in the row at f·C + c (channels last) or c·F' + f (channels first).
/// A trivial value prepared by `Network.init`; running it cannot fail or allocate.
struct ConvolutionStage {
    var geometry: ConvolutionGeometry
    /// F: features per frame.
    var inputSize: Int
    /// C: filters.
    var channels: Int
    /// F': output positions along the features.
    var outputFeatures: Int
    /// F'·C: floats per output row.
    var rowSize: Int
    /// The most rows `rows` holds (for the model's window length).
    var maxRows: Int
    var activation: Activation
    var weights: MatrixOperand
    var bias: UnsafePointer<Float>
    /// kT·kF floats of scratch (in the arena's work region).
    var patch: UnsafeMutablePointer<Float>
    /// C floats of scratch for channels-first rows (after the patch).
    var channelValues: UnsafeMutablePointer<Float>
    /// maxRows × rowSize floats: the output rows.
    var rows: UnsafeMutablePointer<Float>

    /// Scratch floats the stage needs in the arena's work region.
    static func workFloatCount(_ layer: LayerDescription) -> Int {
        guard let g = layer.convolution else { return 0 }
        return g.kernelTime &* g.kernelFeatures &+ layer.hiddenSize
    }

    /// Convolves `frames` (count × inputSize floats, oldest first) into `rows`.
    /// - Returns: the number of rows written (0 when the kernel does not fit `count` frames).
    /// Allocates: never.
    func run(_ frames: UnsafePointer<Float>, count: Int) -> Int {
        let g = geometry
        let rowCount = Swift.min(g.outputRows(frames: count), maxRows)
        let kT = g.kernelTime, kF = g.kernelFeatures
        var t = 0
        while t < rowCount {
            let row = rows + t &* rowSize
            let firstTime = t &* g.strideTime &- g.padTimeBegin
            var f = 0
            while f < outputFeatures {
                let firstFeature = f &* g.strideFeatures &- g.padFeaturesBegin
                var i = 0
                while i < kT {
                    let time = firstTime &+ i
                    let target = patch + i &* kF
                    if time < 0 || time >= count {
                        target.update(repeating: 0, count: kF)
                    } else {
                        let source = frames + time &* inputSize
                        var j = 0
                        while j < kF {
                            let feature = firstFeature &+ j
                            target[j] = feature < 0 || feature >= inputSize ? 0 : source[feature]
                            j &+= 1
                        }
                    }
                    i &+= 1
                }
                let out = g.channelsLast ? row + f &* channels : channelValues
                weights.multiply(vector: patch, into: out, accumulate: false)
                Vector.add(bias, into: out, count: channels)
                if activation == .relu { Vector.reluInPlace(out, count: channels) }
                if !g.channelsLast {
                    var c = 0
                    while c < channels {
                        row[c &* outputFeatures &+ f] = out[c]
                        c &+= 1
                    }
                }
                f &+= 1
            }
            t &+= 1
        }
        return rowCount
    }
}
