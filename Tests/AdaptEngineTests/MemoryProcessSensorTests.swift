import Foundation
import Testing
@testable import AdaptEngine

private let thisVM = SystemRoot(Fixtures.path("context/this-vm"))

@Suite struct MemoryInfoTests {
    @Test func captured() {
        #expect(MemoryInfo.read(from: thisVM) == MemoryInfo(
            totalBytes: 24684084 * 1024, availableBytes: 23698240 * 1024, swapTotalBytes: 0, swapFreeBytes: 0))
    }

    /// Kernels before 3.14 have no MemAvailable: nil, not an estimate from MemFree and Cached.
    @Test func oldKernelWithoutMemAvailable() {
        let text = "MemTotal:        1024000 kB\nMemFree:          500000 kB\nCached:           200000 kB\nSwapTotal:        102396 kB\nSwapFree:         102396 kB\n"
        #expect(MemoryInfo.parse(text) == MemoryInfo(
            totalBytes: 1024000 * 1024, availableBytes: nil, swapTotalBytes: 102396 * 1024, swapFreeBytes: 102396 * 1024))
    }

    @Test func malformedInputs() {
        #expect(MemoryInfo.parse("") == nil)
        #expect(MemoryInfo.parse("HugePages_Total:       0\n") == nil)
        #expect(MemoryInfo.parse("MemTotal: lots kB\nMemAvailable:   1000 kB\n")
            == MemoryInfo(totalBytes: nil, availableBytes: 1024000, swapTotalBytes: nil, swapFreeBytes: nil))
        #expect(MemoryInfo.read(from: SystemRoot("/nonexistent-root")) == nil)
    }
}

@Suite struct ProcessUsageTests {
    @Test func captured() throws {
        let stat = try #require(thisVM.read("proc/self/stat"))
        let usage = try #require(ProcessUsage.parse(stat: stat, status: thisVM.read("proc/self/status"),
                                                    clockTicksPerSecond: 100, pageSize: 4096))
        #expect(usage == ProcessUsage(userSeconds: 0, systemSeconds: 0, threads: 1, residentBytes: 410 * 4096,
                                      statusResidentBytes: 1712 * 1024, peakResidentBytes: 1712 * 1024))
    }

    /// A command name may hold spaces and ')': fields are counted from after the last ')'.
    @Test func awkwardCommandName() throws {
        let stat = "4242 (my ) (proc) x) S 1 4242 4242 0 -1 4194560 900 0 0 0 250 75 0 0 20 0 12 0 3058146 3133440 2048 18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n"
        let usage = try #require(ProcessUsage.parse(stat: stat, clockTicksPerSecond: 100, pageSize: 4096))
        #expect(usage.userSeconds == 2.5)
        #expect(usage.systemSeconds == 0.75)
        #expect(usage.threads == 12)
        #expect(usage.residentBytes == 2048 * 4096)
        #expect(usage.statusResidentBytes == nil)
    }

    @Test func malformedInputs() {
        #expect(ProcessUsage.parse(stat: "", clockTicksPerSecond: 100, pageSize: 4096) == nil)
        #expect(ProcessUsage.parse(stat: "4242 (cat R 1 2 3", clockTicksPerSecond: 100, pageSize: 4096) == nil)
        // Cut short before rss.
        #expect(ProcessUsage.parse(stat: "4242 (cat) R 1 4242 4242 0 -1 4194560 900 0 0 0 250 75 0 0 20 0 12 0",
                                   clockTicksPerSecond: 100, pageSize: 4096) == nil)
        let kernelThread = ProcessUsage.parse(status: "Name:\tkthreadd\nThreads:\t1\n")
        #expect(kernelThread.resident == nil)
        #expect(kernelThread.peakResident == nil)
        #expect(ProcessUsage.read(from: SystemRoot("/nonexistent-root")) == nil)
    }
}
