import Listener
import Pipeline
import Testing

@Suite("Board configurations: the vad key")
struct BoardVADTests {
    private func parse(_ text: String) throws(BoardConfigurationError) -> BoardConfiguration {
        try BoardConfiguration.parse(Array(text.utf8), source: "boards/test.json", directory: "boards")
    }

    @Test("vad: path resolved against the file's directory, settings read, defaults otherwise")
    func readsTheGate() throws {
        let config = try parse(#"{"vad": {"path": "vad.earshot", "threshold": 0.4, "hangover_seconds": 2, "preroll_seconds": 0.5}}"#)
        #expect(config.vad == BoardVAD(path: "boards/vad.earshot",
                                       settings: SpeechGateSettings(threshold: 0.4, hangoverSeconds: 2, preRollSeconds: 0.5)))
        #expect(try parse(#"{"vad": {"path": "/abs/vad.earshot"}}"#).vad == BoardVAD(path: "/abs/vad.earshot"))
        #expect(try parse("{}").vad == nil)
    }

    @Test("vad: a missing path, an unknown key or a threshold outside 0...1 is an error naming the key")
    func refusesBadValues() {
        for (text, key) in [
            (#"{"vad": {"threshold": 0.5}}"#, "vad.path"),
            (#"{"vad": {"path": "v.earshot", "hangover": 1}}"#, "vad.hangover"),
            (#"{"vad": {"path": "v.earshot", "threshold": 1.5}}"#, "vad.threshold"),
        ] {
            do {
                _ = try parse(text)
                Issue.record("accepted \(text)")
            } catch {
                #expect(error.key == key, "\(text): \(error)")
            }
        }
    }
}
