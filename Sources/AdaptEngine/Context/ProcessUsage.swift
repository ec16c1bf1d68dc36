internal import Foundation

/// This process's CPU time, threads and memory, from `proc/self/stat` and `proc/self/status`.
public struct ProcessUsage: Sendable, Equatable {
    /// CPU time in user and kernel mode since the process started, in seconds (all threads).
    public var userSeconds: Double
    public var systemSeconds: Double
    public var threads: Int
    /// Resident memory now, from `stat`'s page count.
    public var residentBytes: Int
    /// Resident memory now and its peak (`VmRSS`, `VmHWM` of `status`); nil when `status` is missing or lacks them.
    public var statusResidentBytes: Int?
    public var peakResidentBytes: Int?

    public init(userSeconds: Double, systemSeconds: Double, threads: Int, residentBytes: Int,
                statusResidentBytes: Int? = nil, peakResidentBytes: Int? = nil) {
        self.userSeconds = userSeconds
        self.systemSeconds = systemSeconds
        self.threads = threads
        self.residentBytes = residentBytes
        self.statusResidentBytes = statusResidentBytes
        self.peakResidentBytes = peakResidentBytes
    }

    /// Parses `/proc/<pid>/stat`, with the status fields nil.
    ///
    /// The command name (field 2) is in parentheses and may itself hold spaces and `)`, so the fields are
    /// counted from after the *last* `)`. nil when that is missing or the file is cut short before `rss` (field 24).
    /// - Parameters:
    ///   - clockTicksPerSecond: `sysconf(_SC_CLK_TCK)`, the unit of `utime` and `stime`.
    ///   - pageSize: `sysconf(_SC_PAGESIZE)`, the unit of `rss`.
    public static func parse(stat text: String, clockTicksPerSecond: Int, pageSize: Int) -> ProcessUsage? {
        guard clockTicksPerSecond > 0, pageSize > 0, let close = text.utf8.lastIndex(of: UInt8(ascii: ")")) else { return nil }
        // After the comm: field 3 (state) is index 0, so field n is index n - 3. Split on bytes (read every sample).
        let fields = text.utf8[text.utf8.index(after: close)...]
            .split(whereSeparator: { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\n") })
        func field(_ number: Int) -> Int? { fields.count > number - 3 ? Int(Substring(fields[number - 3])) : nil }
        guard let utime = field(14), let stime = field(15), let threads = field(20), let rss = field(24) else { return nil }
        let ticks = Double(clockTicksPerSecond)
        return ProcessUsage(userSeconds: Double(utime) / ticks, systemSeconds: Double(stime) / ticks,
                            threads: threads, residentBytes: rss * pageSize)
    }

    /// `VmRSS` and `VmHWM` of `/proc/<pid>/status`, in bytes; each nil when absent (kernel threads have neither).
    public static func parse(status text: String) -> (resident: Int?, peakResident: Int?) {
        let fields = KernelText.kilobyteFields(text, keys: ["VmRSS", "VmHWM"])
        return (fields["VmRSS"], fields["VmHWM"])
    }

    /// Both files' texts; nil when `stat` is missing or malformed.
    public static func parse(stat: String, status: String?, clockTicksPerSecond: Int, pageSize: Int) -> ProcessUsage? {
        guard var usage = parse(stat: stat, clockTicksPerSecond: clockTicksPerSecond, pageSize: pageSize) else { return nil }
        if let status {
            (usage.statusResidentBytes, usage.peakResidentBytes) = parse(status: status)
        }
        return usage
    }

    /// Reads `proc/self/{stat,status}` under `root`, with this system's clock tick and page size.
    public static func read(from root: SystemRoot) -> ProcessUsage? {
        guard let stat = root.read("proc/self/stat") else { return nil }
        return parse(stat: stat, status: root.read("proc/self/status"),
                     clockTicksPerSecond: sysconf(Int32(_SC_CLK_TCK)), pageSize: sysconf(Int32(_SC_PAGESIZE)))
    }
}
