import Foundation
import Testing
@testable import AdaptEngine
@testable import AdaptService

@Suite struct ControlProtocolTests {
    /// Every command a client can send survives the trip through its line, and the line is what the README shows.
    @Test func everyCommandRoundTrips() throws {
        let commands: [EngineCommand] = [
            .pin(variant: "cnn-w50-int8"), .unpin, .pause, .resume, .setLatencyBudget(milliseconds: 0.25),
            .setMemoryBudget(megabytes: 4), .setAccuracyFloor(0.9), .setMode(.balanced), .startCPULoad(threads: 3, duty: 0.5),
            .stopCPULoad, .startMemoryPressure(megabytes: 256), .stopMemoryPressure, .setDrift(try InputDrift(.noise, severity: 3)),
            .setDrift(nil),
        ]
        for (index, command) in commands.enumerated() {
            let message = ClientMessage.command(command, id: index)
            #expect(try ClientMessage(jsonLine: message.jsonLine()) == message, "\(message.jsonLine())")
        }
        #expect(ClientMessage.command(.pin(variant: "mlp"), id: 7).jsonLine() == #"{"command":"pin","id":7,"type":"command","variant":"mlp"}"#)
        for message in [ClientMessage.hello(version: 1, client: "ctl"), .subscribe(intervalSeconds: 0.5), .unsubscribe, .status(id: nil)] {
            #expect(try ClientMessage(jsonLine: message.jsonLine()) == message)
        }
    }

    /// A person typing at the socket learns what is wrong with the line.
    @Test(arguments: [
        ("pin", "not JSON: pin"),
        ("[1]", "not a JSON object: [1]"),
        (#"{"command":"pin"}"#, "missing \"type\" (a string)"),
        (#"{"type":"dance"}"#, "unknown type \"dance\" (expected hello, subscribe, unsubscribe, command or status)"),
        (#"{"type":"command","command":"pin"}"#, "missing \"variant\" (a string)"),
        (#"{"type":"command","command":"latency_budget","ms":"fast"}"#, "\"ms\" must be a number"),
        (#"{"type":"command","command":"cpu_load","threads":1.5}"#, "\"threads\" must be a whole number"),
        (#"{"type":"command","command":"policy","mode":"fastest"}"#, "unknown mode \"fastest\" (expected max-accuracy, min-latency, balanced)"),
        (#"{"type":"command","command":"drift","kind":"noise","severity":9}"#, "drift severity must be 1…5, 9 given"),
        (#"{"type":"subscribe","interval_s":0.001}"#, "\"interval_s\" must be at least 0.05 seconds, got 0.001"),
        (#"{"type":"hello","version":true}"#, "\"version\" must be a number"),
    ])
    func mistakesAreNamed(_ line: String, _ expected: String) {
        #expect(throws: ProtocolError(expected)) { try ClientMessage(jsonLine: line) }
    }

    @Test func serverMessagesRoundTripAndASnapshotIsTheBatchJSON() throws {
        for message in [ServerMessage.hello(version: 1, server: "adapt-top", family: "fashion-mnist"), .ok(id: 3), .ok(id: nil),
                        .error(id: 4, message: "no variant 'x'")] {
            #expect(try ServerMessage(jsonLine: message.jsonLine()) == message)
        }
        let snapshot = EngineSnapshot.starting(
            family: "fashion-mnist", controls: OperatorControls(budgets: PolicyBudgets(latencyMs: 0.3, memoryMB: 8, accuracyFloor: 0.9)),
            context: .unavailable, uptimeSeconds: 1.5, sequence: 9, status: "profiling")
        let line = try ServerMessage.snapshot(snapshot).jsonLine()
        #expect(line.hasPrefix(#"{"type":"snapshot","snapshot":{"#) && line.contains(#""latency_budget_ms":0.3"#))
        #expect(try ServerMessage(jsonLine: line) == .snapshot(snapshot))
    }

    @Test func framingSplitsLinesAndBoundsThem() {
        var framer = LineFramer(maximumLineBytes: 8)
        #expect(framer.feed(Array("{\"a\":1}\n{\"b\"".utf8)) == [.line("{\"a\":1}")])
        #expect(framer.feed(Array(":2}\r\n\n  \n{\"c\":333}\n".utf8)) == [.line("{\"b\":2}"), .tooLong(bytes: 9)],
                "a line across two reads; CRLF, blank lines; 9 bytes exceed 8")
        // A huge line costs one error and at most the bound in memory; the next line arrives intact.
        #expect(framer.feed([UInt8](repeating: UInt8(ascii: "x"), count: 100_000)) == [])
        #expect(framer.feed(Array("\nok\n".utf8)) == [.tooLong(bytes: 100_000), .line("ok")])
        #expect(framer.feed([0xFF, 0xFE, UInt8(ascii: "\n")]) == [.notUTF8])
    }
}
