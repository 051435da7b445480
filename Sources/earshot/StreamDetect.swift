// `earshot detect --stream`'s work, apart from its command so the static aarch64 build
// (Aarch64/earshot) runs the same code. Typed throws: Embedded Swift has no `any Error`.
import Listener
import Model
import Spotter
import SystemFile

/// A long recording through `listen`'s pipeline (Listener.StreamDetection: resampling, front end,
/// network, detector), in 10 ms chunks as a capture device delivers them.
enum StreamDetect {
    /// Prints the keyword events of each file in `files`, one line each (JSON with `json`).
    ///
    /// - Parameters:
    ///   - modelPaths: the models given (several: imported microWakeWord models on one front end).
    ///   - modelPath: the first model, or the default model when none was given.
    ///   - config: a board configuration for the detector settings (and window hop).
    static func run(files: [String], modelPaths: [String], modelPath: String, config: String?, json: Bool,
                    vad: VADRequest = VADRequest()) throws(CLIError) {
        var settings = DetectorSettings()
        var windowHop: Int? = nil
        var boardVAD: BoardVAD? = nil
        if let config {
            let board: BoardConfiguration
            do { board = try BoardConfiguration.load(path: config) } catch { throw CLIError(error.description) }
            settings = board.detector
            windowHop = board.model.windowHopFrames
            boardVAD = board.vad
        }
        let gate = try vad.option(boardVAD: boardVAD)
        // Imported microWakeWord models: their own front end (computed once) and the manifest's rule.
        // Several models: each must be one (reading it says which is not, and why).
        if modelPaths.count > 1 || QuantizedGraphModels.isQuantizedGraph(path: modelPath) {
            if gate != nil { throw CLIError("--vad runs in front of Earshot's own streaming models, not imported microWakeWord models") }
            let graphs = try QuantizedGraphModels.readModels(paths: modelPaths.isEmpty ? [modelPath] : modelPaths)
            for path in files {
                let events: [StreamEvent]
                do {
                    events = try StreamDetection.detect(wavPath: path, graphs: graphs, detector: settings)
                } catch {
                    throw CLIError(error.description)
                }
                let formatter = EventFormatter(labels: graphs.map { $0.wakeWord.name }, json: json)
                for event in events {
                    printEvent(formatter.line(keyword: event.keyword, time: event.time, score: event.score), path: path, files: files, json: json)
                }
            }
            return
        }
        let modelFile: ModelFile
        do { modelFile = try ModelFile(path: modelPath) } catch { throw CLIError(error.description) }
        let hop = windowHop ?? KeywordSpotter.listeningWindowHop(for: modelFile)
        for path in files {
            let result: (events: [StreamEvent], spotter: KeywordSpotter)
            do {
                result = try StreamDetection.detect(wavPath: path, model: modelFile, detector: settings, windowHopFrames: hop, gate: gate)
            } catch {
                throw CLIError(error.description)
            }
            if let attached = result.spotter.gate { FileSystem.writeStandardError(VADRequest.summary(attached) + "\n") }
            let formatter = EventFormatter(labels: result.spotter.labels, json: json)
            for event in result.events {
                printEvent(formatter.line(keyword: event.keyword, time: event.time, score: event.score), path: path, files: files, json: json)
            }
        }
    }

    /// Prints an event line; with several files, says which one it comes from.
    private static func printEvent(_ line: String, path: String, files: [String], json: Bool) {
        guard files.count > 1 else { return print(line) }
        print(json ? "{\"path\": \(EventFormatter.quoted(path)), " + line.dropFirst() : path + "\t" + line)
    }
}
