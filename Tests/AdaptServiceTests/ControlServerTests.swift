import AdaptEngine
import Foundation
import Logging
import Synchronization
import Testing
@testable import AdaptService

/// An engine stand-in: its snapshot carries the operator controls the commands changed, and it can be made big
/// (long event reasons) to fill a stuck client's socket quickly.
final class FakeTarget: ControlTarget {
    let family = "fake-family"
    private let state: Mutex<(controls: OperatorControls, sequence: Int, commands: [EngineCommand])>
    private let events: [EngineEvent]

    init(eventBytes: Int = 0) {
        state = Mutex((OperatorControls(budgets: PolicyBudgets(latencyMs: 1, memoryMB: 8, accuracyFloor: 0.8)), 0, []))
        events = eventBytes == 0 ? [] : (0..<50).map {
            EngineEvent(sequence: $0, seconds: Double($0), kind: .probe, reason: String(repeating: "x", count: eventBytes / 50))
        }
    }

    var snapshot: EngineSnapshot {
        state.withLock { state in
            state.sequence += 1
            var snapshot = EngineSnapshot.starting(family: family, controls: state.controls, context: .unavailable,
                                                   uptimeSeconds: 1, sequence: state.sequence, status: "fake")
            snapshot.events = events
            return snapshot
        }
    }

    var commands: [EngineCommand] { state.withLock { $0.commands } }

    func send(_ command: EngineCommand) throws {
        try state.withLock { state throws(EngineCommandError) in
            _ = try state.controls.apply(command, variants: ["mlp", "mlp-int8"])
            state.commands.append(command)
        }
    }
}

/// A client speaking the protocol by hand, line by line, as `socat` would.
final class RawClient {
    let socket: UnixSocket
    private var framer = LineFramer(maximumLineBytes: 16 * 1024 * 1024)
    private var lines: [String] = []

    init(path: String, timeoutSeconds: Double = 5) throws {
        socket = try UnixSocket.connect(to: path)
        socket.setTimeouts(seconds: timeoutSeconds)
    }

    func send(_ text: String) throws {
        try socket.writeAll(Array((text + "\n").utf8))
    }

    /// The next line, or nil when the server closed the connection (or said nothing in time).
    func line() -> String? {
        var buffer = [UInt8](repeating: 0, count: 65536)
        while lines.isEmpty {
            guard case .bytes(let count) = buffer.withUnsafeMutableBytes({ socket.read(into: $0) }) else { return nil }
            for case .line(let text) in framer.feed(buffer[..<count]) { lines.append(text) }
        }
        return lines.removeFirst()
    }

    func message() throws -> ServerMessage? {
        try line().map { try ServerMessage(jsonLine: $0) }
    }

    /// The next line that is not a snapshot.
    func reply() throws -> ServerMessage? {
        while let message = try message() {
            if case .snapshot = message { continue }
            return message
        }
        return nil
    }

    func hello() throws {
        try send(#"{"type":"hello","version":1,"client":"test"}"#)
        guard case .hello(1, _, "fake-family") = try #require(try message()) else { throw ProtocolError("no hello") }
    }
}

@Suite struct ControlServerTests {
    func startServer(_ target: FakeTarget = FakeTarget(), configure: (inout ControlServer.Options) -> Void = { _ in }) throws -> ControlServer {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("adapt-top-\(UUID().uuidString.prefix(8)).sock").path
        var options = ControlServer.Options()
        configure(&options)
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let server = ControlServer(path: path, target: target, options: options, logger: logger)
        try server.start()
        return server
    }

