/// A context trace: timed changes to the device's context (CPU load, memory pressure, input drift) and to the
/// operator's budgets and mode, which `adapt-top eval` replays against the engine and its baselines.
/// Read from YAML; `Examples/traces/README.md` describes the format.
public struct ContextTrace: Sendable, Equatable {
    /// Budgets a trace sets for its whole replay over the family's defaults; nil keeps the default.
    public struct BudgetOverrides: Sendable, Equatable {
        public var latencyMs: Double?
        public var memoryMB: Double?
        public var accuracyFloor: Double?

        public init(latencyMs: Double? = nil, memoryMB: Double? = nil, accuracyFloor: Double? = nil) {
            (self.latencyMs, self.memoryMB, self.accuracyFloor) = (latencyMs, memoryMB, accuracyFloor)
        }

        public func applied(to defaults: PolicyBudgets) -> PolicyBudgets {
            PolicyBudgets(latencyMs: latencyMs ?? defaults.latencyMs, memoryMB: memoryMB ?? defaults.memoryMB,
                          accuracyFloor: accuracyFloor ?? defaults.accuracyFloor)
        }
    }

    public struct Step: Sendable, Equatable {
        /// Seconds since the replay started.
        public var at: Double
        /// Applied in this order: latency budget, memory budget, accuracy floor, mode, CPU load, memory pressure,
        /// drift — the operator's side first, so the policy's next decision already sees the new budgets.
        public var commands: [EngineCommand]

        public init(at: Double, commands: [EngineCommand]) {
            (self.at, self.commands) = (at, commands)
        }
    }

    /// The operator controls in force from `start` (seconds since the replay started) until the next phase.
    public struct Phase: Sendable, Equatable {
        public var start: Double
        public var controls: OperatorControls

        public init(start: Double, controls: OperatorControls) {
            (self.start, self.controls) = (start, controls)
        }
    }

    public var name: String
    public var description: String?
    /// How long one replay lasts, in seconds.
    public var durationSeconds: Double
    /// The mode at the start; nil keeps max-accuracy, the controls' default.
    public var mode: PolicyMode?
    public var budgetOverrides: BudgetOverrides
    /// In time order, each `at` in [0, durationSeconds).
    public var steps: [Step]

    public init(name: String, description: String? = nil, durationSeconds: Double, mode: PolicyMode? = nil,
                budgetOverrides: BudgetOverrides = BudgetOverrides(), steps: [Step]) {
        (self.name, self.description, self.durationSeconds) = (name, description, durationSeconds)
        (self.mode, self.budgetOverrides, self.steps) = (mode, budgetOverrides, steps)
    }

    /// The controls a replay starts with: the family's budgets with the trace's overrides, and the trace's mode.
    public func initialControls(_ defaults: PolicyBudgets) -> OperatorControls {
        var controls = OperatorControls(budgets: budgetOverrides.applied(to: defaults))
        if let mode { controls.mode = mode }
        return controls
    }

    /// The budgets and mode in force over the replay: the initial controls at 0, then one phase for each step that
    /// changes them. A command the controls refuse changes nothing, as in the engine (a parsed trace has none).
    /// - Complexity: O(steps).
    public func phases(startingFrom defaults: PolicyBudgets) -> [Phase] {
        var controls = initialControls(defaults)
        var phases = [Phase(start: 0, controls: controls)]
        for step in steps {
            for command in step.commands where !command.isInjection {
                _ = try? controls.apply(command, variants: [])
            }
            guard let last = phases.last, controls != last.controls else { continue }
            if last.start == step.at {
                phases[phases.count - 1].controls = controls
            } else {
                phases.append(Phase(start: step.at, controls: controls))
            }
        }
        return phases
    }
}

extension EngineCommand {
    /// Whether the engine runs this itself (a load, a pressure, a drift) rather than the operator controls.
    var isInjection: Bool {
        switch self {
        case .startCPULoad, .stopCPULoad, .startMemoryPressure, .stopMemoryPressure, .setDrift: true
        case .pin, .unpin, .pause, .resume, .setLatencyBudget, .setMemoryBudget, .setAccuracyFloor, .setMode: false
        }
    }
}
