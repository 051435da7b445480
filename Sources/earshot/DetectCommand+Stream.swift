import Listener
import Spotter

// `earshot detect --stream`: a long recording through `listen`'s pipeline (Listener.StreamDetection:
// resampling, front end, network, detector), in 10 ms chunks as a capture device delivers them.
extension DetectCommand {
    func runStream() throws {
        var settings = DetectorSettings()
        var windowHop: Int? = nil
        if let config {
            let board = try BoardConfiguration.load(path: config)
            settings = board.detector
            windowHop = board.model.windowHopFrames
        }
        let paths = model.isEmpty ? [try DefaultModel.resolve(nil)] : model
        // Every model (Earshot's and imported microWakeWord graphs) on one pipeline.
        let pipeline = try StreamPipeline.make(paths: paths, detector: thresholdOption.applied(to: settings), windowHopFrames: windowHop)
        for path in files {
            let (events, spotter) = try StreamDetection.detect(wavPath: path, pipeline: pipeline)
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
