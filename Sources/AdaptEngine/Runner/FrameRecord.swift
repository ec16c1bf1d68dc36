/// One inferred frame, as a trace evaluation scores it (the runner keeps these when asked to).
public struct FrameRecord: Sendable, Equatable {
    /// Seconds since the run started, when the inference began.
    public var start: Double
    /// The inference's latency, in seconds.
    public var latency: Double
    public var variant: String
    /// Whether the top class was the frame's label (nil: the frame had none).
    public var correct: Bool?

    public init(start: Double, latency: Double, variant: String, correct: Bool?) {
        (self.start, self.latency, self.variant, self.correct) = (start, latency, variant, correct)
    }
}
