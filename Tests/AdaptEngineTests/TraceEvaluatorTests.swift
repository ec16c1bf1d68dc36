import AdaptInference
import Foundation
import Testing
@testable import AdaptEngine

/// A short contention trace replayed for real on the demo family's imported models: every policy runs the same
/// steps and is scored on its own frames.
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
        // With a 5 ms budget every imported model fits even under load: the oracle keeps the most accurate, as
        // the largest baseline does, and reaches its accuracy.
        let largest = try evaluator.baseline(.largest)
        let front = family.outcome.profiles.filter(\.onFront)
        #expect(largest == front.max { $0.accuracy.accuracy < $1.accuracy.accuracy }?.id)
        #expect(byPolicy["oracle"]?.switches == 0)
        #expect(abs(try #require(byPolicy["oracle"]?.accuracy) - (try #require(byPolicy["largest"]?.accuracy))) < 0.02)
    }
}
