/// A detection a `PipelineStream` made: plain values, so recording one allocates nothing.
public struct PipelineEvent: Equatable, Sendable {
    /// Which of the pipeline's models (index into `Pipeline.models`); 0 while one model runs.
    public var modelIndex: Int
    /// The keyword's index in that model's labels.
    public var labelIndex: Int
    /// Seconds since the stream started (plus the stream's `timeShiftSeconds`).
    public var time: Double
    /// The smoothed score.
    public var score: Float

    public init(modelIndex: Int = 0, labelIndex: Int, time: Double, score: Float) {
        self.modelIndex = modelIndex
        self.labelIndex = labelIndex
        self.time = time
        self.score = score
    }
}
