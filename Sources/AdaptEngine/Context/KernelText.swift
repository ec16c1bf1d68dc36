/// Small shared readers for the shapes kernel files come in (every context sensor parses through these).
enum KernelText {
    /// A one-value file's text without surrounding whitespace; nil when nothing is left (some attributes read back
    /// empty).
    static func value(_ raw: String) -> String? {
        let text = trimmed(raw)
        return text.isEmpty ? nil : String(text)
    }

    /// The decimal integer a one-value file holds; nil when it is empty or not a number.
    static func integer(_ raw: String) -> Int64? {
        value(raw).flatMap { Int64($0) }
    }

    /// The `Key:   1234 kB` lines of `/proc/meminfo` and `/proc/<pid>/status`, in bytes, by key.
    /// Lines of any other shape are skipped.
    static func kilobyteFields(_ text: String) -> [Substring: Int] {
        var fields: [Substring: Int] = [:]
        for line in text.split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let value = line[line.index(after: colon)...].split(whereSeparator: \.isWhitespace)
            guard value.count == 2, value[1] == "kB", let kilobytes = Int(value[0]) else { continue }
            let (bytes, overflow) = kilobytes.multipliedReportingOverflow(by: 1024)
            if !overflow { fields[line[..<colon]] = bytes }
        }
        return fields
    }

    /// The `key value` lines of a cgroup `cpu.stat`, by key; lines that are not a key and an integer are skipped.
    static func keyedIntegers(_ text: String) -> [Substring: Int] {
        var fields: [Substring: Int] = [:]
        for line in text.split(separator: "\n") {
            let columns = line.split(whereSeparator: \.isWhitespace)
            if columns.count == 2, let value = Int(columns[1]) { fields[columns[0]] = value }
        }
        return fields
    }

    /// A one-value sysfs file without its surrounding whitespace (they end in a newline).
    static func trimmed(_ text: some StringProtocol) -> Substring {
        let text = Substring(text)
        guard let first = text.firstIndex(where: { !$0.isWhitespace }),
              let last = text.lastIndex(where: { !$0.isWhitespace })
        else { return "" }
        return text[first...last]
    }
}
