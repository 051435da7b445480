// `earshot detect --stream`'s work, apart from its command so the static aarch64 build
// (Aarch64/earshot) runs the same code. Typed throws: Embedded Swift has no `any Error`.
import Listener
import Model
import Pipeline
import Spotter
import SystemFile

/// A long recording through `listen`'s pipeline (Listener.StreamDetection: resampling, front end,
/// network, detector), in 10 ms chunks as a capture device delivers them.
enum StreamDetect {
    /// Prints the keyword events of each file in `files`, one line each (JSON with `json`).
    ///
    /// - Parameters:
    ///   - modelPaths: the models given (several: all on one pipeline, each front end once per hop).
    ///   - modelPath: the first model, or the default model when none was given.
    ///   - config: a board configuration for the detector settings (and window hop).
    ///   - threshold: `--threshold`, over the board configuration's.
    static func run(files: [String], modelPaths: [String], modelPath: String, config: String?, json: Bool,
                    threshold: Float? = nil, vad: VADRequest = VADRequest()) throws(CLIError) {
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
        // Every model (Earshot's and imported microWakeWord graphs) on one pipeline.
        let paths = modelPaths.isEmpty ? [modelPath] : modelPaths
        let pipeline = try StreamPipeline.make(
            paths: paths, detector: StreamPipeline.applying(threshold: threshold, to: settings), windowHopFrames: windowHop)
        for path in files {
            let result: (events: [StreamEvent], spotter: KeywordSpotter)
            do {
                result = try StreamDetection.detect(wavPath: path, pipeline: pipeline, gate: gate)
            } catch {
                throw CLIError(error.description)
            }
            if result.spotter.gate != nil { FileSystem.writeStandardError(VADRequest.summary(result.spotter.stream) + "\n") }
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
