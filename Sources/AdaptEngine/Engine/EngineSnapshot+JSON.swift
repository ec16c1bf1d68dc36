internal import Foundation

// Keys become snake case (`latencyMsP95` → `latency_ms_p95`); absent values are `null` (`NullPreservingEncodable`).

extension EngineSnapshot {
    /// One line of JSON, as `--batch --json` prints it and the control socket sends it.
    public func jsonLine() throws -> String {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    /// A snapshot read back from `jsonLine` (an attached client).
    public init(jsonLine: String) throws {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        self = try decoder.decode(EngineSnapshot.self, from: Data(jsonLine.utf8))
    }
}
