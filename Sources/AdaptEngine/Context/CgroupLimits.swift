/// Which cgroup hierarchy a value came from.
public enum CgroupVersion: String, Sendable, Equatable {
    /// Per-controller hierarchies (`/sys/fs/cgroup/cpu/…`, `/sys/fs/cgroup/memory/…`), as on hybrid systems.
    case v1
    /// The unified hierarchy (`/sys/fs/cgroup/…` with `cpu.max`, `memory.max`).
    case v2
}

/// A cgroup limit: either none was set, or a value. (A missing file is not `unlimited`: it is a nil `CgroupLimit?`.)
public enum CgroupLimit<Value: Sendable & Equatable>: Sendable, Equatable {
    case unlimited
    case limited(Value)

    /// The value, nil when unlimited.
    public var value: Value? {
        if case .limited(let value) = self { return value }
        return nil
    }
}

/// Which cgroup the process is in, per hierarchy: `/proc/self/cgroup`.
public struct CgroupMembership: Sendable, Equatable {
    /// The path in the unified (v2) hierarchy, from the `0::/path` line.
    public var unifiedPath: String?
    /// The path per v1 controller (`4:memory:/process_api/…` → `memory`: `/process_api/…`); a line naming
    /// several controllers (`2:cpu,cpuacct:/`) gives each of them. Named hierarchies (`name=systemd`) are left out.
    public var controllerPaths: [String: String]

    public init(unifiedPath: String?, controllerPaths: [String: String]) {
        self.unifiedPath = unifiedPath
        self.controllerPaths = controllerPaths
    }

    /// Parses `/proc/<pid>/cgroup` (`id:controllers:path` per line); nil when no line has that shape.
    public static func parse(_ text: String) -> CgroupMembership? {
        var unified: String?
        var controllers: [String: String] = [:]
        for line in text.split(separator: "\n") {
            // The path may itself contain ':', so split on the first two only.
            let parts = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3, Int(parts[0]) != nil, parts[2].hasPrefix("/") else { continue }
            let path = String(parts[2])
            if parts[0] == "0", parts[1].isEmpty {
                unified = path
            } else {
                for controller in parts[1].split(separator: ",") where !controller.hasPrefix("name=") {
                    controllers[String(controller)] = path
                }
            }
        }
        if unified == nil, controllers.isEmpty { return nil }
        return CgroupMembership(unifiedPath: unified, controllerPaths: controllers)
    }
}

/// The CPU limit and throttling of the process's cgroup.
public struct CgroupCPU: Sendable, Equatable {
    public var version: CgroupVersion
    /// The cgroup's path in its hierarchy.
    public var path: String
    /// How many CPUs' worth of time the cgroup may use (quota ÷ period, e.g. 0.5); nil when the files are missing.
    public var quota: CgroupLimit<Double>?
    /// CPU time used by the cgroup, in seconds (v2 `cpu.stat` `usage_usec`; v1 `cpuacct.usage`).
    public var usageSeconds: Double?
    /// Periods in which the cgroup hit its quota, and the time it was held back, in seconds.
    public var throttledPeriods: Int?
    public var throttledSeconds: Double?

    public init(version: CgroupVersion, path: String, quota: CgroupLimit<Double>?, usageSeconds: Double?,
                throttledPeriods: Int?, throttledSeconds: Double?) {
        self.version = version
        self.path = path
        self.quota = quota
        self.usageSeconds = usageSeconds
        self.throttledPeriods = throttledPeriods
        self.throttledSeconds = throttledSeconds
    }

    /// v2 `cpu.max`: `max 100000` → unlimited, `50000 100000` → 0.5 CPUs; nil when malformed.
    public static func parseQuota(cpuMax text: String) -> CgroupLimit<Double>? {
        let columns = text.split(whereSeparator: \.isWhitespace)
        guard columns.count == 2, let period = Int(columns[1]), period > 0 else { return nil }
        if columns[0] == "max" { return .unlimited }
        guard let quota = Int(columns[0]), quota > 0 else { return nil }
        return .limited(Double(quota) / Double(period))
    }

