/// A detection a `PipelineStream` made: plain values, so recording one allocates nothing.
public struct PipelineEvent: Equatable, Sendable {
    /// Which of the pipeline's models (index into `Pipeline.parts`).
    public var modelIndex: Int
    /// The keyword's index in that model's labels (`Pipeline.Part.labels`).
    public var labelIndex: Int
    /// The keyword's index in the stream's flat list of every model's labels
    /// (`PipelineStream.labels`); equals `labelIndex` for a pipeline of one model.
    public var keywordIndex: Int
    /// Seconds since the stream started (plus the stream's `timeShiftSeconds`).
    public var time: Double
    /// The smoothed score.
    public var score: Float

    public init(modelIndex: Int = 0, labelIndex: Int, keywordIndex: Int? = nil, time: Double, score: Float) {
        self.modelIndex = modelIndex
        self.labelIndex = labelIndex
        self.keywordIndex = keywordIndex ?? labelIndex
        self.time = time
        self.score = score
    }
}
