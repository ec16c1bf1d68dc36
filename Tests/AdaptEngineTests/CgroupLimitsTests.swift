import Testing
@testable import AdaptEngine

@Suite struct CgroupLimitsTests {
    /// This VM is hybrid: cpu and memory are v1 controllers, the unified hierarchy has none.
    @Test func capturedV1() throws {
        let limits = try #require(CgroupLimits.read(from: SystemRoot(Fixtures.path("context/this-vm"))))
        #expect(limits.cpu == CgroupCPU(version: .v1, path: "/", quota: .unlimited, usageSeconds: 35196.614573578,
                                        throttledPeriods: 0, throttledSeconds: 0))
        #expect(limits.memory == CgroupMemory(version: .v1, path: "/process_api/2dbf7d867b79c65d10d9a950cd19c5b0",
                                              limit: .unlimited, usageBytes: 4169728))
    }

    @Test func halfACPUAndAQuarterGigabyte() throws {
        let limits = try #require(CgroupLimits.read(from: SystemRoot(Fixtures.path("context/cgroup-v2"))))
        #expect(limits.cpu == CgroupCPU(version: .v2, path: "/user.slice/adapt.service", quota: .limited(0.5),
                                        usageSeconds: 8.123456, throttledPeriods: 37, throttledSeconds: 1.85))
        #expect(limits.memory == CgroupMemory(version: .v2, path: "/user.slice/adapt.service",
                                              limit: .limited(268435456), usageBytes: 104857600))
    }

    @Test func v2Unlimited() throws {
        let limits = try #require(CgroupLimits.read(from: SystemRoot(Fixtures.path("context/cgroup-v2-unlimited"))))
        #expect(limits.cpu?.quota == .unlimited)
        #expect(limits.cpu?.quota?.value == nil)
        #expect(limits.memory?.limit == .unlimited)
        #expect(limits.memory?.usageBytes == 52428800)
    }

    @Test func membership() throws {
        let hybrid = try #require(CgroupMembership.parse("9:name=systemd:/\n4:memory:/a/b\n2:cpu,cpuacct:/c\n0::/\n"))
        #expect(hybrid == CgroupMembership(unifiedPath: "/", controllerPaths: ["memory": "/a/b", "cpu": "/c", "cpuacct": "/c"]))
        let v2 = try #require(CgroupMembership.parse("0::/user.slice/odd:name.service\n"))
        #expect(v2 == CgroupMembership(unifiedPath: "/user.slice/odd:name.service", controllerPaths: [:]))
        #expect(CgroupMembership.parse("") == nil)
        #expect(CgroupMembership.parse("garbage\n") == nil)
    }

    @Test func quotas() {
        #expect(CgroupCPU.parseQuota(cpuMax: "max 100000\n") == .unlimited)
        #expect(CgroupCPU.parseQuota(cpuMax: "150000 100000\n") == .limited(1.5))
        #expect(CgroupCPU.parseQuota(cpuMax: "") == nil)
        #expect(CgroupCPU.parseQuota(cpuMax: "50000\n") == nil)
        #expect(CgroupCPU.parseQuota(cpuMax: "50000 0\n") == nil)
        #expect(CgroupCPU.parseQuota(cfsQuota: "-1\n", cfsPeriod: "100000\n") == .unlimited)
        #expect(CgroupCPU.parseQuota(cfsQuota: "200000\n", cfsPeriod: "100000\n") == .limited(2))
        #expect(CgroupCPU.parseQuota(cfsQuota: "", cfsPeriod: "100000\n") == nil)
    }

    @Test func memoryLimits() {
        #expect(CgroupMemory.parseLimit(memoryMax: "max\n") == .unlimited)
        #expect(CgroupMemory.parseLimit(memoryMax: "268435456\n") == .limited(268435456))
        #expect(CgroupMemory.parseLimit(memoryMax: "") == nil)
        #expect(CgroupMemory.parseLimit(limitInBytes: "9223372036854771712\n") == .unlimited)
        #expect(CgroupMemory.parseLimit(limitInBytes: "9223372036854710272\n") == .unlimited)   // 64 KiB pages
        #expect(CgroupMemory.parseLimit(limitInBytes: "18446744073709551615\n") == .unlimited)
        #expect(CgroupMemory.parseLimit(limitInBytes: "536870912\n") == .limited(536870912))
        #expect(CgroupMemory.parseLimit(limitInBytes: "lots\n") == nil)
    }

    /// A missing file is nil, which is not the same as unlimited.
    @Test func missingFiles() throws {
        let cpu = try #require(CgroupCPU.parse(v2: "/x", cpuMax: nil, cpuStat: "usage_usec 1000000\n"))
        #expect(cpu.quota == nil)
        #expect(cpu.usageSeconds == 1)
        #expect(cpu.throttledPeriods == nil)
        #expect(CgroupCPU.parse(v2: "/x", cpuMax: nil, cpuStat: nil) == nil)
        #expect(CgroupMemory.parse(v1: "/x", limitInBytes: nil, usageInBytes: nil) == nil)
        #expect(CgroupMemory.parse(v2: "/x", memoryMax: "", memoryCurrent: nil)?.limit == nil)
        #expect(CgroupLimits.read(from: SystemRoot("/nonexistent-root")) == nil)
    }
}