    /// v1 `cpu.cfs_quota_us` and `cpu.cfs_period_us`: a quota of -1 → unlimited; nil when malformed.
    public static func parseQuota(cfsQuota: String, cfsPeriod: String) -> CgroupLimit<Double>? {
        guard let quota = Int(KernelText.trimmed(cfsQuota)), let period = Int(KernelText.trimmed(cfsPeriod)), period > 0
        else { return nil }
        if quota < 0 { return .unlimited }
        guard quota > 0 else { return nil }
        return .limited(Double(quota) / Double(period))
    }

    /// A v2 cgroup's files' texts; nil when both are missing.
    public static func parse(v2 path: String, cpuMax: String?, cpuStat: String?) -> CgroupCPU? {
        if cpuMax == nil, cpuStat == nil { return nil }
        let stat = cpuStat.map(KernelText.keyedIntegers) ?? [:]
        return CgroupCPU(version: .v2, path: path, quota: cpuMax.flatMap { parseQuota(cpuMax: $0) },
                         usageSeconds: stat["usage_usec"].map { Double($0) / 1e6 },
                         throttledPeriods: stat["nr_throttled"],
                         throttledSeconds: stat["throttled_usec"].map { Double($0) / 1e6 })
    }

    /// A v1 cgroup's files' texts (`cpuacct.usage` is in the cpuacct controller); nil when all are missing.
    public static func parse(v1 path: String, cfsQuota: String?, cfsPeriod: String?, cpuStat: String?,
                             cpuacctUsage: String?) -> CgroupCPU? {
        if cfsQuota == nil, cfsPeriod == nil, cpuStat == nil, cpuacctUsage == nil { return nil }
        let stat = cpuStat.map(KernelText.keyedIntegers) ?? [:]
        var quota: CgroupLimit<Double>?
        if let cfsQuota, let cfsPeriod { quota = parseQuota(cfsQuota: cfsQuota, cfsPeriod: cfsPeriod) }
        return CgroupCPU(version: .v1, path: path, quota: quota,
                         usageSeconds: cpuacctUsage.flatMap { Int(KernelText.trimmed($0)) }.map { Double($0) / 1e9 },
                         throttledPeriods: stat["nr_throttled"],
                         throttledSeconds: stat["throttled_time"].map { Double($0) / 1e9 })
    }
}

/// The memory limit and use of the process's cgroup, in bytes.
public struct CgroupMemory: Sendable, Equatable {
    public var version: CgroupVersion
    public var path: String
    /// nil when the file is missing or malformed.
    public var limit: CgroupLimit<Int>?
    /// Memory charged to the cgroup now (v2 `memory.current`, v1 `memory.usage_in_bytes`), page cache included.
    public var usageBytes: Int?

    public init(version: CgroupVersion, path: String, limit: CgroupLimit<Int>?, usageBytes: Int?) {
        self.version = version
        self.path = path
        self.limit = limit
        self.usageBytes = usageBytes
    }

    /// v2 `memory.max`: `max` → unlimited, else bytes; nil when malformed.
    public static func parseLimit(memoryMax text: String) -> CgroupLimit<Int>? {
        let value = KernelText.trimmed(text)
        if value == "max" { return .unlimited }
        return Int(value).map { .limited($0) }
    }

    /// v1 `memory.limit_in_bytes`. v1 has no word for "no limit": it prints the largest page-aligned
    /// count (9223372036854771712 with 4 KiB pages, a little less with larger pages), so anything
    /// above 2⁶² bytes — far beyond any machine — is read as unlimited. nil when malformed.
    public static func parseLimit(limitInBytes text: String) -> CgroupLimit<Int>? {
        guard let bytes = Int(KernelText.trimmed(text)) else {
            // Larger than Int.max can only be "no limit" too; anything else is not a number.
            return UInt64(KernelText.trimmed(text)) != nil ? .unlimited : nil
        }
        return bytes > 1 << 62 ? .unlimited : .limited(bytes)
    }

    /// A v2 cgroup's files' texts; nil when both are missing.
    public static func parse(v2 path: String, memoryMax: String?, memoryCurrent: String?) -> CgroupMemory? {
        if memoryMax == nil, memoryCurrent == nil { return nil }
        return CgroupMemory(version: .v2, path: path, limit: memoryMax.flatMap { parseLimit(memoryMax: $0) },
                            usageBytes: memoryCurrent.flatMap { Int(KernelText.trimmed($0)) })
    }

