/// What a pressure-stall (PSI) file is about: `proc/pressure/{cpu,memory,io}`.
public enum PressureResource: String, Sendable, Equatable, CaseIterable {
    case cpu, memory, io
}

/// One line of a PSI file: the share of wall time tasks were stalled on the resource.
public struct PressureAverages: Sendable, Equatable {
    /// Percent of time (0…100) stalled, averaged over 10 s, 60 s and 300 s.
    public var avg10: Double
    public var avg60: Double
    public var avg300: Double
    /// Total stall time since boot, in microseconds.
    public var totalMicroseconds: Int

    public init(avg10: Double, avg60: Double, avg300: Double, totalMicroseconds: Int) {
        self.avg10 = avg10
        self.avg60 = avg60
        self.avg300 = avg300
        self.totalMicroseconds = totalMicroseconds
    }

    /// `avg10=1.25 avg60=6.74 avg300=28.65 total=3833000017` (after the `some`/`full` label); nil if a key is missing.
    static func parse<S: Sequence<Substring>>(pairs: S) -> PressureAverages? {
        var values: [Substring: Substring] = [:]
        for pair in pairs {
            let parts = pair.utf8.split(separator: UInt8(ascii: "="), maxSplits: 1)
            if parts.count == 2 { values[Substring(parts[0])] = Substring(parts[1]) }
        }
        guard let avg10 = values["avg10"].flatMap({ Double($0) }),
              let avg60 = values["avg60"].flatMap({ Double($0) }),
              let avg300 = values["avg300"].flatMap({ Double($0) }),
              let total = values["total"].flatMap({ Int($0) })
        else { return nil }
        return PressureAverages(avg10: avg10, avg60: avg60, avg300: avg300, totalMicroseconds: total)
    }
}

/// A PSI file (kernel 4.20+ with `CONFIG_PSI`; some kernels need `psi=1` on the command line).
public struct PressureStall: Sendable, Equatable {
    /// Some task was stalled.
    public var some: PressureAverages
    /// Every non-idle task was stalled at once. nil when the kernel prints no `full` line (CPU before 5.13).
    /// For CPU at the system level the kernel prints zeros (undefined there); in a cgroup it is meaningful.
    public var full: PressureAverages?

    public init(some: PressureAverages, full: PressureAverages?) {
        self.some = some
        self.full = full
    }

    /// Parses a PSI file; nil without a well-formed `some` line. A malformed `full` line is nil.
    public static func parse(_ text: String) -> PressureStall? {
        var some: PressureAverages?
        var full: PressureAverages?
        // Split on bytes: the sampler reads three of these files every interval.
        for line in text.utf8.split(separator: UInt8(ascii: "\n")) {
            let columns = line.split(separator: UInt8(ascii: " ")).map { Substring($0) }
            switch columns.first {
            case "some": some = PressureAverages.parse(pairs: columns.dropFirst())
            case "full": full = PressureAverages.parse(pairs: columns.dropFirst())
            default: continue
            }
        }
        return some.map { PressureStall(some: $0, full: full) }
    }

    /// Reads `proc/pressure/<resource>` under `root`; nil where the kernel has no PSI.
    public static func read(_ resource: PressureResource, from root: SystemRoot) -> PressureStall? {
        root.read("proc/pressure/\(resource.rawValue)").flatMap(parse)
    }
}
