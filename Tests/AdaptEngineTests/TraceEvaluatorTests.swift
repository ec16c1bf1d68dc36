import AdaptInference
import Foundation
import Testing
@testable import AdaptEngine

/// A short contention trace replayed for real on the demo family's imported models: every policy runs the same
/// steps and is scored on its own frames; the oracle picks from what a survey measured.
@Suite(.serialized) struct TraceEvaluatorTests {
    @Test func everyPolicyReplaysTheTraceAndTheOracleIsPickedFromMeasurements() throws {
        let family = try #require(AdaptiveEngineTests.family)
        let trace = try ContextTrace.parse("""
            name: short-contention
            duration_s: 3
            budgets: {latency_ms: 5}
            steps:
              - {at_s: 1, cpu_load: {threads: 2}}
              - {at_s: 2, cpu_load: off}
            """, source: "short.yaml")
        var evaluator = TraceEvaluator(family: family, trace: trace)
        evaluator.settleSeconds = 0.2
        #expect(evaluator.stretches == [.init(start: 0, end: 1), .init(start: 1, end: 2), .init(start: 2, end: 3)])
        let outcomes = try evaluator.evaluate()
        #expect(outcomes.map(\.metrics.policy) == ["adaptive", "largest", "smallest", "oracle"])
        for outcome in outcomes {
            let metrics = outcome.metrics
            #expect(metrics.frames > 100, "\(metrics.policy) inferred")
            #expect(metrics.windows == 3)
            #expect(try #require(metrics.accuracy) > 0.5)
        }
        let byPolicy = Dictionary(uniqueKeysWithValues: outcomes.map { ($0.metrics.policy, $0.metrics) })
        // The baselines never switch and make no decisions; the engine decides and times each decision.
        #expect(byPolicy["largest"]?.switches == 0 && byPolicy["largest"]?.decisionUsP50 == nil)
        #expect(byPolicy["smallest"]?.switches == 0)
        #expect(try #require(byPolicy["adaptive"]?.decisionUsP99) > 0)
        let largest = try evaluator.baseline(.largest)
        let front = family.outcome.profiles.filter(\.onFront)
        #expect(largest == front.max { $0.accuracy.accuracy < $1.accuracy.accuracy }?.id)
        // The oracle's rule, checked on a survey of its own: per stretch, the most accurate front variant whose
        // measured p95 fits the budget (or, if none fits, the fastest measured).
        let survey = try evaluator.survey()
        #expect(survey.count == 3)
        let schedule = try evaluator.oracleSchedule(survey: survey)
        #expect(schedule.map(\.at) == [0, 1, 2])
        let accuracy = Dictionary(uniqueKeysWithValues: front.map { ($0.id, $0.accuracy.accuracy) })
        for (stretch, (measured, pick)) in zip(evaluator.stretches, zip(survey, schedule)) {
            #expect(measured.count == front.count, "every front variant measured in \(stretch): \(measured)")
            let fitting = measured.filter { $0.value <= 5 }
            if let best = fitting.max(by: { (accuracy[$0.key] ?? 0, -$0.value) < (accuracy[$1.key] ?? 0, -$1.value) }) {
                #expect(pick.variant == best.key, "\(stretch): \(measured)")
            } else {
                #expect(pick.variant == measured.min { $0.value < $1.value }?.key)
            }
        }
    }
}
