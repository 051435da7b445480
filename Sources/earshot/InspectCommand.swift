import JSON
import ArgumentParser
import Frontend
import Model
import Runtime

/// `earshot inspect`: what a model file holds and what it costs to run.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show a model's layers, shapes, parameters, weight types, arena size and metadata."
    )

    @Argument(help: "The Earshot model file.")
    var model: String

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    func run() throws {
        // TFLite import (issue 14): imported int8 graphs.
        if QuantizedGraphModels.isQuantizedGraph(path: model) { return try QuantizedGraphModels.inspect(path: model, json: json) }
        if OpenWakeWordCommands.isOpenWakeWord(path: model) { return try OpenWakeWordCommands.inspect(path: model, json: json) }
        let file = try ModelFile(path: model)
        let network = try Network(model: file)
        var summary = ModelSummary(file: file, arenaBytes: network.arenaByteCount, kernels: network.kernels.name)
        summary.windowBytes = network.sequenceByteCount
        print(json ? summary.json.serialized(indent: 2) : summary.text)
    }
}
