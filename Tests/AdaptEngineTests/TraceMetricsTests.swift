import AdaptInference
import Foundation
import Testing
@testable import AdaptEngine

@Suite struct TraceMetricsTests {
    static let family = PolicyBudgets(latencyMs: 1, memoryMB: 8, accuracyFloor: 0.9)

    /// `latenciesMs.count` frames spread evenly over the second [window, window + 1).
    static func frames(in window: Int, _ latenciesMs: [Double], correct: Bool? = nil) -> [FrameRecord] {
        latenciesMs.enumerated().map { index, ms in
            FrameRecord(start: Double(window) + Double(index) / Double(latenciesMs.count), latency: ms / 1000,
                        variant: "v", correct: correct)
        }
    }

    static func trace(seconds: Double, steps: [ContextTrace.Step] = []) -> ContextTrace {
        ContextTrace(name: "t", durationSeconds: seconds, steps: steps)
    }

    static func metrics(_ frames: [FrameRecord], seconds: Double, steps: [ContextTrace.Step] = [], switches: [Double] = [],
                        decisions: [UInt64] = []) -> TraceMetrics {
        TraceMetrics(PolicyRun(policy: "adaptive", frames: frames, durationSeconds: seconds, switchTimes: switches,
                               decisionNanoseconds: decisions),
                     trace: trace(seconds: seconds, steps: steps), defaults: family)
    }

    /// p95 is the 19th of 20 frames: one slow frame is tolerated, two are not.
    @Test func aSlowTailMissesTheWindow() {
        let fast = [Double](repeating: 0.5, count: 18)
        let result = Self.metrics(
            Self.frames(in: 0, fast + [0.5, 0.5]) + Self.frames(in: 1, fast + [0.5, 5]) + Self.frames(in: 2, fast + [5, 5]),
            seconds: 3)
        #expect(result.windows == 3)
        #expect(result.windowsMet == 2)
        #expect(result.sloAttainment == 2.0 / 3)
        #expect(result.frames == 60)
    }

    /// A second with no frame is a miss; the partial last second is not judged, but its frames count.
    @Test func anEmptyWindowMissesAndThePartialSecondIsNotJudged() {
        let result = Self.metrics(
            Self.frames(in: 0, [0.5, 0.5]) + Self.frames(in: 2, [0.5]) + Self.frames(in: 3, [9]), seconds: 3.7)
        #expect(result.windows == 3)
        #expect(result.windowsMet == 2)
        #expect(result.frames == 4)
    }

    @Test func aRunShorterThanASecondHasNoAttainment() {
        let result = Self.metrics(Self.frames(in: 0, [0.5]), seconds: 0.9)
        #expect(result.windows == 0 && result.sloAttainment == nil)
    }

    /// Each second is judged against the budget in force at its midpoint: a 0.3 ms budget over 1.4–1.6 s fails
    /// second 1, and one over 2.6–3.4 s fails neither second 2 nor 3.
    @Test func aBudgetChangeIsJudgedAtTheWindowsMidpoint() {
        let frames = (0..<4).flatMap { Self.frames(in: $0, [0.5, 0.5, 0.5]) }
        let tighten = { (at: Double) in ContextTrace.Step(at: at, commands: [.setLatencyBudget(milliseconds: 0.3)]) }
        let relax = { (at: Double) in ContextTrace.Step(at: at, commands: [.setLatencyBudget(milliseconds: 1)]) }
        let result = Self.metrics(frames, seconds: 4, steps: [tighten(1.4), relax(1.6), tighten(2.6), relax(3.4)])
        #expect(result.windowsMet == 3)
        #expect(Self.metrics(frames, seconds: 4).windowsMet == 4)
    }

