import ArgumentParser
import Converter
import Model
import SystemFile

/// `earshot convert`: import a trained model and write an Earshot model file.
struct ConvertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Convert an ONNX model into an Earshot model file.",
        discussion: """
            Imports LSTM, GRU and RNN layers (forward direction) and the dense, activation, softmax and layout \
            operators that PyTorch's and tf2onnx's exports put around them. Anything the runtime cannot run \
            exactly is refused with an error naming the node and the attribute or operator.
            The output is written atomically: on any error, an existing OUT is left untouched.
            """
    )

    @Argument(help: "The trained model (.onnx).")
    var input: String

    @Option(name: [.short, .customLong("output")], help: "Where to write the Earshot model file (.earshot).")
    var output: String

    @Option(help: "Weight type to store: fp32.")
    var weights: String = "fp32"

    @Option(help: "Comma-separated class labels, one per output (stored in the model).")
    var labels: String?

    func validate() throws {
        guard let type = TensorType(name: weights) else {
            throw ValidationError("unknown weight type '\(weights)'; use fp32")
        }
        guard type == .float32 else {
            throw ValidationError("--weights \(weights) is not available yet; this build stores fp32 weights")
        }
    }

    func run() throws {
        let bytes = try SystemFile.readAll(path: input)
        guard input.lowercased().hasSuffix(".onnx") else {
            throw CLIError("'\(input)': only ONNX models (.onnx) can be converted so far")
        }
        var imported = try ONNXImporter.importModel(bytes: bytes)
        if let labels {
            let list = labels.split(separator: ",").map { String($0) }
            guard list.count == imported.description.outputSize else {
                throw CLIError("--labels has \(list.count) names but the model has \(imported.description.outputSize) outputs")
            }
            imported.description.labels = list
        }
        try ModelWriter.write(imported.description, tensors: imported.tensors, to: output)
        // Read back what we wrote, so a converted file is known to load.
        let model = try ModelFile(path: output)
        let description = model.description
        print("wrote \(output): \(description.layers.count) layers, \(description.inputSize) -> \(description.outputSize), \(model.fileByteCount) bytes, weights \(weights)")
    }
}
