import Spotter
import Testing

@Suite("SlidingMeanDetector: microWakeWord's mean-of-the-last-N rule")
struct SlidingMeanDetectorTests {
    @Test("detects exactly where the mean of the last N exceeds the cutoff, with N-step refill after reset")
    func matchesTheDefinition() throws {
        var generator = SystemRandomNumberGenerator()
        for window in [1, 3, 5, 10] {
            let detector = try SlidingMeanDetector(windowSize: window, cutoff: 0.6, keyword: "k")
            // Probabilities on a 1/256 grid, as a uint8 output dequantizes.
            let probabilities = (0..<500).map { _ in Float(Int.random(in: 0...255, using: &generator)) / 256 }
            var history: [Float] = []
            for p in probabilities {
                history.append(p)
                let last = history.suffix(window)
                let expected = last.count == window && last.reduce(0.0) { $0 + Double($1) } / Double(window) > 0.6
                let got = detector.push(p)
                #expect((got != nil) == expected, "window \(window)")
                if got != nil {
                    detector.reset()
                    history.removeAll()
                }
            }
        }
    }

    @Test("bad windows and cutoffs are refused")
    func refusesBadSettings() {
        #expect(throws: SpotterError.smoothingWindowOutOfRange(0)) { try SlidingMeanDetector(windowSize: 0, cutoff: 0.5, keyword: "k") }
        #expect(throws: SpotterError.self) { try SlidingMeanDetector(windowSize: 3, cutoff: 1.5, keyword: "k") }
    }
}
