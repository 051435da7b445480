// `earshot infer`'s work, apart from its command so the static aarch64 build (Aarch64/earshot,
// tools/build_aarch64.sh) runs the same code. Typed throws: Embedded Swift has no `any Error`.
import Model
import NumPyFile
import Runtime
import SystemFile

/// Streams the rows of a features array through a model, one `step` per row (see `InferCommand`).
enum FeatureInference {
    /// Reads `features` (.npy [T, F] or [N, T, F]), runs the model at `model`, writes `out` (.npy).
    ///
    /// - Throws: `CLIError` with the model, runtime, NumPy or file error's text.
    static func run(model: String, features: String, out: String) throws(CLIError) {
        let modelFile: ModelFile
        do { modelFile = try ModelFile(path: model) } catch { throw CLIError(error.description) }
        let network: Network
        do { network = try Network(model: modelFile) } catch { throw CLIError(error.description) }
        let bytes: [UInt8]
        do { bytes = try SystemFile.readAll(path: features) } catch { throw CLIError(error.description) }
        let array: NumPyArray
        do { array = try NumPyFormat.parse(bytes) } catch { throw CLIError(error.description) }
        let inputSize = network.inputSize
        guard (array.shape.count == 2 || array.shape.count == 3), array.shape.last == inputSize else {
            throw CLIError("'\(features)' has shape \(array.shape); the model needs [T, \(inputSize)] or [N, T, \(inputSize)]")
        }
        guard array.elementType == .float32 || array.elementType == .float64 else {
            throw CLIError("'\(features)' holds \(array.elementType.rawValue); expected float32")
        }
        let batched = array.shape.count == 3
        let sequences = batched ? array.shape[0] : 1
        let steps = array.shape[array.shape.count - 2]
        let frames = array.floats()
        let outputSize = network.outputSize
        let lastOnly = modelFile.description.outputMode == .lastStep
        // A conv2d front stage convolves each whole sequence as one window: one output per sequence.
        let wholeWindows = network.hasConvolution && !network.isSequenceModel
        var sequenceWindows: WindowedNetwork? = nil
        if network.isSequenceModel {
            do { sequenceWindows = try WindowedNetwork.forModel(network) } catch { throw CLIError(error.description) }
        }
        let rows = lastOnly || wholeWindows || sequenceWindows != nil ? min(steps, 1) : steps
        var outputs = [Float](repeating: 0, count: sequences * rows * outputSize)
        frames.withUnsafeBufferPointer { input in
            outputs.withUnsafeMutableBufferPointer { output in
                for sequence in 0..<sequences {
                    // Each sequence of a batch starts from zero state (a fresh network is already zero).
                    if let windowed = sequenceWindows {
                        guard rows > 0 else { continue }
                        windowed.reset()
                        var ran = false
                        for t in 0..<steps {
                            ran = windowed.push(input.baseAddress! + (sequence * steps + t) * inputSize)
                        }
                        let result = ran ? windowed.output : windowed.evaluate()
                        for c in 0..<outputSize { output[sequence * outputSize + c] = result[c] }
                        continue
                    }
                    if wholeWindows {
                        guard rows > 0 else { continue }
                        let result = network.runWindow(input.baseAddress! + sequence * steps * inputSize, count: steps)
                        for c in 0..<outputSize { output[sequence * outputSize + c] = result[c] }
                        continue
                    }
                    if sequence > 0 { network.reset() }
                    for t in 0..<steps {
                        let result = network.step(input.baseAddress! + (sequence * steps + t) * inputSize)
                        let row = sequence * rows + (lastOnly ? 0 : t)
                        for c in 0..<outputSize { output[row * outputSize + c] = result[c] }
                    }
                }
            }
        }
        let shape = batched ? [sequences, rows, outputSize] : [rows, outputSize]
        let result = NumPyFormat.serialize(NumPyArray(shape: shape, floats: outputs))
        do { try SystemFile.writeAtomically(result, to: out) } catch { throw CLIError(error.description) }
    }
}
