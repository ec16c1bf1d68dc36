import AdaptInference
import Foundation
import Testing
@testable import AdaptEngine

/// The engine end to end on the demo family's imported models (profiled quickly on a few hundred images): it
/// infers, obeys the operator at once, refuses bad commands without changing anything, and its snapshots carry
/// every field DESIGN.md lists.
@Suite(.serialized) struct AdaptiveEngineTests {
    static let family: ProfiledFamily? = {
        var options = ProfiledFamily.Options()
        options.derive = false
        options.limit = 300
        options.iterations = 100
        return try? ProfiledFamily(manifestPath: DemoFamilyTests.manifestPath, options: options)
    }()

    func engine(_ configure: (inout AdaptiveEngine.Configuration) -> Void = { _ in }) throws -> AdaptiveEngine {
        let family = try #require(Self.family, "the demo family loads and profiles")
        var configuration = AdaptiveEngine.Configuration()
        configure(&configuration)
        let sampler = ContextSampler(interval: .milliseconds(200))
        return family.makeEngine(sampler: sampler, injections: DemoInjections(sampler: sampler), configuration: configuration)
    }

    /// Waits until `condition` holds for a snapshot (at most `timeout` seconds).
    func snapshot(of engine: AdaptiveEngine, timeout: Double = 10, where condition: (EngineSnapshot) -> Bool) -> EngineSnapshot? {
        var sequence = 0
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            guard let snapshot = engine.snapshot(after: sequence, timeout: 1) else { continue }
            if condition(snapshot) { return snapshot }
            sequence = snapshot.sequence
        }
        return nil
    }

    @Test func runsTheMostAccurateVariantWithinTheBudgetsAndInfersLive() throws {
        let engine = try engine()
        try engine.start()
        defer { engine.stop() }
        let family = try #require(Self.family)
        let snapshot = try #require(self.snapshot(of: engine) { $0.inference.count > 500 && $0.inference.throughputIps != nil })
        #expect(snapshot.state == .running)
        // With nothing else running the pick is the profile's: the most accurate within the manifest's budgets.
        let budgets = family.manifest.budgets
        let fitting = family.outcome.profiles.filter {
            LatencyStatistics.milliseconds($0.latency.p95) <= budgets.latencyMs && $0.memoryMB <= budgets.memoryMB
        }
        let best = try #require(fitting.max { $0.accuracy.accuracy < $1.accuracy.accuracy })
        #expect(engine.events.first?.kind == .profile)
        let start = try #require(engine.events.first { $0.kind == .start })
        #expect(start.reason.contains(best.id))
        #expect(try #require(snapshot.inference.accuracy) > 0.8)
        #expect(try #require(snapshot.inference.latencyMs).p50 > 0)
        #expect(snapshot.variants.map(\.id) == family.outcome.profiles.map(\.id))
    }

    @Test func aPinWinsAtOnceAndAnUnpinHandsBackToThePolicy() throws {
        let engine = try engine()
        try engine.start()
        defer { engine.stop() }
        try engine.send(.pin(variant: "mlp"))
        let pinned = try #require(snapshot(of: engine) { $0.active.id == "mlp" })
        #expect(pinned.active.pinned && pinned.policy.pinned == "mlp")
        #expect(pinned.variants.first { $0.id == "mlp" }?.state == .pinned)
        #expect(pinned.events.contains { $0.kind == .pin && $0.reason.contains("mlp") })
        // A pin holds even when it breaks the budgets.
        try engine.send(.setLatencyBudget(milliseconds: 0.0001))
        // The operator's change is in the very next read, before the control thread publishes again.
        #expect(engine.snapshot.policy.latencyBudgetMs == 0.0001)
        Thread.sleep(forTimeInterval: 0.3)
        #expect(engine.snapshot.active.id == "mlp")
        try engine.send(.setLatencyBudget(milliseconds: 5))
        try engine.send(.unpin)
        let released = try #require(snapshot(of: engine) { $0.active.id != "mlp" })
        #expect(!released.active.pinned && released.policy.pinned == nil)
    }

    @Test func aBudgetNothingMeetsRunsTheFastestAndSaysSo() throws {
        let engine = try engine()
        try engine.start()
        defer { engine.stop() }
        let family = try #require(Self.family)
        let fastest = try #require(family.outcome.profiles.min { $0.latency.p95 < $1.latency.p95 })
        try engine.send(.setLatencyBudget(milliseconds: 0.000_001))
        let snapshot = try #require(self.snapshot(of: engine) { $0.active.id == fastest.id })
        #expect(snapshot.policy.reason.contains("no variant meets the budgets"))
        #expect(engine.events.contains { $0.kind == .switch })
    }

    @Test func refusedCommandsChangeNothing() throws {
        let engine = try engine()
        try engine.start()
        defer { engine.stop() }
        let before = engine.snapshot.policy
        #expect(throws: EngineCommandError.self) { try engine.send(.pin(variant: "no-such-model")) }
        #expect(throws: EngineCommandError.self) { try engine.send(.setLatencyBudget(milliseconds: -1)) }
        #expect(throws: EngineCommandError.self) { try engine.send(.setAccuracyFloor(1.5)) }
        #expect(throws: EngineCommandError.self) { try engine.send(.startCPULoad(threads: 0, duty: 1)) }
        let after = try #require(snapshot(of: engine) { _ in true }).policy
        #expect(after.latencyBudgetMs == before.latencyBudgetMs && after.accuracyFloor == before.accuracyFloor)
        #expect(after.pinned == nil)
        #expect(engine.events.contains { $0.kind == .error && $0.reason.contains("CPU load") })
    }

    @Test func pauseKeepsTheActiveVariantWhateverTheBudget() throws {
        let engine = try engine()
        try engine.start()
        defer { engine.stop() }
        let active = try #require(snapshot(of: engine) { $0.active.id != nil }?.active.id)
        try engine.send(.pause)
        try engine.send(.setLatencyBudget(milliseconds: 0.000_001))
        Thread.sleep(forTimeInterval: 0.3)
        let snapshot = engine.snapshot
        #expect(snapshot.policy.paused && snapshot.active.id == active)
        #expect(snapshot.policy.reason.contains("paused"))
    }

    @Test func drivenDriftReachesTheFramesAndIsListed() throws {
        let engine = try engine()
        try engine.start()
        defer { engine.stop() }
        try engine.send(.pin(variant: "cnn-w50"))
        let clean = try #require(snapshot(of: engine) { $0.active.id == "cnn-w50" && $0.inference.count > 2000 })
        try engine.send(.setDrift(try InputDrift(.noise, severity: 5)))
        // Rolling accuracy covers the last 1000 frames: wait until they are all drifted.
        let start = clean.inference.count
        let drifted = try #require(snapshot(of: engine, timeout: 20) { $0.inference.count > start + 3000 })
        let (before, after) = (try #require(clean.inference.accuracy), try #require(drifted.inference.accuracy))
        #expect(after < before - 0.1, "heavy noise must cost accuracy: \(before) → \(after)")
        #expect(drifted.context.injected.contains { $0.contains("drift") })
    }

    @Test func batchJSONHasEveryFieldDesignListsWithNullsNotGaps() throws {
        let engine = try engine()
        try engine.start()
        defer { engine.stop() }
        let snapshot = try #require(self.snapshot(of: engine) { $0.inference.count > 100 && $0.events.count > 0 })
        let line = try snapshot.jsonLine()
        #expect(!line.contains("\n"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        func value(_ path: String, in object: [String: Any]) -> Any? {
            var current: Any? = object
            for key in path.split(separator: ".") { current = (current as? [String: Any])?[String(key)] }
            return current
        }
        for path in ["active.id", "active.pinned", "policy.mode", "policy.latency_budget_ms", "policy.accuracy_floor",
                     "policy.memory_budget_mb", "policy.paused", "context.cpu_util", "context.mem_available_mb",
                     "context.injected", "inference.count", "inference.throughput_ips", "inference.latency_ms.p50",
                     "inference.latency_ms.p95", "inference.latency_ms.p99", "inference.accuracy"] {
            #expect(value(path, in: object) != nil, "\(path) is missing from \(line.prefix(300))")
        }
        let variants = try #require(object["variants"] as? [[String: Any]])
        for key in ["id", "accuracy", "latency_ms_p50", "latency_ms_p95", "memory_mb", "on_front"] {
            #expect(variants.allSatisfy { $0[key] != nil }, "variants[].\(key)")
        }
        let events = try #require(object["events"] as? [[String: Any]])
        #expect(!events.isEmpty && events.allSatisfy { $0["kind"] != nil && $0["reason"] != nil })
        // Absent values are null, present as keys: the context has no battery on this machine or a value.
        #expect((object["context"] as? [String: Any])?.keys.contains("battery_percent") == true)
        let decoded = try EngineSnapshot(jsonLine: line)
        #expect(decoded.context == snapshot.context)
        #expect(decoded.policy == snapshot.policy)
        #expect(decoded.inference == snapshot.inference)
        #expect(decoded.active == snapshot.active)
        #expect(decoded.variants == snapshot.variants)
        #expect(decoded.events == snapshot.events)
        #expect(decoded == snapshot, "a client reads back what the engine wrote")
    }

    /// The runner and the control thread agree: every switch the engine logged is one the runner made, and frames
    /// keep flowing across them.
    @Test func switchesAreLoggedAndCounted() throws {
        let engine = try engine()
        try engine.start()
        defer { engine.stop() }
        for id in ["mlp", "cnn-w25", "cnn-w50", "mlp"] {
            try engine.send(.pin(variant: id))
            _ = try #require(snapshot(of: engine) { $0.active.id == id })
        }
        // A snapshot published after the last switch (one read between a switch and the next publication lags).
        let snapshot = try #require(self.snapshot(of: engine) { $0.inference.switches == engine.events.filter { $0.kind == .switch }.count })
        #expect(snapshot.inference.switches == engine.events.filter { $0.kind == .switch }.count)
        #expect(engine.switchTimes.count == snapshot.inference.switches + 1)
    }
}
