import AllocationCounter
import Spotter
import Testing

/// A deterministic noise generator (xorshift), so the tests need no Foundation.
private struct Noise {
    var state: UInt64
    mutating func next(_ level: Float) -> Float {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return level * (Float(state >> 40) / Float(1 << 24) * 2 - 1)
    }
}

/// `seconds` of noise at `floor`, with segments (start, end, level) of louder noise.
private func signal(seconds: Double, floor: Float, segments: [(Double, Double, Float)], rate: Int = 16_000) -> [Float] {
    var noise = Noise(state: 0x9E37_79B9_7F4A_7C15)
    var x = [Float](repeating: 0, count: Int(seconds * Double(rate)))
    for i in x.indices { x[i] = noise.next(floor) }
    for (start, end, level) in segments {
        for i in Int(start * Double(rate))..<Int(end * Double(rate)) { x[i] = noise.next(level) }
    }
    return x
}

/// Pushes `x` in 10 ms chunks; at `decision` seconds starts a search reaching back `lookback`
/// seconds (falling back to the decision time); returns the end it reports (polling after every
/// chunk, forcing at the end) and the seconds pushed when it was reported.
private func findEnd(_ x: [Float], decision: Double, lookback: Double = 1, silence: Double = 0.15,
                     wait: Double = 0.6, rate: Int = 16_000) -> (end: Double, reportedAt: Double)? {
    let finder = KeywordEndFinder(sampleRate: rate, lookbackSeconds: lookback, silenceSeconds: silence, maximumWaitSeconds: wait)
    let chunk = rate / 100
    var offset = 0
    var started = false
    while offset < x.count {
        x.withUnsafeBufferPointer { finder.push(UnsafeBufferPointer(rebasing: $0[offset..<min(offset + chunk, x.count)])) }
        offset += chunk
        if !started && finder.secondsPushed >= decision {
            finder.begin(searchStartSeconds: decision - lookback, decisionSeconds: decision, fallbackSeconds: decision)
            started = true
        }
        if started, let end = finder.poll() { return (end, finder.secondsPushed) }
    }
    guard started, let end = finder.poll(force: true) else { return nil }
    return (end, finder.secondsPushed)
}

@Suite("Keyword end finder: where a detected keyword ends in the audio")
struct KeywordEndFinderTests {
    @Test("a word in a quiet room: its end, to the 10 ms block, once 150 ms of quiet followed",
          arguments: [(0.9, 1.37), (0.5, 0.52), (2.0, 2.695)])
    func quietRoom(start: Double, end: Double) throws {
        // A -60 dB room, the word at -10 dB (with a softer -35 dB tail that still counts).
        let tail = min(end, start + 0.2)
        let x = signal(seconds: 4, floor: 0.001, segments: [(start, tail, 0.3), (tail, end, 0.02)])
        let found = try #require(findEnd(x, decision: start + 0.1, wait: 1.0))
        let blockEnd = (end * 100 - 1e-6).rounded(.up) / 100
        #expect(abs(found.end - blockEnd) < 1e-9, "end \(found.end), expected \(blockEnd)")
        #expect(found.reportedAt >= blockEnd + 0.15 - 1e-9 && found.reportedAt <= blockEnd + 0.16 + 1e-9,
                "reported at \(found.reportedAt)")
    }

    @Test("in steady background noise the end is where the word falls back to the noise")
    func noisyRoom() throws {
        // Background at -26 dB, the word 20 dB above it: the 30 dB range alone would count the
        // background as loud; the 10 dB margin over the quietest block does not.
        let x = signal(seconds: 4, floor: 0.05, segments: [(1.0, 1.62, 0.5)])
        let found = try #require(findEnd(x, decision: 1.3))
        #expect(abs(found.end - 1.62) < 0.011, "end \(found.end)")
    }

    @Test("a decision made after the word ended finds it in the past at once")
    func lateDecision() throws {
        let x = signal(seconds: 3, floor: 0.001, segments: [(0.4, 0.81, 0.3)])
        let found = try #require(findEnd(x, decision: 1.2))
        #expect(abs(found.end - 0.81) < 0.011)
        #expect(found.reportedAt <= 1.21 + 1e-9, "reported at \(found.reportedAt)")
    }

    @Test("speech that goes on: after the maximum wait the fallback time is given; at the stream's end, the newest loud audio")
    func speechGoesOn() throws {
        let x = signal(seconds: 4, floor: 0.001, segments: [(0.5, 3.5, 0.3)])
        let found = try #require(findEnd(x, decision: 1.0, wait: 0.4))
        #expect(found.reportedAt >= 1.4 - 1e-9 && found.reportedAt <= 1.42, "reported at \(found.reportedAt)")
        #expect(found.end == 1.0)
        // The stream stops while the word goes on: forced, the end is where the audio stopped.
        let cut = Array(x.prefix(20_000))
        let forced = try #require(findEnd(cut, decision: 1.0, wait: 0.5))
        #expect(abs(forced.end - 1.25) < 1e-9, "end \(forced.end)")
    }

    @Test("a room louder than the margin allows everywhere: the fallback time")
    func noisyBeyondMargin() throws {
        // Background fluctuating between -26 and -16 dB every 100 ms: never 0.3 s of quiet.
        var segments: [(Double, Double, Float)] = []
        for k in 0..<40 where k % 2 == 0 { segments.append((Double(k) * 0.1, Double(k) * 0.1 + 0.1, 0.15)) }
        segments.append((1.0, 1.3, 0.5))
        let x = signal(seconds: 4, floor: 0.05, segments: segments)
        let found = try #require(findEnd(x, decision: 1.2, silence: 0.3, wait: 0.8))
        #expect(found.end == 1.2)
    }

    @Test("digital silence has no end to find: the decision time is kept")
    func digitalSilence() throws {
        let found = try #require(findEnd([Float](repeating: 0, count: 32_000), decision: 1.0, wait: 0.3))
        #expect(found.end == 1.0)
    }

    @Test("pushing and polling allocate nothing")
    func allocationFree() throws {
        let finder = KeywordEndFinder(sampleRate: 16_000, lookbackSeconds: 1.2, silenceSeconds: 0.15, maximumWaitSeconds: 0.6)
        let x = signal(seconds: 2, floor: 0.01, segments: [(0.5, 0.9, 0.4)])
        var ends = 0
        x.withUnsafeBufferPointer { input in
            // Warm-up outside the count: the first slice of a buffer instantiates Slice's type
            // metadata (a one-time runtime allocation), which an earlier test may or may not have
            // done already depending on the order tests run in (it differs under the sanitizers).
            finder.push(UnsafeBufferPointer(rebasing: input[0..<160]))
            finder.reset()
            allocation_counter_begin()
            for round in 0..<200 {
                var offset = 0
                while offset < input.count {
                    finder.push(UnsafeBufferPointer(rebasing: input[offset..<(offset + 160)]))
                    offset += 160
                    if offset == 16_000 { finder.begin(searchStartSeconds: Double(round) * 2, decisionSeconds: Double(round) * 2 + 1, fallbackSeconds: 0) }
                    if finder.isSearching, finder.poll() != nil { ends += 1 }
                }
            }
            let count = allocation_counter_end()
            #expect(count == 0, "\(count) allocations over 200 × 2 s of audio")
        }
        #expect(ends == 200)
    }
}