    /// The first switch after each step and before the next one; a step with none is not counted.
    @Test func reactionIsMeasuredPerStep() throws {
        let steps = [5.0, 10, 20].map { ContextTrace.Step(at: $0, commands: [.stopCPULoad]) }
        let result = Self.metrics([], seconds: 30, steps: steps, switches: [20.03, 4, 5.5, 5.12])
        #expect(result.switches == 4)
        try #require(result.reactionMsEach.count == 3)
        #expect(abs(try #require(result.reactionMsEach[0]) - 120) < 1e-6)
        #expect(result.reactionMsEach[1] == nil)
        #expect(abs(try #require(result.reactionMsEach[2]) - 30) < 1e-6)
        #expect(abs(try #require(result.reactionMs) - 120) < 1e-6)

        let atOnce = Self.metrics([], seconds: 30, steps: steps, switches: [10])
        #expect(atOnce.reactionMsEach == [nil, 0, nil] && atOnce.reactionMs == 0)
        let never = Self.metrics([], seconds: 30, steps: steps)
        #expect(never.reactionMs == nil && never.reactionMsEach == [nil, nil, nil] && never.switches == 0)
    }

    /// A second in which more than 5 % of the frames ran on a variant over the memory budget at its midpoint misses.
    @Test func memoryAttainmentJudgesEachFrameAgainstTheBudgetThen() throws {
        let frames = (0..<4).map { second in
            FrameRecord(start: Double(second) + 0.5, latency: 0.0001, variant: second == 2 ? "small" : "large", correct: true)
        }
        let squeeze = [ContextTrace.Step(at: 1, commands: [.setMemoryBudget(megabytes: 0.2)]),
                       ContextTrace.Step(at: 3, commands: [.setMemoryBudget(megabytes: 8)])]
        let run = PolicyRun(policy: "largest", frames: frames, durationSeconds: 4, switchTimes: [],
                            variantMemoryMB: ["large": 0.56, "small": 0.06])
        let result = TraceMetrics(run, trace: Self.trace(seconds: 4, steps: squeeze), defaults: Self.family)
        #expect(result.memoryAttainment == 0.75)  // second 1 ran large (0.56 MB) under a 0.2 MB budget
        #expect(Self.metrics(frames, seconds: 4, steps: squeeze).memoryAttainment == nil)
        // The frame still running on the large variant as the budget drops is within the 5 % a second may have.
        let late = (0..<40).map { FrameRecord(start: 1 + Double($0) / 40, latency: 0.0001, variant: $0 == 0 ? "large" : "small",
                                              correct: true) }
        let lateRun = PolicyRun(policy: "adaptive", frames: late, durationSeconds: 2, switchTimes: [1.01],
                                variantMemoryMB: ["large": 0.56, "small": 0.06])
        #expect(TraceMetrics(lateRun, trace: Self.trace(seconds: 2, steps: squeeze), defaults: Self.family).memoryAttainment == 0.5)
    }

    /// A swap's cost is the gap it leaves in the stream, against the usual gap between frames.
    @Test func switchGapAgainstTheUsualFrameGap() throws {
        let frames = [FrameRecord(start: 0, latency: 0.001, variant: "a", correct: nil),
                      FrameRecord(start: 0.0011, latency: 0.001, variant: "a", correct: nil),   // 100 µs after
                      FrameRecord(start: 0.0026, latency: 0.001, variant: "b", correct: nil),   // 500 µs: the swap
                      FrameRecord(start: 0.0037, latency: 0.001, variant: "b", correct: nil)]   // 100 µs
        let result = Self.metrics(frames, seconds: 1)
        #expect(abs(try #require(result.switchGapUsMax) - 500) < 1e-6)
        #expect(abs(try #require(result.switchGapUsP50) - 500) < 1e-6)
        #expect(abs(try #require(result.frameGapUsP50) - 100) < 1e-6)
    }

    /// A load that reaches the inference thread late is reacted to from the first frame over the budget, not from
    /// the step; the time from the step is kept beside it.
    @Test func reactionCountsFromWhenTheStepBit() throws {
        let load = [ContextTrace.Step(at: 2, commands: [.startCPULoad(threads: 2, duty: 1)])]
        // Frames every 10 ms at 0.5 ms; from 2.4 s they take 3 ms (over the 1 ms budget); the switch comes at 2.45 s.
        let frames = stride(from: 0.0, to: 3, by: 0.01).map { start in
            FrameRecord(start: start, latency: start >= 2.4 ? 0.003 : 0.0005, variant: "large", correct: true)
        }
        let result = Self.metrics(frames, seconds: 3, steps: load, switches: [2.45])
        #expect(abs(try #require(result.reactionMs) - 50) < 1e-6)
        #expect(abs(try #require(result.reactionFromStepMsEach[0]) - 450) < 1e-6)
        // A step that never slowed anything before the switch counts from the step.
        let calm = frames.map { FrameRecord(start: $0.start, latency: 0.0005, variant: $0.variant, correct: true) }
        #expect(abs(try #require(Self.metrics(calm, seconds: 3, steps: load, switches: [2.45]).reactionMs) - 450) < 1e-6)
    }

