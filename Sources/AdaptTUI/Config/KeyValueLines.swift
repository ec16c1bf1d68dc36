/// One meaningful line of a `key = value` file (theme files, the config file). Both formats share these rules so
/// a user who learns one knows the other: whitespace around keys and values is trimmed, blank lines and lines
/// starting with `#` are skipped, and `#` anywhere else is part of the value.
struct KeyValueLine: Equatable {
    /// 1-based, counting every line of the file.
    var number: Int
    /// The whole line, trimmed.
    var text: String
    /// The text before and after the first `=`, trimmed; nil when the line has no `=`.
    var key: String?
    var value: String?

    /// The meaningful lines of `text`, in order.
    static func lines(of text: String) -> [KeyValueLine] {
        text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated().compactMap { offset, raw in
            let line = raw.trimmingWhitespace()
            if line.isEmpty || line.hasPrefix("#") { return nil }
            var result = KeyValueLine(number: offset + 1, text: line)
            if let equals = line.firstIndex(of: "=") {
                result.key = line[..<equals].trimmingWhitespace()
                result.value = line[line.index(after: equals)...].trimmingWhitespace()
            }
            return result
        }
    }
}

/// A mistake in a file the dashboard reads (a theme, the config file), located as compilers do (`file:line`, or
/// `file` alone for a problem with the whole file) so editors can jump to it, with what adapt-top does about it.
public struct FileWarning: Error, Sendable, Equatable, CustomStringConvertible {
    public var file: String
    /// 1-based; nil for a problem with the whole file.
    public var line: Int?
    public var message: String
    /// Appended after a semicolon ("using the default theme"); nil when the message says it all.
    public var consequence: String?

    public init(file: String, line: Int?, message: String, consequence: String? = nil) {
        (self.file, self.line, self.message, self.consequence) = (file, line, message, consequence)
    }

    public var description: String {
        "\(file)\(line.map { ":\($0)" } ?? ""): \(message)" + (consequence.map { "; \($0)" } ?? "")
    }
}
