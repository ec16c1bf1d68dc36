internal import Foundation

/// Where the kernel's files are read from: `/` on the device, a captured tree (`Tests/Fixtures/context/…`) in tests
/// and demos of other boards. Every sensor reads through one, so none of them knows where it runs.
public struct SystemRoot: Sendable, Equatable {
    public var path: String

    public init(_ path: String = "/") {
        self.path = path
    }

    /// The absolute path of `relative` (e.g. `proc/stat`) under this root.
    public func path(_ relative: String) -> String {
        path.hasSuffix("/") ? path + relative : path + "/" + relative
    }

    /// The file's text; nil when it is missing or unreadable (a source the device lacks, never an error).
    public func read(_ relative: String) -> String? {
        guard let data = FileManager.default.contents(atPath: path(relative)) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    /// A directory's entries, sorted; empty when it is missing.
    public func list(_ relative: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: path(relative))) ?? []).sorted()
    }
}
