internal import Foundation

/// The text of one kernel attribute file (`/sys/...` values end in a newline, some read back empty).
enum SysfsValue {
    /// The text without surrounding whitespace; nil when nothing is left.
    static func text(_ raw: String) -> String? {
        let text = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? nil : text
    }

    /// The decimal integer the file holds; nil when it is empty or not a number.
    static func integer(_ raw: String) -> Int64? {
        text(raw).flatMap { Int64($0) }
    }
}
