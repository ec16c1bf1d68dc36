public import AdaptEngine
internal import Foundation

/// The control socket's protocol: one JSON object per line, its `"type"` saying what it is. A client says
/// `hello` first (the server answers with its own, or an error if it does not speak the client's version), then
/// sends commands, asks for the status, or subscribes to snapshots:
///
///     → {"type":"hello","version":1,"client":"adapt-top ctl"}      ← {"type":"hello","version":1,"server":…,"family":…}
///     → {"type":"command","id":7,"command":"pin","variant":"mlp"}  ← {"type":"ok","id":7}  or  {"type":"error","id":7,"message":…}
///     → {"type":"subscribe","interval_s":0.5}                      ← {"type":"snapshot","snapshot":{…as --batch --json…}} …
///
/// Commands: pin (variant), unpin, pause, resume, latency_budget (ms), memory_budget (mb), accuracy_floor (floor),
/// policy (mode), cpu_load (threads, duty), stop_cpu_load, memory_pressure (mb), stop_memory_pressure,
/// drift (kind, severity; without kind: stop).
public enum ControlProtocol {
    public static let version = 1
    /// A longer line is answered with an error and dropped, whatever it holds.
    public static let maximumLineBytes = 64 * 1024
}

/// What a client sends.
public enum ClientMessage: Sendable, Equatable {
    case hello(version: Int, client: String?)
    /// Snapshots every `intervalSeconds` (≥ 0.05) until `unsubscribe`.
    case subscribe(intervalSeconds: Double)
    case unsubscribe
    /// A command for the engine; `id` comes back in the reply.
    case command(EngineCommand, id: Int?)
    /// The latest snapshot, once.
    case status(id: Int?)

    public static let minimumInterval = 0.05
}

/// What the server sends.
public enum ServerMessage: Sendable, Equatable {
    case hello(version: Int, server: String, family: String)
    case snapshot(EngineSnapshot)
    case ok(id: Int?)
    case error(id: Int?, message: String)
}

/// A line that is not a message of the protocol; the message names what is wrong.
public struct ProtocolError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public var description: String { message }

    public init(_ message: String) {
        self.message = message
    }
}
