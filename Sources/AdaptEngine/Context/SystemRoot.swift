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
    /// Plain open/read: kernel files report size 0 and are read until end of file; a dozen are read every sample.
    public func read(_ relative: String) -> String? {
        let descriptor = open(path(relative), O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { Foundation.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                return nil  // e.g. EIO from a thermal zone whose sensor is gone
            }
            if count == 0 { break }
            bytes.append(contentsOf: chunk[..<count])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    public func exists(_ relative: String) -> Bool {
        FileManager.default.fileExists(atPath: path(relative))
    }

    /// A directory's entries, sorted; empty when it is missing.
    public func list(_ relative: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: path(relative))) ?? []).sorted()
    }
}
