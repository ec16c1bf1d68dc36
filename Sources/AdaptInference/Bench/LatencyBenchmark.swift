public import Histogram
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Latency percentiles of repeated runs of one compiled model, measured per run on a monotonic clock.
public struct LatencyStatistics: Sendable, Equatable {
    public var iterations: Int
    /// CPU time the whole process used over the timed runs (every thread of the pool), when measured.
    public var cpuTime: Duration?
    public var p50: Duration
    public var p95: Duration
    public var p99: Duration
    public var mean: Duration
    public var total: Duration

    /// Runs per second over the timed loop (back to back, one thread).
    public var throughput: Double {
        let seconds = Self.seconds(total)
        return seconds > 0 ? Double(iterations) / seconds : 0
    }

    /// Figures measured before (a profile cache entry).
    public init(
        iterations: Int, p50: Duration, p95: Duration, p99: Duration, mean: Duration, total: Duration, cpuTime: Duration? = nil
    ) {
        (self.iterations, self.p50, self.p95, self.p99, self.mean, self.total) = (iterations, p50, p95, p99, mean, total)
        self.cpuTime = cpuTime
    }

    /// CPU time per run, when measured.
    public var cpuTimePerRun: Duration? {
        cpuTime.map { $0 / max(1, iterations) }
    }

    /// Percentiles of the runs recorded in `histogram` (nanoseconds; HdrHistogram's 3 significant digits, so
    /// within 0.1 % of the exact sample), over `total` wall time.
    public init(histogram: Histogram<UInt64>, total: Duration, cpuTime: Duration? = nil) {
        precondition(histogram.totalCount > 0, "no samples")
        func percentile(_ value: Double) -> Duration { .nanoseconds(Int64(histogram.valueAtPercentile(value))) }
        iterations = Int(histogram.totalCount)
        p50 = percentile(50)
        p95 = percentile(95)
        p99 = percentile(99)
        self.total = total
        mean = total / iterations
        self.cpuTime = cpuTime
    }

    /// Nearest-rank percentiles of `samples` (sorted here).
    public init(samples: [Duration]) {
        precondition(!samples.isEmpty, "no samples")
        let sorted = samples.sorted()
        func rank(_ fraction: Double) -> Duration {
            sorted[min(sorted.count - 1, max(0, Int((fraction * Double(sorted.count)).rounded(.up)) - 1))]
        }
        iterations = samples.count
        p50 = rank(0.50)
        p95 = rank(0.95)
        p99 = rank(0.99)
        total = samples.reduce(.zero, +)
        mean = total / samples.count
    }

    public static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) * 1e-18
    }

    public static func milliseconds(_ duration: Duration) -> Double {
        seconds(duration) * 1e3
    }

    /// Whole nanoseconds (truncated), as the histogram and the profile cache store durations.
    public static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}

public enum LatencyBenchmark {
    /// Runs `model` `warmup` times untimed, then `iterations` times timed one by one into an HdrHistogram
    /// (1 ns to 1 min, 3 significant digits: constant memory however long the run). The input buffers are left
    /// as the caller wrote them.
    public static func measure(_ model: any CompiledModel, warmup: Int, iterations: Int) throws -> LatencyStatistics {
        try measure(warmup: warmup, iterations: iterations) { try model.run() }
    }

    /// The same for anything that runs: a single primitive, another backend's op.
    public static func measure(warmup: Int, iterations: Int, _ body: () throws -> Void) throws -> LatencyStatistics {
        precondition(iterations > 0, "iterations must be positive")
        for _ in 0..<warmup { try body() }
        let clock = ContinuousClock()
        var histogram = Histogram<UInt64>(highestTrackableValue: 60_000_000_000, numberOfSignificantValueDigits: .three)
        var total = Duration.zero
        let cpuStart = processCPUTime()
        for _ in 0..<iterations {
            let start = clock.now
            try body()
            let elapsed = start.duration(to: clock.now)
            total += elapsed
            _ = histogram.record(UInt64(clamping: LatencyStatistics.nanoseconds(elapsed)))
        }
        let cpuEnd = processCPUTime()
        let cpuTime = cpuStart.flatMap { start in cpuEnd.map { $0 - start } }
        return LatencyStatistics(histogram: histogram, total: total, cpuTime: cpuTime)
    }

    /// CPU time of the whole process so far (all threads), or nil where the clock is unavailable.
    static func processCPUTime() -> Duration? {
        cpuTime(CLOCK_PROCESS_CPUTIME_ID)
    }

    /// CPU time the calling thread has used so far, or nil where the clock is unavailable.
    public static func threadCPUTime() -> Duration? {
        cpuTime(CLOCK_THREAD_CPUTIME_ID)
    }

    private static func cpuTime(_ clock: clockid_t) -> Duration? {
        var time = timespec()
        guard clock_gettime(clock, &time) == 0 else { return nil }
        return .seconds(time.tv_sec) + .nanoseconds(time.tv_nsec)
    }
}
