import Testing
@testable import AdaptEngine

@Suite struct OperatorControlsTests {
    static let start = OperatorControls(budgets: PolicyBudgets(latencyMs: 0.3, memoryMB: 8, accuracyFloor: 0.9))
    static let variants = ["mlp", "cnn-w25", "cnn-w25-int8"]

    @Test func commandsChangeWhatTheySayAndLogIt() throws {
        var controls = Self.start
        #expect(try controls.apply(.pin(variant: "cnn-w25-int8"), variants: Self.variants) == "pinned cnn-w25-int8")
        #expect(try controls.apply(.pause, variants: Self.variants) == "adaptation paused")
        #expect(try controls.apply(.setLatencyBudget(milliseconds: 0.5), variants: Self.variants) == "latency budget 0.50 ms")
        #expect(try controls.apply(.setAccuracyFloor(0.92), variants: Self.variants) == "accuracy floor 92.0 %")
        #expect(try controls.apply(.setMode(.balanced), variants: Self.variants) == "policy mode balanced")
        #expect(controls == OperatorControls(
            budgets: PolicyBudgets(latencyMs: 0.5, memoryMB: 8, accuracyFloor: 0.92), mode: .balanced,
            pinned: "cnn-w25-int8", paused: true))
        _ = try controls.apply(.unpin, variants: Self.variants)
        _ = try controls.apply(.resume, variants: Self.variants)
        #expect(controls.pinned == nil && !controls.paused)
    }

    /// An unknown variant or an impossible budget is a clear error, and nothing changes.
    @Test func badCommandsChangeNothing() {
        var controls = Self.start
        #expect(throws: EngineCommandError(message: "no variant 'resnet-50' (known: mlp, cnn-w25, cnn-w25-int8)")) {
            try controls.apply(.pin(variant: "resnet-50"), variants: Self.variants)
        }
        #expect(throws: EngineCommandError(message: "latency budget must be a positive number of milliseconds, -1.0 given")) {
            try controls.apply(.setLatencyBudget(milliseconds: -1), variants: Self.variants)
        }
        #expect(throws: EngineCommandError(message: "accuracy floor is a fraction 0…1, 92.0 given")) {
            try controls.apply(.setAccuracyFloor(92), variants: Self.variants)
        }
        #expect(throws: EngineCommandError.self) { try controls.apply(.setMemoryBudget(megabytes: .infinity), variants: Self.variants) }
        #expect(controls == Self.start)
    }
}
