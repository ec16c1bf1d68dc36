import Yams

extension ContextTrace {
    /// Reads and validates a trace file. Unknown keys, wrong types and out-of-range values are errors naming the file,
    /// the line and the field.
    public static func load(contentsOf path: String) throws -> ContextTrace {
        try parse(YAMLReader.text(contentsOf: path, document: "trace"), source: path)
    }

    /// Parses trace text; `source` names it in errors.
    public static func parse(_ text: String, source: String) throws -> ContextTrace {
        let root = try YAMLReader.root(text, source: source, document: "trace")
        let reader = YAMLReader(file: source)
        let top = try reader.mapping(root, "", keys: ["name", "description", "duration_s", "mode", "budgets", "steps"])
        let name = try reader.string(top.required("name"), "name")
        let description = try top.optional("description").map { try reader.string($0, "description") }
        let durationNode = try top.required("duration_s")
        let duration = try reader.double(durationNode, "duration_s")
        // SLO attainment is judged over whole seconds of the replay.
        guard duration >= 1 else { throw reader.error(durationNode, "duration_s", "must be at least 1 s, is \(duration)") }
        let mode = try top.optional("mode").map { try reader.choice($0, "mode", PolicyMode.self) }

        var overrides = BudgetOverrides()
        if let node = top.optional("budgets") {
            let budgets = try reader.mapping(node, "budgets", keys: ["latency_ms", "memory_mb", "accuracy_floor"])
            for command in try budgetCommands(budgets, "budgets", reader) {
                switch command {
                case .setLatencyBudget(let value): overrides.latencyMs = value
                case .setMemoryBudget(let value): overrides.memoryMB = value
                case .setAccuracyFloor(let value): overrides.accuracyFloor = value
                default: break
                }
            }
        }

        var previous: Double?
        var steps: [Step] = []
        if let node = top.optional("steps") {
            steps = try reader.list(node, "steps") { item, field -> Step in
                let step = try reader.mapping(item, field, keys: stepKeys)
                let atNode = try step.required("at_s")
                let at = try reader.double(atNode, "\(field).at_s")
                guard at >= 0 else { throw reader.error(atNode, "\(field).at_s", "must not be negative, is \(at)") }
                guard at < duration else {
                    throw reader.error(atNode, "\(field).at_s", "is \(at) s, at or after the end of the trace (duration_s: \(duration))")
                }
                if let previous, at <= previous {
                    throw reader.error(atNode, "\(field).at_s", "is \(at) s, not after the previous step's \(previous) s (steps go in time order)")
                }
                previous = at
                let commands = try budgetCommands(step, field, reader) + injectionCommands(step, field, reader)
                guard !commands.isEmpty else {
                    throw reader.error(item, field, "does nothing (give at least one of: \(stepKeys.subtracting(["at_s"]).sorted().joined(separator: ", ")))")
                }
                return Step(at: at, commands: commands)
            }
        }

        return ContextTrace(name: name, description: description, durationSeconds: duration, mode: mode,
                            budgetOverrides: overrides, steps: steps)
    }

    private static let stepKeys: Set<String> = [
        "at_s", "latency_ms", "memory_mb", "accuracy_floor", "mode", "cpu_load", "memory_pressure_mb", "drift",
    ]

    /// Latency budget, memory budget, accuracy floor and mode, in that order; each value is checked by applying it to
    /// operator controls, so a trace accepts exactly what the engine would.
    private static func budgetCommands(_ mapping: YAMLReader.Mapping, _ path: String, _ reader: YAMLReader) throws -> [EngineCommand] {
        var commands: [EngineCommand] = []
        var scratch = OperatorControls(budgets: PolicyBudgets(latencyMs: 1, memoryMB: 1, accuracyFloor: 0))
        func add(_ key: String, _ command: (Double) -> EngineCommand) throws {
            guard let node = mapping.optional(key) else { return }
            let command = command(try reader.double(node, "\(path).\(key)"))
            do throws(EngineCommandError) {
                _ = try scratch.apply(command, variants: [])
            } catch {
                throw reader.error(node, "\(path).\(key)", error.message)
            }
            commands.append(command)
        }
        try add("latency_ms") { .setLatencyBudget(milliseconds: $0) }
        try add("memory_mb") { .setMemoryBudget(megabytes: $0) }
        try add("accuracy_floor") { .setAccuracyFloor($0) }
        if let node = mapping.optional("mode") {
            commands.append(.setMode(try reader.choice(node, "\(path).mode", PolicyMode.self)))
        }
        return commands
    }

    /// CPU load, memory pressure and drift, in that order; each takes its settings or `off`.
    private static func injectionCommands(_ step: YAMLReader.Mapping, _ path: String, _ reader: YAMLReader) throws -> [EngineCommand] {
        var commands: [EngineCommand] = []
        if let node = step.optional("cpu_load") {
            let field = "\(path).cpu_load"
            if reader.isOff(node) {
                commands.append(.stopCPULoad)
            } else {
                guard node.mapping != nil else { throw reader.error(node, field, "must be off or {threads: N, duty: 0…1}") }
                let load = try reader.mapping(node, field, keys: ["threads", "duty"])
                let threads = try reader.int(load.required("threads"), "\(field).threads", min: 1)
                let dutyNode = load.optional("duty")
                let duty = try dutyNode.map { try reader.double($0, "\(field).duty") } ?? 1
                do throws(InjectionError) {
                    try CPULoadInjection.validate(threads: threads, duty: duty)
                } catch {
                    throw reader.error(dutyNode ?? node, "\(field).duty", error.description)
                }
                commands.append(.startCPULoad(threads: threads, duty: duty))
            }
        }
        if let node = step.optional("memory_pressure_mb") {
            // The injection holds whole megabytes.
            commands.append(reader.isOff(node)
                ? .stopMemoryPressure
                : .startMemoryPressure(megabytes: try reader.int(node, "\(path).memory_pressure_mb", min: 1)))
        }
        if let node = step.optional("drift") {
            let field = "\(path).drift"
            if reader.isOff(node) {
                commands.append(.setDrift(nil))
            } else {
                guard node.mapping != nil else { throw reader.error(node, field, "must be off or {kind: KIND, severity: 1…5}") }
                let drift = try reader.mapping(node, field, keys: ["kind", "severity"])
                let kind = try reader.choice(drift.required("kind"), "\(field).kind", InputDrift.Kind.self)
                let severityNode = try drift.required("severity")
                let severity = try reader.int(severityNode, "\(field).severity", min: nil)
                do {
                    commands.append(.setDrift(try InputDrift(kind, severity: severity)))
                } catch {
                    throw reader.error(severityNode, "\(field).severity", "\(error)")
                }
            }
        }
        return commands
    }
}