    /// Hello, a command answered by its id and applied, a status that shows it, a refused command's reason.
    @Test func commandsAreAppliedAndAnsweredByID() throws {
        let target = FakeTarget()
        let server = try startServer(target)
        defer { server.stop() }
        let client = try RawClient(path: server.path)
        try client.hello()
        try client.send(#"{"type":"command","id":7,"command":"pin","variant":"mlp-int8"}"#)
        #expect(try client.reply() == .ok(id: 7))
        try client.send(#"{"type":"status","id":8}"#)
        guard case .snapshot(let snapshot) = try #require(try client.message()) else { Issue.record("no snapshot"); return }
        #expect(snapshot.policy.pinned == "mlp-int8")
        try client.send(#"{"type":"command","id":9,"command":"pin","variant":"resnet"}"#)
        guard case .error(9, let message) = try #require(try client.reply()) else { Issue.record("no error"); return }
        #expect(message.contains("no variant 'resnet'"))
        #expect(target.commands == [.pin(variant: "mlp-int8")])
    }

    /// Nothing before hello; a version the server does not speak is refused and the connection closed.
    @Test func theHandshakeComesFirstAndChecksTheVersion() throws {
        let target = FakeTarget()
        let server = try startServer(target)
        defer { server.stop() }
        let early = try RawClient(path: server.path)
        try early.send(#"{"type":"command","command":"pause"}"#)
        guard case .error(nil, let message) = try #require(try early.message()) else { Issue.record("no error"); return }
        #expect(message.hasPrefix("say hello first"))
        let future = try RawClient(path: server.path)
        try future.send(#"{"type":"hello","version":2}"#)
        guard case .error(nil, let refusal) = try #require(try future.message()) else { Issue.record("no error"); return }
        #expect(refusal == "protocol version 2 is not spoken here (this server speaks 1)")
        #expect(future.line() == nil, "the server closes after refusing the version")
        #expect(target.commands.isEmpty)
    }

    /// Malformed, non-UTF-8 and huge lines each get an error naming what is wrong; the engine hears none of them
    /// and the connection still works.
    @Test func badLinesAreAnsweredAndChangeNothing() throws {
        let target = FakeTarget()
        let server = try startServer(target)
        defer { server.stop() }
        let client = try RawClient(path: server.path)
        try client.hello()
        try client.send("pin mlp")
        try client.send(#"{"type":"command","command":"latency_budget"}"#)
        try client.socket.writeAll([0xff, 0xfe, 0x0a])
        let huge = #"{"type":"command","command":"pin","variant":""# + String(repeating: "a", count: 200_000) + #""}"#
        try client.send(huge)
        let errors = try (0..<4).map { _ in try client.reply() }
        #expect(errors == [
            .error(id: nil, message: "not JSON: pin mlp"),
            .error(id: nil, message: "missing \"ms\" (a number)"),
            .error(id: nil, message: "a line that is not UTF-8"),
            .error(id: nil, message: "line too long (\(huge.utf8.count) bytes; at most 65536)"),
        ])
        try client.send(#"{"type":"command","id":1,"command":"pause"}"#)
        #expect(try client.reply() == .ok(id: 1))
        #expect(target.commands == [.pause])
    }

    /// A subscriber gets snapshots at its interval; unsubscribing stops them.
    @Test func subscribersGetSnapshotsAtTheirRate() throws {
        let server = try startServer()
        defer { server.stop() }
        let client = try RawClient(path: server.path)
        try client.hello()
        try client.send(#"{"type":"subscribe","interval_s":0.05}"#)
        let start = Date()
        var sequences: [Int] = []
        while sequences.count < 10, case .snapshot(let snapshot)? = try client.message() { sequences.append(snapshot.sequence) }
        let elapsed = Date().timeIntervalSince(start)
        #expect(sequences.count == 10 && sequences == sequences.sorted())
        #expect(elapsed > 0.4 && elapsed < 3, "10 snapshots at 20 Hz took \(elapsed) s")
        try client.send(#"{"type":"unsubscribe"}"#)
        try client.send(#"{"type":"command","id":5,"command":"resume"}"#)
        #expect(try client.reply() == .ok(id: 5))
        Thread.sleep(forTimeInterval: 0.3)
        try client.send(#"{"type":"command","id":6,"command":"resume"}"#)
        #expect(try client.message() == .ok(id: 6), "no snapshot after unsubscribing")
    }

    /// A client that stops reading has its snapshots dropped, then is disconnected; a reading client next to it
    /// keeps getting every snapshot meanwhile.
    @Test func aStuckClientIsDroppedThenDisconnectedWithoutHoldingUpOthers() throws {
        let server = try startServer(FakeTarget(eventBytes: 40_000)) {
            $0.maximumQueuedBytes = 64 * 1024
            $0.stuckSeconds = 1
        }
        defer { server.stop() }
        let stuck = try RawClient(path: server.path)
        try stuck.hello()
        try stuck.send(#"{"type":"subscribe","interval_s":0.05}"#)
        let reader = try RawClient(path: server.path)
        try reader.hello()
        try reader.send(#"{"type":"subscribe","interval_s":0.05}"#)
        var received = 0
        let start = Date()
        while server.statistics.disconnectedStuck == 0, Date().timeIntervalSince(start) < 20 {
            if case .snapshot? = try reader.message() { received += 1 }
        }
        let elapsed = Date().timeIntervalSince(start)
        let statistics = server.statistics
        #expect(statistics.disconnectedStuck == 1 && statistics.snapshotsDropped > 0, "\(statistics)")
        #expect(Double(received) > elapsed * 20 * 0.5, "the reader got \(received) snapshots in \(elapsed) s at 20 Hz")
        #expect(statistics.clients == 1)
    }

    /// Forty clients at once, each subscribed and each sending a command; one vanishing mid-stream harms none.
    @Test func manyClientsAtOnce() throws {
        let target = FakeTarget()
        let server = try startServer(target)
        defer { server.stop() }
        let clients = try (0..<40).map { _ in try RawClient(path: server.path) }
        for client in clients {
            try client.hello()
            try client.send(#"{"type":"subscribe","interval_s":0.1}"#)
        }
        clients[3].socket.close()
        for (index, client) in clients.enumerated() where index != 3 {
            try client.send(#"{"type":"command","id":\#(index),"command":"latency_budget","ms":\#(index + 1)}"#)
        }
        for (index, client) in clients.enumerated() where index != 3 {
            #expect(try client.reply() == .ok(id: index))
            guard case .snapshot? = try client.message() else { Issue.record("client \(index) got no snapshot"); continue }
        }
        #expect(target.commands.count == 39)
        #expect(server.statistics.clients == 39)
    }

    /// Stopping closes every connection and removes the socket file.
    @Test func stoppingClosesConnectionsAndRemovesTheFile() throws {
        let server = try startServer()
        let client = try RawClient(path: server.path)
        try client.hello()
        #expect(FileManager.default.fileExists(atPath: server.path))
        server.stop()
        #expect(client.line() == nil)
        #expect(!FileManager.default.fileExists(atPath: server.path))
    }
}
