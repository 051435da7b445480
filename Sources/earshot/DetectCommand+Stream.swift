import Listener
import Model
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
        let modelFile = try ModelFile(path: DefaultModel.resolve(model))
        let hop = windowHop ?? KeywordSpotter.listeningWindowHop(for: modelFile)
        for path in files {
            let (events, spotter) = try StreamDetection.detect(
                wavPath: path, model: modelFile, detector: settings, windowHopFrames: hop)
            let formatter = EventFormatter(labels: spotter.labels, json: json)
            for event in events {
                var line = formatter.line(keyword: event.keyword, time: event.time, score: event.score)
                // With several files, say which one each event comes from.
                if files.count > 1 {
                    line = json ? "{\"path\": \(EventFormatter.quoted(path)), " + line.dropFirst() : path + "\t" + line
                }
                print(line)
            }
        }
    }
}
