import Foundation
import Testing
@testable import AdaptEngine

@Suite struct ContextTraceTests {
    static let examples = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Examples/traces")
    static let family = PolicyBudgets(latencyMs: 0.3, memoryMB: 8, accuracyFloor: 0.9)

    static func example(_ name: String) throws -> ContextTrace {
        try ContextTrace.load(contentsOf: examples.appendingPathComponent(name).path)
    }

    @Test func contentionExampleTogglesThreeHogs() throws {
        let trace = try Self.example("contention.yaml")
        #expect(trace.name == "contention")
        #expect(trace.durationSeconds == 40)
        #expect(trace.mode == .maxAccuracy)
        #expect(trace.budgetOverrides == .init(latencyMs: 0.6))
        #expect(trace.steps == [
            .init(at: 8, commands: [.startCPULoad(threads: 3, duty: 1)]),
            .init(at: 20, commands: [.stopCPULoad]),
            .init(at: 28, commands: [.startCPULoad(threads: 3, duty: 1)]),
            .init(at: 36, commands: [.stopCPULoad]),
        ])
        // Injections leave the budgets alone: one phase, the family's with the trace's latency budget.
        #expect(trace.phases(startingFrom: Self.family) == [
            .init(start: 0, controls: OperatorControls(budgets: .init(latencyMs: 0.6, memoryMB: 8, accuracyFloor: 0.9))),
        ])
    }

    @Test func budgetSweepExampleStepsTheLatencyBudget() throws {
        let trace = try Self.example("budget-sweep.yaml")
        #expect(trace.steps.map(\.at) == [5, 10, 15, 20, 25])
        #expect(trace.steps.map(\.commands) == [0.3, 0.1, 0.05, 0.3, 0.6].map { [.setLatencyBudget(milliseconds: $0)] })
        #expect(trace.phases(startingFrom: Self.family).map(\.controls.budgets.latencyMs) == [0.6, 0.3, 0.1, 0.05, 0.3, 0.6])
    }

    @Test func memorySqueezeExampleHoldsPressureDuringTheSqueeze() throws {
        let trace = try Self.example("memory-squeeze.yaml")
        #expect(trace.steps == [
            .init(at: 5, commands: [.setMemoryBudget(megabytes: 0.5), .startMemoryPressure(megabytes: 512)]),
            .init(at: 10, commands: [.setMemoryBudget(megabytes: 0.2)]),
            .init(at: 15, commands: [.setMemoryBudget(megabytes: 0.1)]),
            .init(at: 20, commands: [.setMemoryBudget(megabytes: 8), .stopMemoryPressure]),
        ])
        #expect(trace.phases(startingFrom: Self.family).map(\.controls.budgets.memoryMB) == [8, 0.5, 0.2, 0.1, 8])
    }

    /// Every key, and a step whose actions are written in another order than the one they are applied in.
    @Test func everyKeyBecomesItsCommandInTheDocumentedOrder() throws {
        let trace = try ContextTrace.load(contentsOf: Fixtures.path("traces/every-key.yaml"))
        let expected = ContextTrace(
            name: "every-key", description: "A step for each action, and one with several.", durationSeconds: 12.5,
            mode: .balanced, budgetOverrides: .init(latencyMs: 0.4, accuracyFloor: 0.85),
            steps: [
                .init(at: 0, commands: [.startCPULoad(threads: 2, duty: 0.5)]),
                .init(at: 1.5, commands: [
                    .setLatencyBudget(milliseconds: 0.2), .setMemoryBudget(megabytes: 2), .setAccuracyFloor(0.8),
                    .setMode(.minLatency), .stopCPULoad, .startMemoryPressure(megabytes: 64),
                    .setDrift(try InputDrift(.noise, severity: 3)),
                ]),
                .init(at: 4, commands: [.startCPULoad(threads: 1, duty: 1)]),
                .init(at: 6, commands: [.stopMemoryPressure, .setDrift(nil)]),
                .init(at: 12, commands: [.setMemoryBudget(megabytes: 16)]),
            ])
        #expect(trace == expected)
    }

    /// Overrides apply over the family's budgets; a phase starts only where a step changes the controls.
    @Test func phasesFollowTheBudgetAndModeSteps() throws {
        let trace = try ContextTrace.load(contentsOf: Fixtures.path("traces/every-key.yaml"))
        #expect(trace.phases(startingFrom: Self.family) == [
            .init(start: 0, controls: OperatorControls(budgets: .init(latencyMs: 0.4, memoryMB: 8, accuracyFloor: 0.85), mode: .balanced)),
            .init(start: 1.5, controls: OperatorControls(budgets: .init(latencyMs: 0.2, memoryMB: 2, accuracyFloor: 0.8), mode: .minLatency)),
            .init(start: 12, controls: OperatorControls(budgets: .init(latencyMs: 0.2, memoryMB: 16, accuracyFloor: 0.8), mode: .minLatency)),
        ])
    }

    /// A step at 0 replaces the starting phase instead of adding a second phase at the same instant.
    @Test func aStepAtZeroReplacesTheStartingPhase() throws {
        let trace = try ContextTrace.parse("name: t\nduration_s: 5\nsteps:\n  - {at_s: 0, latency_ms: 0.1}\n", source: "t.yaml")
        #expect(trace.initialControls(Self.family).budgets.latencyMs == 0.3)
        #expect(trace.phases(startingFrom: Self.family) == [
            .init(start: 0, controls: OperatorControls(budgets: .init(latencyMs: 0.1, memoryMB: 8, accuracyFloor: 0.9))),
        ])
    }

    /// One line naming the file, the line and the field.
    @Test(arguments: [
        ("nmae: x\nduration_s: 5", "inline.yaml:1: nmae: unknown key (expected one of: budgets, description, duration_s, mode, name, steps)"),
        ("name: x\nsteps: []", "inline.yaml:1: duration_s: is required"),
        ("name: x\nduration_s: 0.5", "inline.yaml:2: duration_s: must be at least 1 s, is 0.5"),
        ("name: x\nduration_s: 5\nmode: fast", "inline.yaml:3: mode: 'fast' is not one of max-accuracy, min-latency, balanced"),
        ("name: x\nduration_s: 5\nbudgets: {accuracy_floor: 90}",
         "inline.yaml:3: budgets.accuracy_floor: accuracy floor is a fraction 0…1, 90.0 given"),
        ("name: x\nduration_s: 5\nsteps:\n  - at_s: -1\n    latency_ms: 0.3", "inline.yaml:4: steps[0].at_s: must not be negative, is -1.0"),
        ("name: x\nduration_s: 5\nsteps:\n  - {at_s: 3, mode: balanced}\n  - {at_s: 2, mode: balanced}",
         "inline.yaml:5: steps[1].at_s: is 2.0 s, not after the previous step's 3.0 s (steps go in time order)"),
        ("name: x\nduration_s: 5\nsteps:\n  - at_s: 1\n    latency_ms: 0",
         "inline.yaml:5: steps[0].latency_ms: latency budget must be a positive number of milliseconds, 0.0 given"),
        ("name: x\nduration_s: 5\nsteps:\n  - at_s: 1\n    memory_mb: -2",
         "inline.yaml:5: steps[0].memory_mb: memory budget must be a positive number of MB, -2.0 given"),
        ("name: x\nduration_s: 5\nsteps:\n  - at_s: 1\n    cpu_load: {threads: 0}", "inline.yaml:5: steps[0].cpu_load.threads: must be at least 1, is 0"),
        ("name: x\nduration_s: 5\nsteps:\n  - at_s: 1\n    cpu_load: {threads: 2, duty: 1.5}",
         "inline.yaml:5: steps[0].cpu_load.duty: CPU load duty cycle must be in (0, 1], 1.5 given"),
        ("name: x\nduration_s: 5\nsteps:\n  - at_s: 1\n    cpu_load: {threads: 2,\n      duty: 0}",
         "inline.yaml:6: steps[0].cpu_load.duty: CPU load duty cycle must be in (0, 1], 0.0 given"),
        ("name: x\nduration_s: 5\nsteps:\n  - at_s: 1\n    cpu_load: on", "inline.yaml:5: steps[0].cpu_load: must be off or {threads: N, duty: 0…1}"),
        ("name: x\nduration_s: 5\nsteps:\n  - at_s: 1\n    memory_pressure_mb: 0.5", "inline.yaml:5: steps[0].memory_pressure_mb: must be an integer"),
        ("name: x\nduration_s: 5\nsteps:\n  - at_s: 1\n    drift: {kind: fog, severity: 2}",
         "inline.yaml:5: steps[0].drift.kind: 'fog' is not one of brightness, contrast, noise, blur, rotation"),
        ("name: x\nduration_s: 5\nsteps:\n  - at_s: 1\n    drift:\n      kind: blur\n      severity: 6",
         "inline.yaml:7: steps[0].drift.severity: drift severity must be 1…5, 6 given"),
        ("name: x\nduration_s: 5\nsteps:\n  - at_s: 1", "inline.yaml:4: steps[0]: does nothing (give at least one of: accuracy_floor, cpu_load, "),
        ("name: x\nduration_s: 5\nsteps:\n  - latency_ms: 0.3", "inline.yaml:4: steps[0].at_s: is required"),
        ("", "inline.yaml: the trace is empty"),
    ])
    func errorsNameTheLineAndField(_ text: String, _ expected: String) {
        #expect {
            _ = try ContextTrace.parse(text, source: "inline.yaml")
        } throws: { error in
            error is ConfigurationError && "\(error)".hasPrefix(expected) && !"\(error)".contains("\n")
        }
    }

    @Test(arguments: [
        ("unknown_action.yaml", "unknown_action.yaml:7: steps[1].cpu_lod: unknown key (expected one of: accuracy_floor, at_s, cpu_load, "),
        ("step_after_end.yaml", "step_after_end.yaml:6: steps[1].at_s: is 10.0 s, at or after the end of the trace (duration_s: 10.0)"),
        ("does_not_exist.yaml", "does_not_exist.yaml: cannot read the trace"),
    ])
    func fileErrorsNameTheFile(_ file: String, _ expected: String) {
        let path = Fixtures.path("traces/\(file)")
        #expect {
            _ = try ContextTrace.load(contentsOf: path)
        } throws: { error in
            "\(error)".hasPrefix(Fixtures.path("traces/\(expected)")) && !"\(error)".contains("\n")
        }
    }

    /// Yams's description of a syntax error spans lines; ours keeps the line number and stays on one.
    @Test func textThatIsNotYAMLIsOneLineWithItsLine() {
        #expect {
            _ = try ContextTrace.parse("name: x\nduration_s: 5\nsteps: [\n  - at_s: 1", source: "inline.yaml")
        } throws: { error in
            guard let error = error as? ConfigurationError else { return false }
            return error.line != nil && error.message.hasPrefix("not valid YAML: ") && !"\(error)".contains("\n")
        }
    }
}
