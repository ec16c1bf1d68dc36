import Testing
@testable import AdaptEngine

@Suite struct AdaptationPolicyTests {
    // Figures like the demo family's front.
    static let small = PolicyCandidate(id: "small", accuracy: 0.898, latencyP95Ms: 0.01, memoryMB: 0.2)
    static let medium = PolicyCandidate(id: "medium", accuracy: 0.919, latencyP95Ms: 0.05, memoryMB: 0.06)
    static let large = PolicyCandidate(id: "large", accuracy: 0.930, latencyP95Ms: 0.30, memoryMB: 0.56)
    static let candidates = [small, medium, large]
    static let budgets = PolicyBudgets(latencyMs: 0.5, memoryMB: 8, accuracyFloor: 0.90)
    let policy = AdaptationPolicy()

    func input(_ mode: PolicyMode = .maxAccuracy, contention: Double = 1, active: String? = nil, since: Double = 10,
               budgets: PolicyBudgets = budgets, pinned: String? = nil, paused: Bool = false) -> PolicyInput {
        PolicyInput(candidates: Self.candidates, budgets: budgets, mode: mode, contention: contention, active: active,
                    secondsSinceSwitch: since, pinned: pinned, paused: paused)
    }

    @Test func eachModePicksItsVariant() {
        #expect(policy.decide(input(.maxAccuracy)).variant == "large")
        #expect(policy.decide(input(.minLatency)).variant == "medium")  // small is below the 0.90 floor
        #expect(policy.decide(input(.balanced)).variant == "large")      // 0.30 ≤ 0.6 × 0.5
        let tight = PolicyBudgets(latencyMs: 0.4, memoryMB: 8, accuracyFloor: 0.90)
        #expect(policy.decide(input(.balanced, budgets: tight)).variant == "medium")  // 0.30 > 0.6 × 0.4
        #expect(policy.decide(input(.maxAccuracy, budgets: tight)).variant == "large")
    }

    /// Contention scales every prediction; the active variant breaking the budget is left at once, dwell or not.
    @Test func contentionBreakingTheBudgetSwitchesAtOnce() {
        let decision = policy.decide(input(contention: 2, active: "large", since: 0.5))
        #expect(decision.variant == "medium" && decision.switched)
        #expect(decision.reason == "large → medium: its predicted p95 0.60 ms exceeds the 0.50 ms budget")
    }

    /// A voluntary switch waits for the dwell, and never to a variant within the margin of the budget.
    @Test func hysteresisPreventsFlapping() {
        let recent = policy.decide(input(active: "medium", since: 1))
        #expect(recent.variant == "medium" && !recent.switched && recent.reason.contains("dwell"))
        #expect(policy.decide(input(active: "medium", since: 3)).variant == "large")
        // large predicted at 0.30 × 1.55 = 0.465 ms: inside the budget, but within 10 % of it.
        let edge = policy.decide(input(contention: 1.55, active: "medium", since: 10))
        #expect(edge.variant == "medium" && !edge.switched, "\(edge.reason)")
        #expect(policy.decide(input(contention: 1.4, active: "medium", since: 10)).variant == "large")  // 0.42 ms
    }

    /// When the most accurate variant would sit within the margin of the budget, the engine still climbs to the
    /// best one that leaves the margin, rather than staying put.
    @Test func aVariantAtTheBudgetsEdgeDoesNotBlockASaferStepUp() {
        let tiny = PolicyCandidate(id: "tiny", accuracy: 0.90, latencyP95Ms: 0.005, memoryMB: 0.1)
        let candidates = [tiny, Self.medium, Self.large]
        // large at 0.30 ms against a 0.32 ms budget: fits, but inside the 10 % margin; medium (0.05 ms) is clear.
        let budgets = PolicyBudgets(latencyMs: 0.32, memoryMB: 8, accuracyFloor: 0.85)
        let decision = policy.decide(PolicyInput(candidates: candidates, budgets: budgets, mode: .maxAccuracy, active: "tiny",
                                                 secondsSinceSwitch: 10))
        #expect(decision.variant == "medium" && decision.switched, "\(decision.reason)")
        // From medium itself there is nothing better that leaves the margin: it stays, and says why.
        let stay = policy.decide(PolicyInput(candidates: candidates, budgets: budgets, mode: .maxAccuracy, active: "medium",
                                             secondsSinceSwitch: 10))
        #expect(stay.variant == "medium" && !stay.switched && stay.reason.contains("within 10 %"))
    }

    @Test func theOperatorWins() {
        let pinned = policy.decide(input(active: "large", pinned: "small"))
        #expect(pinned.variant == "small" && pinned.switched && pinned.reason == "small pinned by the operator")
        let paused = policy.decide(input(contention: 5, active: "large", paused: true))
        #expect(paused.variant == "large" && !paused.switched && paused.reason == "adaptation paused by the operator")
    }

    /// A latency measured on the device for one variant beats its profile × contention: preemption hurts a long
    /// inference far more than a short one, so one factor for all mispredicts.
    @Test func anObservedLatencyOverridesTheScaledProfile() {
        // Contention ×3 measured on `medium` (0.15 ms) predicts large at 0.90 ms, over the budget…
        var scaled = input(contention: 3, active: "medium", since: 10)
        #expect(policy.decide(scaled).variant == "medium")
        // …but a probe found large at 0.40 ms now: it fits (and within the margin: 0.40 ≤ 0.45).
        scaled.candidates[2].observedLatencyP95Ms = 0.40
        scaled.candidates[1].observedLatencyP95Ms = 0.15
        let decision = policy.decide(scaled)
        #expect(decision.variant == "large" && decision.switched)
        #expect(decision.reason.contains("predicted p95 0.40 ms"), "\(decision.reason)")
        // And an observation that it is slow keeps the engine off it even with no contention.
        var quiet = input(contention: 1, active: "medium", since: 10)
        quiet.candidates[2].observedLatencyP95Ms = 2.0
        #expect(policy.decide(quiet).variant == "medium")
    }

    @Test func nothingFeasibleRunsTheFastest() {
        let decision = policy.decide(input(contention: 100, active: "large"))
        #expect(decision.variant == "small" && decision.switched)
        #expect(decision.reason == "no variant meets the budgets under 100.0× contention; running the fastest, small")
    }

    /// The same input gives the same decision, and ties go to the faster variant.
    @Test func deterministicWithTiesBrokenByLatency() {
        let twin = PolicyCandidate(id: "large-fast", accuracy: 0.930, latencyP95Ms: 0.20, memoryMB: 0.56)
        let tied = PolicyInput(candidates: Self.candidates + [twin], budgets: Self.budgets, mode: .maxAccuracy)
        #expect(policy.decide(tied).variant == "large-fast")
        #expect(policy.decide(tied) == policy.decide(tied))
    }
}
