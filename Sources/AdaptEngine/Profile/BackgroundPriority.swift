internal import Foundation

/// The lowest scheduling priority (nice 19) for the calling thread, so a profile running beside the engine's
/// inference thread takes only the CPU that thread leaves. Linux keeps nice per thread, and `setpriority` with
/// `PRIO_PROCESS` and id 0 sets the calling thread's. An unprivileged process cannot raise it again: call it on a
/// thread made for the work.
public enum BackgroundPriority {
    public static let lowest: Int32 = 19

    /// Lowers the calling thread; false where the system refuses or cannot name the thread.
    @discardableResult
    public static func lowerCurrentThread() -> Bool {
        #if os(Linux)
        return setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, lowest) == 0
        #else
        return false
        #endif
    }

    /// The calling thread's nice value, from `/proc/thread-self/stat` (field 19); nil without procfs.
    public static func currentThreadNice(stat path: String = "/proc/thread-self/stat") -> Int? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        return nice(stat: text)
    }

    /// Field 19 of a `stat` line; the command name (field 2) may hold spaces and parentheses, so fields are counted
    /// after its last ')'.
    static func nice(stat text: String) -> Int? {
        guard let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(whereSeparator: \.isWhitespace)
        // fields[0] is field 3 (state), so field 19 is fields[16].
        return fields.count > 16 ? Int(fields[16]) : nil
    }
}
