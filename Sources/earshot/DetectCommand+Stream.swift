import Listener
import Model
import Spotter
import SystemFile

// `earshot detect --stream`: a long recording through `listen`'s pipeline (Listener.StreamDetection:
// resampling, front end, network, detector), in 10 ms chunks as a capture device delivers them.
extension DetectCommand {
    func runStream() throws {
        var settings = DetectorSettings()
        var windowHop: Int? = nil
        var boardVAD: BoardVAD? = nil
        if let config {
            let board = try BoardConfiguration.load(path: config)
            settings = board.detector
            windowHop = board.model.windowHopFrames
            boardVAD = board.vad
        }
        let gate = try vadOptions.option(boardVAD: boardVAD)
        let modelPath = try DefaultModel.resolve(model.first)
        // Imported microWakeWord models: their own front end (computed once) and the manifest's rule.
        // Several models: each must be one (reading it says which is not, and why).
        if model.count > 1 || QuantizedGraphCommands.isQuantizedGraph(path: modelPath) {
            if gate != nil { throw CLIError("--vad runs in front of Earshot's own streaming models, not imported microWakeWord models") }
            let graphs = try QuantizedGraphCommands.readModels(paths: model.isEmpty ? [modelPath] : model)
            for path in files {
                let events = try StreamDetection.detect(wavPath: path, graphs: graphs, detector: settings)
                let formatter = EventFormatter(labels: graphs.map { $0.wakeWord.name }, json: json)
                for event in events { printEvent(formatter.line(keyword: event.keyword, time: event.time, score: event.score), path: path) }
            }
            return
        }
        let modelFile = try ModelFile(path: modelPath)
        let hop = windowHop ?? KeywordSpotter.listeningWindowHop(for: modelFile)
        for path in files {
            let (events, spotter) = try StreamDetection.detect(
                wavPath: path, model: modelFile, detector: settings, windowHopFrames: hop, gate: gate)
            if let attached = spotter.gate { FileSystem.writeStandardError(VADOptions.summary(attached) + "\n") }
            let formatter = EventFormatter(labels: spotter.labels, json: json)
            for event in events {
                printEvent(formatter.line(keyword: event.keyword, time: event.time, score: event.score), path: path)
            }
        }
    }

    /// Prints an event line; with several files, says which one it comes from.
    private func printEvent(_ line: String, path: String) {
        guard files.count > 1 else { return print(line) }
        print(json ? "{\"path\": \(EventFormatter.quoted(path)), " + line.dropFirst() : path + "\t" + line)
    }
}
