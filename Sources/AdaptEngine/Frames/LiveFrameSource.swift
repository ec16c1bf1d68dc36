internal import Synchronization

/// The engine's stream: the data set replayed like a camera (paced when a rate is set), with the drift the
/// operator injected applied to every frame from the moment it is set.
public struct LiveFrameSource: FrameSource {
    private var dataset: DatasetFrameSource
    private var pacer: FramePacer
    private let injections: DemoInjections
    private let drops: DropCounter
    public var frameShape: [Int] { dataset.frameShape }

    /// Frames a paced stream dropped, read from any thread.
    public final class DropCounter: Sendable {
        let count = Atomic<Int>(0)
        public init() {}
        public var value: Int { count.load(ordering: .relaxed) }
    }

    public init(dataset: DatasetFrameSource, framesPerSecond: Double?, injections: DemoInjections, drops: DropCounter) {
        (self.dataset, self.injections, self.drops) = (dataset, injections, drops)
        pacer = FramePacer(framesPerSecond: framesPerSecond)
    }

    public mutating func next(into input: UnsafeMutableBufferPointer<Float>) throws -> FrameInfo? {
        pacer.waitForNextFrame()
        drops.count.store(pacer.dropped, ordering: .relaxed)
        dataset.drift = injections.drift
        return try dataset.next(into: input)
    }
}
