internal import AdaptEngine
internal import Foundation

extension ServerMessage {
    /// The line the server sends (a snapshot as `--batch --json` prints it, inside the envelope).
    public func jsonLine() throws -> String {
        switch self {
        case .hello(let version, let server, let family):
            JSONObject.line(["type": "hello", "version": version, "server": server, "family": family])
        case .snapshot(let snapshot): "{\"type\":\"snapshot\",\"snapshot\":" + (try snapshot.jsonLine()) + "}"
        case .ok(let id): JSONObject.line(["type": "ok", "id": id.map { $0 as Any } ?? NSNull()])
        case .error(let id, let message): JSONObject.line(["type": "error", "id": id.map { $0 as Any } ?? NSNull(), "message": message])
        }
    }

    /// A line read back by a client.
    public init(jsonLine line: String) throws(ProtocolError) {
        // Snapshots are most of what a client reads, and the server starts every one the same way: decode those
        // once, straight into the snapshot, instead of parsing 15 KB twice (JSONSerialization to find the type).
        if line.utf8.starts(with: Self.snapshotPrefix) {
            self = .snapshot(try Self.snapshot(in: line))
            return
        }
        let object = try JSONObject(line: line)
        switch try object.string("type") {
        case "hello":
            self = .hello(version: try object.int("version"), server: try object.string("server"), family: try object.string("family"))
        case "ok": self = .ok(id: try object.optionalInt("id"))
        case "error": self = .error(id: try object.optionalInt("id"), message: try object.string("message"))
        case "snapshot": self = .snapshot(try Self.snapshot(in: line))
        case let other: throw ProtocolError("unknown type \"\(other)\" from the server")
        }
    }

    private static let snapshotPrefix = Array(#"{"type":"snapshot","snapshot":"#.utf8)

    private static func snapshot(in line: String) throws(ProtocolError) -> EngineSnapshot {
        do {
            // EngineSnapshot's CodingKeys are the wire's snake-case names: no key strategy.
            return try JSONDecoder().decode(SnapshotEnvelope.self, from: Data(line.utf8)).snapshot
        } catch {
            throw ProtocolError("a snapshot this client cannot read: \(error)")
        }
    }

    private struct SnapshotEnvelope: Decodable {
        var snapshot: EngineSnapshot
    }
}
