internal import AdaptEngine
internal import Foundation

extension ClientMessage {
    /// Reads one line; a mistake is named precisely enough for a person typing at the socket to fix it.
    public init(jsonLine line: String) throws(ProtocolError) {
        let object = try JSONObject(line: line)
        switch try object.string("type") {
        case "hello": self = .hello(version: try object.int("version"), client: try object.optionalString("client"))
        case "subscribe":
            let interval = try object.optionalDouble("interval_s") ?? 1
            guard interval >= Self.minimumInterval, interval.isFinite else {
                throw ProtocolError("\"interval_s\" must be at least \(Self.minimumInterval) seconds, got \(interval)")
            }
            self = .subscribe(intervalSeconds: interval)
        case "unsubscribe": self = .unsubscribe
        case "status": self = .status(id: try object.optionalInt("id"))
        case "command": self = .command(try Self.command(object), id: try object.optionalInt("id"))
        case let other:
            throw ProtocolError("unknown type \"\(other)\" (expected hello, subscribe, unsubscribe, command or status)")
        }
    }

    private static func command(_ object: JSONObject) throws(ProtocolError) -> EngineCommand {
        switch try object.string("command") {
        case "pin": return .pin(variant: try object.string("variant"))
        case "unpin": return .unpin
        case "pause": return .pause
        case "resume": return .resume
        case "latency_budget": return .setLatencyBudget(milliseconds: try object.double("ms"))
        case "memory_budget": return .setMemoryBudget(megabytes: try object.double("mb"))
        case "accuracy_floor": return .setAccuracyFloor(try object.double("floor"))
        case "policy":
            let name = try object.string("mode")
            guard let mode = PolicyMode(rawValue: name) else {
                throw ProtocolError("unknown mode \"\(name)\" (expected \(PolicyMode.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            return .setMode(mode)
        case "cpu_load": return .startCPULoad(threads: try object.int("threads"), duty: try object.optionalDouble("duty") ?? 1)
        case "stop_cpu_load": return .stopCPULoad
        case "memory_pressure": return .startMemoryPressure(megabytes: try object.int("mb"))
        case "stop_memory_pressure": return .stopMemoryPressure
        case "drift":
            guard let name = try object.optionalString("kind") else { return .setDrift(nil) }
            guard let kind = InputDrift.Kind(rawValue: name) else {
                throw ProtocolError("unknown drift \"\(name)\" (expected \(InputDrift.Kind.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            do {
                return .setDrift(try InputDrift(kind, severity: try object.int("severity")))
            } catch let error as ProtocolError {
                throw error
            } catch {
                throw ProtocolError("\(error)")
            }
        case let other:
            throw ProtocolError("unknown command \"\(other)\" (expected pin, unpin, pause, resume, latency_budget, memory_budget, "
                                + "accuracy_floor, policy, cpu_load, stop_cpu_load, memory_pressure, stop_memory_pressure or drift)")
        }
    }

    /// The line a client sends.
    public func jsonLine() -> String {
        var fields: [String: Any]
        switch self {
        case .hello(let version, let client):
            fields = ["type": "hello", "version": version]
            if let client { fields["client"] = client }
        case .subscribe(let interval): fields = ["type": "subscribe", "interval_s": interval]
        case .unsubscribe: fields = ["type": "unsubscribe"]
        case .status(let id):
            fields = ["type": "status"]
            if let id { fields["id"] = id }
        case .command(let command, let id):
            fields = Self.fields(of: command).merging(["type": "command"]) { _, new in new }
            if let id { fields["id"] = id }
        }
        return JSONObject.line(fields)
    }

    private static func fields(of command: EngineCommand) -> [String: Any] {
        switch command {
        case .pin(let variant): ["command": "pin", "variant": variant]
        case .unpin: ["command": "unpin"]
        case .pause: ["command": "pause"]
        case .resume: ["command": "resume"]
        case .setLatencyBudget(let milliseconds): ["command": "latency_budget", "ms": milliseconds]
        case .setMemoryBudget(let megabytes): ["command": "memory_budget", "mb": megabytes]
        case .setAccuracyFloor(let floor): ["command": "accuracy_floor", "floor": floor]
        case .setMode(let mode): ["command": "policy", "mode": mode.rawValue]
        case .startCPULoad(let threads, let duty): ["command": "cpu_load", "threads": threads, "duty": duty]
        case .stopCPULoad: ["command": "stop_cpu_load"]
        case .startMemoryPressure(let megabytes): ["command": "memory_pressure", "mb": megabytes]
        case .stopMemoryPressure: ["command": "stop_memory_pressure"]
        case .setDrift(let drift):
            drift.map { ["command": "drift", "kind": $0.kind.rawValue, "severity": $0.severity] } ?? ["command": "drift"]
        }
    }
}
