/// A strict reader of Prometheus's text exposition format (version 0.0.4), for tests: it throws every rule an
/// exposition breaks (with line numbers), and otherwise gives the samples to look values up in.
///
/// Rules checked: lines end in "\n"; metric names `[a-zA-Z_:][a-zA-Z0-9_:]*`, label names `[a-zA-Z_][a-zA-Z0-9_]*`
/// (not `__`-prefixed, no repeats in one sample); label values escape only `\\`, `\"` and `\n`; HELP escapes only
/// `\\` and `\n`; values are floats (`NaN`, `+Inf`, `-Inf` spelt so); at most one HELP and one TYPE per family, the
/// TYPE before the family's first sample; a family's samples are contiguous; no series twice; counters are named
/// `…_total` with non-negative values; histograms have only
/// `_bucket` (with `le`), `_sum` and `_count`, cumulative non-decreasing buckets in ascending `le` order ending at
/// `le="+Inf"`, which equals `_count`, and a `_sum`.
struct PrometheusExposition {
    struct Sample: Equatable {
        var name: String
        var labels: [String: String]
        var value: Double
    }

    struct Violations: Error, CustomStringConvertible {
        var problems: [String]
        var description: String { problems.joined(separator: "\n") }
    }

    private(set) var samples: [Sample] = []
    /// Each family's TYPE, by family name.
    private(set) var types: [String: String] = [:]
    private(set) var help: [String: String] = [:]

