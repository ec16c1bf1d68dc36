#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Spaces frames at a fixed rate, like a camera: frame k is due at start + k / fps.
/// A late frame is not made up for by bursting: the schedule restarts from now (a camera drops, it does not queue).
public struct FramePacer {
    public let framesPerSecond: Double?
    private let now: () -> Duration
    private let sleep: (Duration) -> Void
    private var nextDue: Duration?
    /// Frame slots that passed while a late frame was still running (a camera would have dropped them).
    public private(set) var dropped = 0

    /// - Parameters:
    ///   - framesPerSecond: nil or ≤ 0 means as fast as possible.
    ///   - now: monotonic time since any fixed origin; `sleep` blocks the calling (inference) thread.
    public init(framesPerSecond: Double?, now: @escaping () -> Duration, sleep: @escaping (Duration) -> Void) {
        self.framesPerSecond = framesPerSecond.flatMap { $0 > 0 ? $0 : nil }
        self.now = now
        self.sleep = sleep
    }

    /// A pacer on the system's monotonic clock.
    public init(framesPerSecond: Double?) {
        let clock = ContinuousClock()
        let origin = clock.now
        self.init(framesPerSecond: framesPerSecond, now: { origin.duration(to: clock.now) }, sleep: { duration in
            let (seconds, attoseconds) = duration.components
            var request = timespec(tv_sec: Int(seconds), tv_nsec: Int(attoseconds / 1_000_000_000))
            // Resume with the remaining time when a signal interrupts the sleep.
            var remaining = timespec()
            while nanosleep(&request, &remaining) == -1 && errno == EINTR { request = remaining }
        })
    }

    /// Blocks until the next frame is due; returns at once when unpaced.
    public mutating func waitForNextFrame() {
        guard let framesPerSecond else { return }
        let interval = Duration.nanoseconds(Int64(1e9 / framesPerSecond))
        let current = now()
        guard let due = nextDue, due > current else {
            if let due = nextDue { dropped += Int((current - due) / interval) }
            nextDue = current + interval
            return
        }
        sleep(due - current)
        nextDue = due + interval
    }
}
