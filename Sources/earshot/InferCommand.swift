import ArgumentParser
import Model
import NumPyFile
import Runtime
import SystemFile

/// `earshot infer`: stream the rows of a features array through the network, one `step` per row.
struct InferCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "infer",
        abstract: "Stream a [T, F] float32 .npy array through a model, one step per row.",
        discussion: """
            Writes float32 [T, C] outputs, one row per step; for a model trained on fixed windows \
            (output mode last_step) only the final step's output, as [1, C]. The state starts at zero.
            A batch [N, T, F] holds N independent sequences: the state is reset to zero before each, \
            and the outputs are [N, T, C] (or [N, 1, C] for last_step models). A model whose first \
            layer is conv2d convolves each whole sequence as one window and writes [1, C] ([N, 1, C]).
            A bidirectional or attention model streams the frames through its window ring (the first \
            layer's forward direction advances per frame, each window re-runs the rest) and writes the \
            prediction of the last window, [1, C] ([N, 1, C]); given exactly W frames that is the model \
            run on those W frames.
            """
    )

    @Option(help: "The Earshot model file.")
    var model: String

    @Option(help: "Input features: a float32 .npy array of shape [T, F] (one stream) or [N, T, F] (N sequences, each from zero state), F = the model's input size.")
    var features: String?

    // TFLite import (issue 14): audio input for models whose front end Earshot computes.
    @Option(help: "Input audio (WAV) for imported TFLite models: computed through the model's own front end.")
    var wav: String?

    @Option(help: "Where to write the outputs (.npy, float32).")
    var out: String

    func run() throws {
        // TFLite import (issue 14): imported int8 graphs have their own runner.
        if QuantizedGraphCommands.isQuantizedGraph(path: model) {
            return try QuantizedGraphCommands.infer(model: model, features: features, wav: wav, out: out)
        }
        guard let features else { throw CLIError("--features is required for this model") }
        let modelFile = try ModelFile(path: model)
        let network = try Network(model: modelFile)
        let array = try NumPyFormat.parse(SystemFile.readAll(path: features))
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
        let sequenceWindows = network.isSequenceModel ? try WindowedNetwork.forModel(network) : nil
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
        let bytes = NumPyFormat.serialize(NumPyArray(shape: shape, floats: outputs))
        try SystemFile.writeAtomically(bytes, to: out)
    }
}