/// The running machine, whatever it is: the sources every Linux box has are there, the optional ones consistent.
@Suite struct LiveSensorTests {
    let root = SystemRoot()

    @Test func alwaysPresentSources() throws {
        let times = try #require(CPUTimes.read(from: root))
        #expect(!times.cores.isEmpty)
        let memory = try #require(MemoryInfo.read(from: root))
        #expect((memory.totalBytes ?? 0) > 0)
        #expect(LoadAverage.read(from: root) != nil)
        let usage = try #require(ProcessUsage.read(from: root))
        #expect(usage.threads >= 1)
        #expect(usage.residentBytes > 0)
        #expect(usage.statusResidentBytes != nil)
    }

    /// nil exactly when no CPU has a cpufreq directory (this VM has none; a Pi or laptop has them).
    @Test func cpuFrequencyConsistentWithTheTree() {
        let cpus = root.list("sys/devices/system/cpu").filter { $0.hasPrefix("cpu") && Int($0.dropFirst(3)) != nil }
        let hasCpufreq = cpus.contains { !root.list("sys/devices/system/cpu/\($0)/cpufreq").isEmpty }
        #expect((CPUFrequency.read(from: root) != nil) == hasCpufreq)
    }

    @Test func pressureConsistentWithTheTree() {
        for resource in PressureResource.allCases {
            #expect((PressureStall.read(resource, from: root) != nil) == (root.read("proc/pressure/\(resource.rawValue)") != nil))
        }
    }

    @Test func cgroupOfThisProcess() {
        guard root.read("proc/self/cgroup") != nil else { return }
        let limits = CgroupLimits.read(from: root)
        #expect(limits?.cpu != nil || limits?.memory != nil)
    }
}

/// A tree whose files all exist but are empty (a read racing a driver, a stub sysfs): every sensor gives nil.
@Suite struct ZeroLengthFileTests {
    let root = SystemRoot(Fixtures.path("context/empty-files"))

    @Test func everySensorIsNil() throws {
        #expect(root.read("proc/stat") == "")
        #expect(CPUTimes.read(from: root) == nil)
        #expect(LoadAverage.read(from: root) == nil)
        #expect(MemoryInfo.read(from: root) == nil)
        #expect(ProcessUsage.read(from: root) == nil)
        #expect(CPUFrequency.read(from: root) == nil)
        for resource in PressureResource.allCases {
            #expect(PressureStall.read(resource, from: root) == nil)
        }
        // The files are there but say nothing: the cgroup is found, its limits are unknown (nil), not unlimited.
        let limits = try #require(CgroupLimits.read(from: root))
        #expect(limits.cpu?.quota == nil)
        #expect(limits.memory?.limit == nil)
        #expect(limits.memory?.usageBytes == nil)
    }
}
