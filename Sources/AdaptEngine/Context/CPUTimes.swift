/// Time the CPUs spent in each state since boot, in jiffies (clock ticks), from `/proc/stat`.
///
/// Old kernels printed fewer columns (4 before 2.5.41, then iowait, irq and softirq, steal from 2.6.11):
/// a line needs the first four; a missing later column is 0, which is exact — those kernels counted
/// that time inside the four they did print. `guest` and `guest_nice` are left out: the kernel already
/// counts them in `user` and `nice`, so adding them would count guest time twice.
public struct CPUJiffies: Sendable, Equatable {
    public var user: Int
    public var nice: Int
    public var system: Int
    public var idle: Int
    public var iowait: Int
    public var irq: Int
    public var softirq: Int
    public var steal: Int

    public init(user: Int, nice: Int, system: Int, idle: Int,
                iowait: Int = 0, irq: Int = 0, softirq: Int = 0, steal: Int = 0) {
        self.user = user
        self.nice = nice
        self.system = system
        self.idle = idle
        self.iowait = iowait
        self.irq = irq
        self.softirq = softirq
        self.steal = steal
    }

    /// Every state added up.
    public var total: Int { user + nice + system + idle + iowait + irq + softirq + steal }

    /// Time the CPU had nothing to run (waiting for I/O is idle too: the CPU could have run something else).
    public var idleTotal: Int { idle + iowait }

    fileprivate var fields: [Int] { [user, nice, system, idle, iowait, irq, softirq, steal] }

    /// The numbers after a `cpu`/`cpuN` label; nil with fewer than four or a non-number among the first eight.
    static func parse<S: Collection<Substring>>(columns: S) -> CPUJiffies? {
        let numbers = columns.prefix(8).map { Int($0) }
        guard numbers.count >= 4, !numbers.contains(nil) else { return nil }
        let value = numbers.map { $0! } + Array(repeating: 0, count: 8 - numbers.count)
        return CPUJiffies(user: value[0], nice: value[1], system: value[2], idle: value[3],
                          iowait: value[4], irq: value[5], softirq: value[6], steal: value[7])
    }
}

/// One CPU's line of `/proc/stat` (`cpu3 …`); offline CPUs have none, so the numbers can have gaps.
public struct CoreJiffies: Sendable, Equatable {
    public var cpu: Int
    public var jiffies: CPUJiffies

    public init(cpu: Int, jiffies: CPUJiffies) {
        self.cpu = cpu
        self.jiffies = jiffies
    }
}

/// The aggregate and per-core CPU times of `/proc/stat`.
public struct CPUTimes: Sendable, Equatable {
    /// The `cpu` line: all online CPUs together.
    public var total: CPUJiffies
    /// The `cpuN` lines, in the file's order (ascending CPU number).
    public var cores: [CoreJiffies]

    public init(total: CPUJiffies, cores: [CoreJiffies]) {
        self.total = total
        self.cores = cores
    }

    /// Parses `/proc/stat`; nil without a well-formed aggregate `cpu` line. A malformed `cpuN` line is skipped.
    public static func parse(_ text: String) -> CPUTimes? {
        var total: CPUJiffies?
        var cores: [CoreJiffies] = []
        // The cpu lines come first; the rest (the interrupt line alone holds thousands of numbers) is not read.
        for bytes in text.utf8.split(separator: UInt8(ascii: "\n")) {
            let line = Substring(bytes)
            guard line.hasPrefix("cpu") else {
                if total != nil { break } else { continue }
            }
            let columns = line.utf8.split(separator: UInt8(ascii: " ")).map { Substring($0) }
            guard let label = columns.first else { continue }
            let jiffies = CPUJiffies.parse(columns: columns.dropFirst())
            if label == "cpu" {
                total = jiffies
            } else if let jiffies, let cpu = Int(label.dropFirst(3)) {
                cores.append(CoreJiffies(cpu: cpu, jiffies: jiffies))
            }
        }
        return total.map { CPUTimes(total: $0, cores: cores) }
    }

    /// Reads `proc/stat` under `root`; nil where there is none.
    public static func read(from root: SystemRoot) -> CPUTimes? {
        root.read("proc/stat").flatMap(parse)
    }

    /// The busy fraction of every CPU between two readings.
    ///
    /// A single column may dip (iowait is known to on tickless kernels), so each column's change is floored
    /// at 0; but when the sum went backwards the counters were reset (a CPU unplugged and back) and the
    /// interval means nothing: that fraction is nil, as it is when no time passed.
    public static func utilization(from earlier: CPUTimes, to later: CPUTimes) -> CPUUtilization {
        let earlierCores = Dictionary(earlier.cores.map { ($0.cpu, $0.jiffies) }, uniquingKeysWith: { first, _ in first })
        return CPUUtilization(
            total: busyFraction(from: earlier.total, to: later.total),
            cores: later.cores.map { core in
                CoreUtilization(cpu: core.cpu, busy: earlierCores[core.cpu].flatMap { busyFraction(from: $0, to: core.jiffies) })
            })
    }

    static func busyFraction(from earlier: CPUJiffies, to later: CPUJiffies) -> Double? {
        guard later.total > earlier.total else { return nil }
        let deltas = zip(later.fields, earlier.fields).map { max($0 - $1, 0) }
        let elapsed = deltas.reduce(0, +)
        let idle = deltas[3] + deltas[4]
        guard elapsed > 0 else { return nil }
        return min(max(Double(elapsed - idle) / Double(elapsed), 0), 1)
    }
}

/// How busy the CPUs were between two `/proc/stat` readings, as fractions 0…1.
public struct CPUUtilization: Sendable, Equatable {
    /// All CPUs together; nil when no time passed or the counters went backwards.
    public var total: Double?
    /// One entry per CPU of the later reading; `busy` is nil for a CPU missing from the earlier one.
    public var cores: [CoreUtilization]

    public init(total: Double?, cores: [CoreUtilization]) {
        self.total = total
        self.cores = cores
    }
}

/// One CPU's busy fraction 0…1 over an interval; nil when it cannot be known (see `CPUTimes.utilization`).
public struct CoreUtilization: Sendable, Equatable {
    public var cpu: Int
    public var busy: Double?

    public init(cpu: Int, busy: Double?) {
        self.cpu = cpu
        self.busy = busy
    }
}
