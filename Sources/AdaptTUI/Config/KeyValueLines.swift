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

/// `file:line`, or `file` alone for a problem with the whole file: the form compilers use, so editors can jump to it.
func fileLocation(_ file: String, line: Int?) -> String {
    "\(file)\(line.map { ":\($0)" } ?? "")"
}
