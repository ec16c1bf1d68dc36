import Foundation
import Yams

/// A problem in one of adapt-top's YAML files (a family manifest, a context trace), pointing at the file, the line
/// and the field.
public struct ConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int?
    /// Dotted path of the field, e.g. `variants[2].file`.
    public var field: String
    public var message: String

    public init(file: String, line: Int?, field: String, message: String) {
        (self.file, self.line, self.field, self.message) = (file, line, field, message)
    }

    public var description: String {
        let location = line.map { "\(file):\($0)" } ?? file
        return field.isEmpty ? "\(location): \(message)" : "\(location): \(field): \(message)"
    }
}

/// Typed, located access to a YAML tree: every failure names the file, line and field.
struct YAMLReader {
    let file: String

    /// Reads a whole file; `document` names what it should be ("manifest", "trace") in the error.
    static func text(contentsOf path: String, document: String) throws -> String {
        do {
            return try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigurationError(file: path, line: nil, field: "", message: "cannot read the \(document) (\(error.localizedDescription))")
        }
    }

    /// The root node of `text`; an empty document or text that is not YAML is an error on one line.
    static func root(_ text: String, source: String, document: String) throws -> Node {
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw ConfigurationError(file: source, line: Self.line(of: error), field: "", message: "not valid YAML: \(Self.problem(of: error))")
        } catch {
            throw ConfigurationError(file: source, line: nil, field: "", message: "not valid YAML: \(error)")
        }
        guard let node else { throw ConfigurationError(file: source, line: nil, field: "", message: "the \(document) is empty") }
        return node
    }

    private static func line(of error: YamlError) -> Int? {
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): mark.line
        default: nil
        }
    }

    /// Yams's own description adds the offending line and a caret below it; the error stays on one line.
    private static func problem(of error: YamlError) -> String {
        switch error {
        case .scanner(let context, let problem, _, _), .parser(let context, let problem, _, _),
             .composer(let context, let problem, _, _):
            (context.map { "\($0.text): " } ?? "") + problem
        default:
            "\(error)".split(separator: "\n").joined(separator: " ")
        }
    }

    struct Mapping {
        let node: Node
        let values: [String: Node]
        let reader: YAMLReader
        let path: String

        func required(_ key: String) throws -> Node {
            guard let value = values[key] else {
                throw reader.error(node, path.isEmpty ? key : "\(path).\(key)", "is required")
            }
            return value
        }

        func optional(_ key: String) -> Node? {
            values[key]
        }
    }

    func error(_ node: Node, _ field: String, _ message: String) -> ConfigurationError {
        ConfigurationError(file: file, line: node.mark.map { $0.line }, field: field, message: message)
    }

    func mapping(_ node: Node, _ field: String, keys: Set<String>) throws -> Mapping {
        guard let mapping = node.mapping else { throw error(node, field, "must be a mapping") }
        var values: [String: Node] = [:]
        for (key, value) in mapping {
            guard let name = key.string else { throw error(key, field, "keys must be strings") }
            let path = field.isEmpty ? name : "\(field).\(name)"
            guard keys.contains(name) else {
                throw error(key, path, "unknown key (expected one of: \(keys.sorted().joined(separator: ", ")))")
            }
            guard values[name] == nil else { throw error(key, path, "appears twice") }
            values[name] = value
        }
        return Mapping(node: node, values: values, reader: self, path: field)
    }

    func list<T>(_ node: Node, _ field: String, _ element: (Node, String) throws -> T) throws -> [T] {
        guard let sequence = node.sequence else { throw error(node, field, "must be a list") }
        var result: [T] = []
        for (index, item) in sequence.enumerated() { result.append(try element(item, "\(field)[\(index)]")) }
        return result
    }

    func string(_ node: Node, _ field: String) throws -> String {
        guard let scalar = node.scalar else { throw error(node, field, "must be text") }
        guard !scalar.string.isEmpty else { throw error(node, field, "must not be empty") }
        return scalar.string
    }

    func int(_ node: Node, _ field: String, min: Int?) throws -> Int {
        guard let value = node.int else { throw error(node, field, "must be an integer") }
        if let min, value < min { throw error(node, field, "must be at least \(min), is \(value)") }
        return value
    }

    func double(_ node: Node, _ field: String, positive: Bool = false) throws -> Double {
        guard let value = node.float, value.isFinite else { throw error(node, field, "must be a number") }
        if positive && value <= 0 { throw error(node, field, "must be positive, is \(value)") }
        return value
    }

    /// A fraction in 0…1 (accuracy is never given in percent, to keep one unit everywhere).
    func fraction(_ node: Node, _ field: String) throws -> Double {
        let value = try double(node, field)
        guard (0...1).contains(value) else { throw error(node, field, "must be a fraction between 0 and 1, is \(value)") }
        return value
    }

    /// Whether the value is the word `off` (which YAML 1.1 would otherwise read as false).
    func isOff(_ node: Node) -> Bool {
        node.scalar?.string == "off"
    }

    /// One of an enumeration's raw values; the error lists them all.
    func choice<T: RawRepresentable & CaseIterable>(_ node: Node, _ field: String, _ type: T.Type) throws -> T where T.RawValue == String {
        let name = try string(node, field)
        guard let value = T(rawValue: name) else {
            throw error(node, field, "'\(name)' is not one of \(T.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return value
    }
}
