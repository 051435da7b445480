/// A detected keyword.
public struct DetectionEvent: Sendable, Equatable, CustomStringConvertible {
    /// The keyword's label.
    public var keyword: String
    /// The keyword's index in `DetectorConfiguration.labels` (the network output index).
    public var labelIndex: Int
    /// The frame that triggered the event, counted from 0 at the start of the stream.
    public var frameIndex: Int
    /// Seconds since the stream started: `frameIndex × hopSeconds + timeOffsetSeconds`.
    public var time: Double
    /// The smoothed score that crossed the threshold, in [0, 1] for probabilities.
    public var score: Float

    public init(keyword: String, labelIndex: Int, frameIndex: Int, time: Double, score: Float) {
        self.keyword = keyword
        self.labelIndex = labelIndex
        self.frameIndex = frameIndex
        self.time = time
        self.score = score
    }

    public var description: String { "\(keyword) at \(time) s (score \(score))" }
}