    /// Nearest rank: p99 of 1…100 µs is the 99th value, not the largest; p50 the 50th.
    @Test func decisionPercentilesAreNearestRank() {
        var generator = SeededGenerator(seed: 7)
        let decisions = (1...100).map { UInt64($0) * 1000 }.shuffled(using: &generator)
        let result = Self.metrics([], seconds: 1, decisions: decisions)
        #expect(result.decisionUsP50 == 50)
        #expect(result.decisionUsP99 == 99)
        let baseline = Self.metrics([], seconds: 1)
        #expect(baseline.decisionUsP50 == nil && baseline.decisionUsP99 == nil)
    }

    @Test func percentileRanks() {
        #expect(TraceMetrics.percentile(50, of: [1, 2, 3, 4]) == 2)
        #expect(TraceMetrics.percentile(95, of: Array(1...20)) == 19)
        #expect(TraceMetrics.percentile(95, of: Array(1...21)) == 20)
        #expect(TraceMetrics.percentile(100, of: [1, 2, 3]) == 3)
        #expect(TraceMetrics.percentile(0, of: [1, 2, 3]) == 1)
        #expect(TraceMetrics.percentile(99, of: [7]) == 7)
        #expect(TraceMetrics.percentile(50, of: [Int]()) == nil)
    }

    @Test func accuracyIgnoresUnlabelledFrames() {
        let frames = Self.frames(in: 0, [0.5, 0.5], correct: true) + Self.frames(in: 1, [0.5], correct: false)
            + Self.frames(in: 2, [0.5, 0.5, 0.5], correct: nil)
        #expect(Self.metrics(frames, seconds: 3).accuracy == 2.0 / 3)
        #expect(Self.metrics(Self.frames(in: 0, [0.5], correct: nil), seconds: 1).accuracy == nil)
    }

    /// DESIGN.md's `eval` keys are all there, absent values as null.
    @Test func jsonHasEveryKeyWithNullsWhereAbsent() throws {
        let baseline = TraceMetrics(
            policy: "largest", sloAttainment: 0.5, accuracy: nil, switches: 0, decisionUsP50: nil, decisionUsP99: nil,
            reactionMs: nil, reactionMsEach: [nil, 12.5], frames: 40, windows: 2, windowsMet: 1)
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase  // as the command line encodes it
        encoder.outputFormatting = [.sortedKeys]
        let line = String(decoding: try encoder.encode(baseline), as: UTF8.self)
        #expect(line == """
            {"accuracy":null,"decision_us_p50":null,"decision_us_p99":null,"frame_gap_us_p50":null,\
            "frame_gap_us_p99":null,"frames":40,"memory_attainment":null,\
            "policy":"largest","reaction_from_step_ms_each":[null,12.5],"reaction_ms":null,"reaction_ms_each":[null,12.5],\
            "slo_attainment":0.5,"switch_gap_us_max":null,"switch_gap_us_p50":null,"switches":0,"windows":2,"windows_met":1}
            """)

        let adaptive = Self.metrics(Self.frames(in: 0, [0.5], correct: true), seconds: 1, switches: [0.2], decisions: [2000])
        let object = try #require(try JSONSerialization.jsonObject(with: encoder.encode(adaptive)) as? [String: Any])
        let designKeys: Set = ["policy", "slo_attainment", "accuracy", "switches", "decision_us_p50", "decision_us_p99", "reaction_ms"]
        #expect(designKeys.isSubset(of: object.keys))
        #expect(object["decision_us_p99"] as? Double == 2)
        #expect(object["reaction_ms"] is NSNull)
    }
}
