import Histogram
import Testing
@testable import AdaptInference

@Suite struct LatencyStatisticsTests {
    /// The HdrHistogram percentiles agree with exact nearest-rank ones within its 3 significant digits.
    @Test func histogramPercentilesMatchExactOnes() {
        var generator = SeededGenerator(seed: 42)
        // A latency-like spread: mostly 40–60 µs, a tail to 2 ms.
        let samples: [Duration] = (0..<5000).map { index in
            let base = Int64.random(in: 40_000...60_000, using: &generator)
            return .nanoseconds(index % 50 == 0 ? base * Int64.random(in: 3...30, using: &generator) : base)
        }
        var histogram = Histogram<UInt64>(highestTrackableValue: 60_000_000_000, numberOfSignificantValueDigits: .three)
        for sample in samples { _ = histogram.record(UInt64(LatencyStatistics.nanoseconds(sample))) }
        let total = samples.reduce(.zero, +)
        let exact = LatencyStatistics(samples: samples)
        let recorded = LatencyStatistics(histogram: histogram, total: total)
        #expect(recorded.iterations == 5000)
        #expect(recorded.mean == exact.mean)
        for (a, b) in [(recorded.p50, exact.p50), (recorded.p95, exact.p95), (recorded.p99, exact.p99)] {
            let relative = abs(LatencyStatistics.seconds(a) - LatencyStatistics.seconds(b)) / LatencyStatistics.seconds(b)
            #expect(relative <= 0.001, "\(a) vs exact \(b)")
        }
    }
}