    /// A v1 cgroup's files' texts; nil when both are missing.
    public static func parse(v1 path: String, limitInBytes: String?, usageInBytes: String?) -> CgroupMemory? {
        if limitInBytes == nil, usageInBytes == nil { return nil }
        return CgroupMemory(version: .v1, path: path, limit: limitInBytes.flatMap { parseLimit(limitInBytes: $0) },
                            usageBytes: usageInBytes.flatMap { Int(KernelText.trimmed($0)) })
    }
}

/// The CPU and memory limits of the process's own cgroup, each from whichever hierarchy holds that controller.
public struct CgroupLimits: Sendable, Equatable {
    public var cpu: CgroupCPU?
    public var memory: CgroupMemory?

    public init(cpu: CgroupCPU?, memory: CgroupMemory?) {
        self.cpu = cpu
        self.memory = memory
    }

    /// Reads `proc/self/cgroup` under `root`, then the controllers' files; nil when neither controller can be read.
    ///
    /// A controller listed on a v1 line is read from v1 (it cannot be in v2 at the same time); otherwise from
    /// the unified hierarchy, at `sys/fs/cgroup/` (pure v2) or `sys/fs/cgroup/unified/` (hybrid).
    /// In a container with its own cgroup namespace missing, the listed path may not exist under the
    /// container's mount, whose root is then the container's cgroup: a missing directory falls back to it.
    public static func read(from root: SystemRoot) -> CgroupLimits? {
        guard let membership = root.read("proc/self/cgroup").flatMap(CgroupMembership.parse) else { return nil }
        let limits = CgroupLimits(cpu: readCPU(membership, root), memory: readMemory(membership, root))
        return limits.cpu == nil && limits.memory == nil ? nil : limits
    }

    private static func readCPU(_ membership: CgroupMembership, _ root: SystemRoot) -> CgroupCPU? {
        if let path = membership.controllerPaths["cpu"] {
            let cpu = directory(mount: "sys/fs/cgroup/cpu", path: path, root)
            let cpuacct = membership.controllerPaths["cpuacct"].map { directory(mount: "sys/fs/cgroup/cpuacct", path: $0, root) }
            return CgroupCPU.parse(v1: path, cfsQuota: root.read(cpu + "cpu.cfs_quota_us"),
                                   cfsPeriod: root.read(cpu + "cpu.cfs_period_us"), cpuStat: root.read(cpu + "cpu.stat"),
                                   cpuacctUsage: cpuacct.flatMap { root.read($0 + "cpuacct.usage") })
        }
        guard let path = membership.unifiedPath else { return nil }
        for mount in unifiedMounts {
            let cgroup = directory(mount: mount, path: path, root)
            if let cpu = CgroupCPU.parse(v2: path, cpuMax: root.read(cgroup + "cpu.max"), cpuStat: root.read(cgroup + "cpu.stat")) {
                return cpu
            }
        }
        return nil
    }

    private static func readMemory(_ membership: CgroupMembership, _ root: SystemRoot) -> CgroupMemory? {
        if let path = membership.controllerPaths["memory"] {
            let memory = directory(mount: "sys/fs/cgroup/memory", path: path, root)
            return CgroupMemory.parse(v1: path, limitInBytes: root.read(memory + "memory.limit_in_bytes"),
                                      usageInBytes: root.read(memory + "memory.usage_in_bytes"))
        }
        guard let path = membership.unifiedPath else { return nil }
        for mount in unifiedMounts {
            let cgroup = directory(mount: mount, path: path, root)
            if let memory = CgroupMemory.parse(v2: path, memoryMax: root.read(cgroup + "memory.max"),
                                               memoryCurrent: root.read(cgroup + "memory.current")) {
                return memory
            }
        }
        return nil
    }

    /// Pure v2 mounts the unified hierarchy at `/sys/fs/cgroup`, hybrid systems at `/sys/fs/cgroup/unified`.
    private static let unifiedMounts = ["sys/fs/cgroup", "sys/fs/cgroup/unified"]

    /// `mount/path/` when that directory exists, else `mount/` (see `read(from:)`); relative to the root.
    private static func directory(mount: String, path: String, _ root: SystemRoot) -> String {
        let trimmed = path.drop { $0 == "/" }
        let cgroup = trimmed.isEmpty ? mount + "/" : "\(mount)/\(trimmed)/"
        return root.exists(cgroup) ? cgroup : mount + "/"
    }
}
