/// A detected keyword.
public struct DetectionEvent: Sendable, Equatable, CustomStringConvertible {
    /// The keyword's label.
    public var keyword: String
    /// The keyword's index in `DetectorConfiguration.labels` (the network output index).
    public var labelIndex: Int
    /// The onset frame: the first frame, among those the smoothing averaged, whose own score
    /// reached the threshold (counted from 0 at the start of the stream).
    public var frameIndex: Int
    /// Seconds since the stream started, of the onset frame:
    /// `frameIndex × hopSeconds + timeOffsetSeconds`.
    public var time: Double
    /// The smoothed score that crossed the threshold, in [0, 1] for probabilities.
    public var score: Float
    /// The frame whose smoothed score crossed the threshold (≥ `frameIndex`).
    public var decisionFrameIndex: Int
    /// Seconds since the stream started, of the decision frame: when the event was known.
    public var decisionTime: Double

    public init(
        keyword: String, labelIndex: Int, frameIndex: Int, time: Double, score: Float,
        decisionFrameIndex: Int? = nil, decisionTime: Double? = nil
    ) {
        self.keyword = keyword
        self.labelIndex = labelIndex
        self.frameIndex = frameIndex
        self.time = time
        self.score = score
        self.decisionFrameIndex = decisionFrameIndex ?? frameIndex
        self.decisionTime = decisionTime ?? time
    }

    public var description: String { "\(keyword) at \(time) s (score \(score))" }
}

/// A detection as plain values (`Detector.hit(_:)`): `DetectionEvent` without the label's name.
public struct DetectorHit: Sendable, Equatable {
    /// The keyword's index in `DetectorConfiguration.labels`.
    public var labelIndex: Int
    /// The onset frame (as `DetectionEvent.frameIndex`).
    public var frameIndex: Int
    /// Seconds since the stream started, of the onset frame.
    public var time: Double
    /// The smoothed score that crossed the threshold.
    public var score: Float
    /// The frame whose smoothed score crossed the threshold.
    public var decisionFrameIndex: Int
    /// Seconds since the stream started, of the decision frame.
    public var decisionTime: Double
}
