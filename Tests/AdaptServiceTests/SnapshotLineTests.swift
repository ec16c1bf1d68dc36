import Foundation
import Testing
@testable import AdaptEngine

/// The snapshot line every subscriber gets (and `--batch --json` prints) is written field by field for speed; it must
/// say exactly what JSONEncoder says of the same value, and read back to the same value.
@Suite struct SnapshotLineTests {
    static func encoderLine(_ snapshot: EngineSnapshot) throws -> String {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return String(decoding: try encoder.encode(snapshot), as: UTF8.self)
    }

    static var snapshots: [EngineSnapshot] {
        var awkward = MetricsSnapshots.running(pinned: true)
        awkward.variants[0].detail = "cannot build: \"Erf\" at node\n\t3 \\ \u{1} é ✓"
        awkward.policy.reason = "a → b: p95 0.30 ms / 0.25 ms"
        awkward.inference.latencyMs = nil
        awkward.inference.stoppedBecause = "the frame source ended"
        awkward.events.append(EngineEvent(sequence: 1, seconds: 1e-7, kind: .switch, reason: "tiny"))
        awkward.timestamp = 1_795_975_133.193_801_4
        return [MetricsSnapshots.running(), awkward, MetricsSnapshots.starting]
    }

    @Test(arguments: snapshots)
    func writesWhatJSONEncoderWrites(_ snapshot: EngineSnapshot) throws {
        let line = try snapshot.jsonLine()
        #expect(!line.contains("\n"), "one line")
        let ours = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? NSDictionary)
        let encoded = try Self.encoderLine(snapshot)
        let reference = try #require(try JSONSerialization.jsonObject(with: Data(encoded.utf8)) as? NSDictionary)
        #expect(ours == reference, "\(line)\nvs\n\(encoded)")
        #expect(try EngineSnapshot(jsonLine: line) == snapshot)
    }

    @Test func aNumberJSONCannotHoldIsAnError() {
        var snapshot = MetricsSnapshots.running()
        snapshot.inference.throughputIps = .infinity
        #expect(throws: (any Error).self) { try snapshot.jsonLine() }
    }
}
