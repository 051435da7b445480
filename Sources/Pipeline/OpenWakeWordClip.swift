/// How a multi-class openWakeWord head scores one whole clip (`earshot eval`, clip `detect`):
/// exactly the procedure its training and test used (tools/train/bb_frontend.py `slot()` and
/// `background()`, bb_eval.py), since a head over 16 embeddings (1.28 s) reads more audio than a
/// 1-s command clip holds, and what fills the rest decides its scores:
///
/// 1. the clip is cut or zero-padded to 1 s (`rate` samples, TensorFlow's DecodeWav);
/// 2. its background is its quietest 100 ms, searched in steps of 25 ms over the part before any
///    trailing run of exact zeros (a short recording's padding), mirror-tiled to 1 s (zeros when the
///    clip is all zeros);
/// 3. the input is that background, then the clip with its trailing zero run filled with the same
///    background (no digital silence, which the noisy training clips never have);
/// 4. the stream starts from reset; the prediction is the last chunk's scores.
///
/// Energies are summed in Double (numpy sums float32 products; they pick the same segment
/// unless two are equal to float precision).
enum OpenWakeWordClip {
    /// Samples per clip (1 s at 16 kHz).
    static let rate = 16000
    /// Samples per background segment (100 ms) and between candidate segments (25 ms).
    static let quietSamples = 1600
    static let searchStep = 400
    /// Samples of the input: background, then the clip.
    static var inputSamples: Int { 2 &* rate }

    /// Writes the 2-s input for `clip` (16 kHz, [-1, 1]) to `input` (`inputSamples` values).
    /// Allocates: never.
    static func input(for clip: UnsafeBufferPointer<Float>, into input: UnsafeMutablePointer<Float>) {
        let body = input + rate
        let kept = Swift.min(clip.count, rate)
        if let base = clip.baseAddress { body.update(from: base, count: kept) }
        (body + kept).update(repeating: 0, count: rate &- kept)
        var end = rate
        while end > 0 && body[end &- 1] == 0 { end &-= 1 }
        background(body, end: end, into: input)
        (body + end).update(from: input, count: rate &- end)
    }

    /// The quietest `quietSamples` of clip[0 ..< end] (all of it when shorter), mirror-tiled over
    /// `rate` samples at `out`; zeros when `end` is 0.
    private static func background(_ clip: UnsafeMutablePointer<Float>, end: Int, into out: UnsafeMutablePointer<Float>) {
        guard end > 0 else {
            out.update(repeating: 0, count: rate)
            return
        }
        var start = 0, length = end
        if end > quietSamples {
            length = quietSamples
            var lowest = Double.infinity
            var s = 0
            while s &+ quietSamples <= end {
                var energy = 0.0
                for i in s..<(s &+ quietSamples) { energy += Double(clip[i]) * Double(clip[i]) }
                if energy < lowest { (lowest, start) = (energy, s) }
                s &+= searchStep
            }
        }
        // The tile is the piece, then the piece reversed (no jump where copies meet), repeated.
        let period = 2 &* length
        for i in 0..<rate {
            let k = i % period
            out[i] = clip[start &+ (k < length ? k : period &- 1 &- k)]
        }
    }
}
