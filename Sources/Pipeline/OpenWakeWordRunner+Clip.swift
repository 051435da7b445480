import Runtime

extension OpenWakeWordRunner {
    /// Scores one whole clip (16 kHz, [-1, 1]) with model `m` the way its head was trained and
    /// tested (`OpenWakeWordClip`): the shared stream restarts from reset, reads the 2-s input, and
    /// model `m`'s scores of the last chunk go to `scores` (one per output). Afterwards the stream
    /// holds the clip's state (`reset` before streaming again).
    ///
    /// - Returns: the chunks run, or -1 when `scores` is not one value per output of model `m`.
    /// Allocates: the input buffer, on the first call only.
    func scoreClip(_ samples: UnsafeBufferPointer<Float>, model m: Int, into scores: UnsafeMutableBufferPointer<Float>) -> Int {
        guard scores.count == columnCounts[m] else { return -1 }
        let count = OpenWakeWordClip.inputSamples
        let input: UnsafeMutablePointer<Float>
        if let clipInput {
            input = clipInput
        } else {
            input = .allocate(capacity: count)
            clipInput = input
        }
        reset()
        OpenWakeWordClip.input(for: samples, into: input)
        var i = 0
        while i < count {
            input[i] *= 32768   // openWakeWord reads int16 scale
            i &+= 1
        }
        _ = stream.process(UnsafeBufferPointer(start: input, count: count), rows: input, rowCapacity: 0)
        let chunks = count / stream.chunkSamples
        let first = columnOffsets[m]
        i = 0
        while i < scores.count {
            scores[i] = stream.scores[first &+ i]
            i &+= 1
        }
        return chunks
    }
}
