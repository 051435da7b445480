import JSON
import Kernels
import Model
import Runtime

/// `earshot inspect MODEL [--json]` (host: InspectCommand; the text is ModelSummary's).
enum EmbeddedInspect {
    static func run(_ arguments: [String]) throws(CommandFailure) {
        let list = try ArgumentList(arguments, options: [], flags: ["json"])
        guard list.positionals.count == 1 else { throw .usage("give one model file") }
        let path = list.positionals[0]
        if QuantizedGraphModels.isQuantizedGraph(path: path) {
            do throws(CLIError) { return try QuantizedGraphModels.inspect(path: path) } catch { throw .failed(error) }
        }
        let file: ModelFile
        let network: Network
        do {
            file = try ModelFile(path: path)
        } catch {
            throw .failed(CLIError(error.description))
        }
        do {
            network = try Network(model: file)
        } catch {
            throw .failed(CLIError(error.description))
        }
        var summary = ModelSummary(file: file, arenaBytes: network.arenaByteCount, kernels: network.kernels.name)
        summary.windowBytes = network.sequenceByteCount
        print(list.flag("json") ? summary.json.serialized(indent: 2) : summary.text)
    }
}
