internal import Foundation

/// The process's resident memory, read from the kernel (`/proc/self/statm`); nil where there is no procfs.
enum ProcessMemory {
    static func residentBytes(statm path: String = "/proc/self/statm") -> Int? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        return residentBytes(statm: text, pageSize: Int(sysconf(Int32(_SC_PAGESIZE))))
    }

    /// `statm` is "size resident shared text lib data dt" in pages.
    static func residentBytes(statm text: String, pageSize: Int) -> Int? {
        let fields = text.split(whereSeparator: \.isWhitespace)
        guard fields.count >= 2, let pages = Int(fields[1]), pageSize > 0 else { return nil }
        return pages * pageSize
    }
}
