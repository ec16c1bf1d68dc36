import AdaptInference
import Foundation

/// Text formatting shared by the commands: every number with its unit.
enum Format {
    static func shape(_ shape: [Int]) -> String {
        "[" + shape.map(String.init).joined(separator: "×") + "]"
    }

    /// 7 500 000 → "7.50M".
    static func count(_ value: Int) -> String {
        switch value {
        case 1_000_000_000...: String(format: "%.2fG", Double(value) / 1e9)
        case 1_000_000...: String(format: "%.2fM", Double(value) / 1e6)
        case 10_000...: String(format: "%.1fk", Double(value) / 1e3)
        default: String(value)
        }
    }

    static func bytes(_ value: Int) -> String {
        switch value {
        case (1 << 20)...: String(format: "%.2f MiB", Double(value) / Double(1 << 20))
        case (1 << 10)...: String(format: "%.1f KiB", Double(value) / Double(1 << 10))
        default: "\(value) B"
        }
    }

    static func milliseconds(_ duration: Duration) -> String {
        let ms = LatencyStatistics.milliseconds(duration)
        return ms < 1 ? String(format: "%.1f µs", ms * 1e3) : String(format: "%.3f ms", ms)
    }

    /// `--backend auto`'s race: "xnnpack p50 61.2 µs, onednn p50 48.0 µs" (a refusal gives its reason).
    static func race(_ candidates: [BackendSelection.Candidate]) -> String {
        candidates.map { candidate in
            switch candidate.result {
            case .success(let p50): "\(candidate.backend) p50 \(milliseconds(p50))"
            case .failure(let error): "\(candidate.backend) cannot run it (\(error))"
            }
        }.joined(separator: ", ")
    }

    static func table(header: [String], rows: [[String]], rightAligned: Set<Int>) -> String {
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        return all.map { row in
            row.enumerated().map { column, cell in
                let padding = String(repeating: " ", count: widths[column] - cell.count)
                return rightAligned.contains(column) ? padding + cell : cell + padding
            }.joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }.joined(separator: "\n")
    }

    /// One line of JSON, keys in snake case (names that already are stay as they are).
    static func jsonLine(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