    /// The value of the one series called `name` with exactly `labels`; nil if there is none.
    func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        samples.first { $0.name == name && $0.labels == labels }?.value
    }

    /// Every sample called `name`.
    func series(_ name: String) -> [Sample] { samples.filter { $0.name == name } }

    /// Whether any sample or TYPE line names the family `name`.
    func has(family name: String) -> Bool { types[name] != nil || samples.contains { family(of: $0.name) == name } }

    init(checking text: String) throws(Violations) {
        var problems: [String] = []
        if !text.isEmpty && !text.hasSuffix("\n") { problems.append("the exposition does not end with a line feed") }
        var familyOrder: [String] = []  // families in the order their samples appeared, each once
        var closed: Set<String> = []
        var seenSeries: Set<String> = []
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast(text.hasSuffix("\n") ? 1 : 0)
        for (offset, line) in lines.enumerated() {
            let number = offset + 1
            func problem(_ message: String) { problems.append("line \(number): \(message): \(line)") }
            if line.isEmpty { continue }
            if line.hasPrefix("#") {
                let fields = line.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: false)
                guard fields.count >= 3, fields[0] == "#", fields[1] == "HELP" || fields[1] == "TYPE" else { continue }
                let name = String(fields[2])
                if !Self.isMetricName(name) { problem("\(name) is not a metric name") }
                let rest = fields.count > 3 ? String(fields[3]) : ""
                if fields[1] == "TYPE" {
                    if types[name] != nil { problem("a second TYPE for \(name)") }
                    if familyOrder.contains(name) { problem("TYPE of \(name) after its samples") }
                    if !["counter", "gauge", "histogram", "summary", "untyped"].contains(rest) { problem("unknown type \(rest)") }
                    if rest == "counter" && !name.hasSuffix("_total") { problem("counter \(name) does not end in _total") }
                    types[name] = rest
                } else {
                    if help[name] != nil { problem("a second HELP for \(name)") }
                    if let error = Self.unescape(rest, allowing: ["\\", "n"]).error { problem("HELP \(error)") }
                    help[name] = rest
                }
                continue
            }
            guard let sample = Self.parseSample(line, problem: problem) else { continue }
            let family = family(of: sample.name)
            if familyOrder.last != family {
                if closed.contains(family) { problem("a sample of \(family) apart from its other samples") }
                if let last = familyOrder.last { closed.insert(last) }
                familyOrder.append(family)
            }
            let key = sample.name + "{" + sample.labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",") + "}"
            if !seenSeries.insert(key).inserted { problem("the series \(key) a second time") }
            switch types[family] {
            case "counter":
                if !(sample.value >= 0) { problem("counter value \(sample.value)") }
            case "histogram":
                if sample.name == family + "_bucket" {
                    if sample.labels["le"] == nil { problem("a bucket without le") }
                } else if sample.labels["le"] != nil {
                    problem("le on \(sample.name)")
                }
            default:
                break
            }
            samples.append(sample)
        }
        for (name, type) in types where type == "histogram" {
            problems += checkHistogram(name)
        }
        guard problems.isEmpty else { throw Violations(problems: problems) }
    }

    /// The family a sample name belongs to: a histogram's or summary's suffixed samples belong to the declared base.
    private func family(of name: String) -> String {
        for suffix in ["_bucket", "_sum", "_count"] where name.hasSuffix(suffix) {
            let base = String(name.dropLast(suffix.count))
            if types[base] == "histogram" || (types[base] == "summary" && suffix != "_bucket") { return base }
        }
        return name
    }

    private func checkHistogram(_ name: String) -> [String] {
        var problems: [String] = []
        let buckets = series(name + "_bucket")
        let groups = Dictionary(grouping: buckets) { $0.labels.filter { $0.key != "le" } }
        var labelSets = Set(groups.keys.map(Self.key))
        for sample in series(name + "_sum") + series(name + "_count") { labelSets.insert(Self.key(sample.labels)) }
        for labelSet in labelSets {
            let group = buckets.filter { Self.key($0.labels.filter { $0.key != "le" }) == labelSet }
            let named = "\(name){\(labelSet)}"
            let bounds = group.map { Self.parseValue($0.labels["le"] ?? "") }
            if bounds.contains(nil) { problems.append("\(named): an le that is not a number") }
            let les = bounds.compactMap { $0 }
            if les != les.sorted() || Set(les).count != les.count { problems.append("\(named): buckets not in ascending le order") }
            if zip(group, group.dropFirst()).contains(where: { $0.value > $1.value }) {
                problems.append("\(named): bucket counts decrease")
            }
            guard let last = group.last, last.labels["le"] == "+Inf" else {
                problems.append("\(named): no le=\"+Inf\" bucket last")
                continue
            }
            let labels = group[0].labels.filter { $0.key != "le" }
            guard let count = value(name + "_count", labels) else {
                problems.append("\(named): no _count")
                continue
            }
            if count != last.value { problems.append("\(named): +Inf bucket \(last.value) ≠ _count \(count)") }
            if value(name + "_sum", labels) == nil { problems.append("\(named): no _sum") }
        }
        return problems
    }

    private static func key(_ labels: [String: String]) -> String {
        labels.sorted { $0.key < $1.key }.map { "\($0.key)=\"\($0.value)\"" }.joined(separator: ",")
    }

    // MARK: Lexing

    private static func parseSample(_ line: Substring, problem: (String) -> Void) -> Sample? {
        var rest = line[...]
        let name = String(rest.prefix { isNameCharacter($0, colon: true) })
        rest = rest.dropFirst(name.count)
        guard isMetricName(name) else {
            problem("no metric name")
            return nil
        }
        var labels: [String: String] = [:]
        if rest.first == "{" {
            rest = rest.dropFirst()
            while rest.first != "}" {
                let label = String(rest.prefix { isNameCharacter($0, colon: false) })
                rest = rest.dropFirst(label.count)
                guard isLabelName(label), rest.first == "=" else {
                    problem("a label name that is not one, or no = after it")
                    return nil
                }
                if label.hasPrefix("__") { problem("reserved label name \(label)") }
                rest = rest.dropFirst()
                guard rest.first == "\"" else {
                    problem("label \(label): its value is not quoted")
                    return nil
                }
                rest = rest.dropFirst()
                var raw = ""
                var escaped = false
                while let character = rest.first, escaped || character != "\"" {
                    escaped = !escaped && character == "\\"
                    raw.append(character)
                    rest = rest.dropFirst()
                }
                guard rest.first == "\"" else {
                    problem("label \(label): unterminated value")
                    return nil
                }
                rest = rest.dropFirst()
                let (value, error) = unescape(raw, allowing: ["\\", "\"", "n"])
                if let error { problem("label \(label): \(error)") }
                if labels[label] != nil { problem("label \(label) twice") }
                labels[label] = value
                if rest.first == "," { rest = rest.dropFirst() } else if rest.first != "}" {
                    problem("no , or } after a label")
                    return nil
                }
            }
            rest = rest.dropFirst()
        }
        guard rest.first == " " else {
            problem("no space before the value")
            return nil
        }
        let fields = rest.dropFirst().split(separator: " ", omittingEmptySubsequences: false)
        guard (1...2).contains(fields.count), let value = parseValue(String(fields[0])) else {
            problem("the value is not a float (optionally followed by a timestamp)")
            return nil
        }
        if fields.count == 2, Int64(fields[1]) == nil { problem("the timestamp is not an integer") }
        return Sample(name: name, labels: labels, value: value)
    }

    /// A float as the format writes it: decimal, or `NaN`, `+Inf`, `-Inf` (Swift's "nan" and "inf" are not).
    static func parseValue(_ text: String) -> Double? {
        switch text {
        case "NaN": return .nan
        case "+Inf": return .infinity
        case "-Inf": return -.infinity
        default:
            let digits = text.drop { $0 == "+" || $0 == "-" }
            guard text.count - digits.count <= 1, let first = digits.first, first.isASCII && (first.isNumber || first == "."),
                  digits.allSatisfy({ $0.isASCII && ($0.isNumber || ".eE+-".contains($0)) }) else { return nil }
            return Double(text)
        }
    }

    private static func unescape(_ text: String, allowing escapes: Set<Character>) -> (value: String, error: String?) {
        var value = ""
        var escaping = false
        for character in text {
            if escaping {
                guard escapes.contains(character) else { return (value, "the escape \\\(character) is not allowed") }
                value.append(character == "n" ? "\n" : character)
                escaping = false
            } else if character == "\\" {
                escaping = true
            } else {
                value.append(character)
            }
        }
        return escaping ? (value, "a lone backslash at the end") : (value, nil)
    }

    private static func isNameCharacter(_ character: Character, colon: Bool) -> Bool {
        character.isASCII && (character.isLetter || character.isNumber || character == "_" || (colon && character == ":"))
    }

    static func isMetricName(_ name: String) -> Bool {
        guard let first = name.first, !first.isNumber else { return false }
        return name.allSatisfy { isNameCharacter($0, colon: true) }
    }

    static func isLabelName(_ name: String) -> Bool {
        guard let first = name.first, !first.isNumber else { return false }
        return name.allSatisfy { isNameCharacter($0, colon: false) }
    }
}
