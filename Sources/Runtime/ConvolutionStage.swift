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
    /// maxRows × rowSize floats: the output rows (in the arena's scratch region).
    var rows: UnsafeMutablePointer<Float>

    // MARK: - Prepare

    /// Prepare (conv2d, layer 0 only): F, C > 0, a geometry, and output rows of at least one
    /// float; scratch kT·kF (the patch) + C (channels-first values).
    /// - Returns: the floats of `work` the stage needs, or nil when the sizes are invalid.
    static func prepare(_ layer: LayerDescription) -> Int? {
        guard layer.inputSize > 0, layer.hiddenSize > 0, let g = layer.convolution, layer.outputSize > 0 else {
            return nil
        }
        return g.kernelTime &* g.kernelFeatures &+ layer.hiddenSize
    }

    /// The rows a window of `description`'s model yields (T'), 0 when layer 0 is not conv2d.
    /// - Throws: `RuntimeError.invalidLayerAttribute` when the model is not windowed or its
    ///   window is shorter than the kernel; `.arenaTooLarge` when the rows pass the arena limit.
    static func rowCount(_ description: ModelDescription) throws(RuntimeError) -> Int {
        let layer = description.layers[0]
        guard layer.kind == .conv2d else { return 0 }
        // A conv2d layer only starts a windowed model whose window fits its kernel.
        guard case let .windowed(frames, _) = description.execution,
              let geometry = layer.convolution, geometry.outputRows(frames: frames) >= 1 else {
            throw .invalidLayerAttribute(layer: 0, attribute: "conv", value: 0)
        }
        let rows = geometry.outputRows(frames: frames)
        let (floats, overflow) = rows.multipliedReportingOverflow(by: layer.outputSize)
        guard !overflow, floats <= ArenaLayout.byteLimit / 4 else {
            throw .arenaTooLarge(byteCount: overflow ? .max : floats * 4, limit: ArenaLayout.byteLimit)
        }
        return rows
    }

    /// The stage of conv2d `layer` (prepared), multiplying by `weights` with `bias`; its scratch
    /// at `work` and its `maxRows` × outputSize output floats at `rows`, both in the arena.
    init(
        _ layer: LayerDescription, weights: MatrixOperand, bias: UnsafePointer<Float>, maxRows: Int,
        work: UnsafeMutablePointer<Float>, rows: UnsafeMutablePointer<Float>
    ) {
        let geometry = layer.convolution!
        self.geometry = geometry
        inputSize = layer.inputSize
        channels = layer.hiddenSize
        outputFeatures = geometry.outputFeatures(inputSize: layer.inputSize)
        rowSize = layer.outputSize
        self.maxRows = maxRows
        activation = layer.activation
        self.weights = weights
        self.bias = bias
        patch = work
        channelValues = work + geometry.kernelTime &* geometry.kernelFeatures
        self.rows = rows
    }

    // MARK: - Eval

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
