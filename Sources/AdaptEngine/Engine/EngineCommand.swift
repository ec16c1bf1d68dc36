/// What an operator (the dashboard, a script over the control socket) can tell the engine. Overrides always win
/// over the policy and stay visible in every snapshot.
public enum EngineCommand: Sendable, Equatable {
    case pin(variant: String)
    case unpin
    case pause
    case resume
    case setLatencyBudget(milliseconds: Double)
    case setMemoryBudget(megabytes: Double)
    case setAccuracyFloor(Double)
    case setMode(PolicyMode)
    case startCPULoad(threads: Int, duty: Double)
    case stopCPULoad
    case startMemoryPressure(megabytes: Int)
    case stopMemoryPressure
    case setDrift(InputDrift?)
}

/// A command the engine refused; the message names what is wrong. Nothing changed.
public struct EngineCommandError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// The operator's side of the engine's state: what the policy must obey. Applying a command either changes it and
/// says what changed, or throws and changes nothing.
public struct OperatorControls: Sendable, Equatable {
    public var budgets: PolicyBudgets
    public var mode: PolicyMode
    public var pinned: String?
    public var paused: Bool

    public init(budgets: PolicyBudgets, mode: PolicyMode = .maxAccuracy, pinned: String? = nil, paused: Bool = false) {
        (self.budgets, self.mode, self.pinned, self.paused) = (budgets, mode, pinned, paused)
    }

    /// Applies a policy command (injections are the engine's to run); returns the event line for the log.
    /// - Parameter variants: the catalog's ids, to refuse pinning one that does not exist.
    public mutating func apply(_ command: EngineCommand, variants: [String]) throws(EngineCommandError) -> String {
        switch command {
        case .pin(let id):
            guard variants.contains(id) else {
                let known = variants.count <= 8 ? variants.joined(separator: ", ") : variants.prefix(8).joined(separator: ", ") + ", …"
                throw EngineCommandError(message: "no variant '\(id)' (known: \(known))")
            }
            pinned = id
            return "pinned \(id)"
        case .unpin:
            pinned = nil
            return "unpinned: the policy chooses again"
        case .pause:
            paused = true
            return "adaptation paused"
        case .resume:
            paused = false
            return "adaptation resumed"
        case .setLatencyBudget(let milliseconds):
            guard milliseconds > 0, milliseconds.isFinite else {
                throw EngineCommandError(message: "latency budget must be a positive number of milliseconds, \(milliseconds) given")
            }
            budgets.latencyMs = milliseconds
            return "latency budget \(AdaptationPolicy.format(milliseconds)) ms"
        case .setMemoryBudget(let megabytes):
            guard megabytes > 0, megabytes.isFinite else {
                throw EngineCommandError(message: "memory budget must be a positive number of MB, \(megabytes) given")
            }
            budgets.memoryMB = megabytes
            return "memory budget \(AdaptationPolicy.format(megabytes)) MB"
        case .setAccuracyFloor(let floor):
            guard (0...1).contains(floor) else {
                throw EngineCommandError(message: "accuracy floor is a fraction 0…1, \(floor) given")
            }
            budgets.accuracyFloor = floor
            return "accuracy floor \(AdaptationPolicy.format(floor * 100)) %"
        case .setMode(let mode):
            self.mode = mode
            return "policy mode \(mode.rawValue)"
        case .startCPULoad, .stopCPULoad, .startMemoryPressure, .stopMemoryPressure, .setDrift:
            throw EngineCommandError(message: "injections are run by the engine, not by the operator controls")
        }
    }
}
