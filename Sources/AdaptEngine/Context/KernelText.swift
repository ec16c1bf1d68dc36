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

    /// The `Key:   1234 kB` lines of `/proc/meminfo` and `/proc/<pid>/status` named in `keys`, in bytes. Lines of
    /// any other shape are skipped. Scans bytes: the sampler reads both files every interval, and splitting them
    /// into strings cost ~130 µs a file.
    static func kilobyteFields(_ text: String, keys: [String]) -> [String: Int] {
        let wanted = keys.map { Array($0.utf8) }
        var fields: [String: Int] = [:]
        var text = text
        text.withUTF8 { bytes in
            var lineStart = 0
            while lineStart < bytes.count {
                var lineEnd = lineStart
                while lineEnd < bytes.count && bytes[lineEnd] != UInt8(ascii: "\n") { lineEnd += 1 }
                defer { lineStart = lineEnd + 1 }
                guard let keyIndex = wanted.firstIndex(where: { key in
                    lineEnd - lineStart > key.count && bytes[lineStart + key.count] == UInt8(ascii: ":")
                        && key.indices.allSatisfy { bytes[lineStart + $0] == key[$0] }
                }) else { continue }
                var position = lineStart + wanted[keyIndex].count + 1
                while position < lineEnd, bytes[position] == UInt8(ascii: " ") || bytes[position] == UInt8(ascii: "\t") {
                    position += 1
                }
                var value = 0, digits = 0
                while position < lineEnd, bytes[position] >= UInt8(ascii: "0"), bytes[position] <= UInt8(ascii: "9") {
                    let (shifted, overflow) = value.multipliedReportingOverflow(by: 10)
                    guard !overflow else { digits = 0; break }
                    value = shifted + Int(bytes[position] - UInt8(ascii: "0"))
                    digits += 1
                    position += 1
                }
                // The unit must follow: " kB" and the end of the line.
                let unit = Array(bytes[position..<lineEnd]).drop { $0 == UInt8(ascii: " ") }
                guard digits > 0, Array(unit) == Array("kB".utf8) else { continue }
                let (bytesValue, overflow) = value.multipliedReportingOverflow(by: 1024)
                if !overflow { fields[keys[keyIndex]] = bytesValue }
            }
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
