import AdaptInference
import Foundation
import Testing
@testable import AdaptEngine

@Suite struct ContextSamplerTests {
    static func root(_ tree: String) -> SystemRoot { SystemRoot(Fixtures.path("context/\(tree)")) }

    /// A laptop's battery is measured, never overridden; its thermal zones and memory come through.
    @Test func aRealBatteryIsReportedAndCannotBeOverridden() throws {
        let sampler = ContextSampler(root: Self.root("laptop"))
        let snapshot = sampler.sample()
        #expect(snapshot.batteryPercent == 76 && !snapshot.batteryInjected)
        #expect(snapshot.thermal.zones.count == 2)
        #expect(snapshot.memoryAvailableMB != nil)
        #expect(throws: InjectionError.unavailable("this device has a battery; its measured level is not overridden")) {
            try sampler.overrideBattery(percent: 20)
        }
        // Two readings of the same captured counters: no time passed for the kernel, so no utilization.
        #expect(sampler.sample().cpuUtilization == nil)
    }

    /// Without a battery the demo override shows, marked injected, with the other active injections.
    @Test func injectionsAreMarkedInEverySnapshot() throws {
        let sampler = ContextSampler(root: Self.root("raspberry-pi"))
        #expect(sampler.sample().batteryPercent == nil)
        try sampler.overrideBattery(percent: 20)
        sampler.setInjected(["cpu load 2 × 100 %"])
        let snapshot = sampler.sample()
        #expect(snapshot.batteryPercent == 20 && snapshot.batteryInjected)
        #expect(snapshot.injected == ["cpu load 2 × 100 %", "battery 20 % (override)"])
        #expect(throws: InjectionError.invalid("battery level must be 0…100 %, 120.0 given")) { try sampler.overrideBattery(percent: 120) }
        try sampler.overrideBattery(percent: nil)
        #expect(sampler.sample().injected == ["cpu load 2 × 100 %"])
    }

    /// On this machine: rates between two readings, within their ranges; what the VM lacks is nil, not 0.
    @Test func liveReadingsAreMeasuredOrNil() throws {
        let sampler = ContextSampler()
        sampler.sample()
        Thread.sleep(forTimeInterval: 0.2)
        let snapshot = sampler.sample()
        let utilization = try #require(snapshot.cpuUtilization)
        #expect(utilization >= 0 && utilization <= 1)
        #expect(try #require(snapshot.memoryAvailableMB) > 0)
        #expect(try #require(snapshot.processCores) >= 0)
        let hasCPUFreq = FileManager.default.fileExists(atPath: "/sys/devices/system/cpu/cpu0/cpufreq")
        #expect((snapshot.cpuFrequencies == nil) == !hasCPUFreq)
        #expect(snapshot.injected.isEmpty && !snapshot.batteryInjected)
    }

    /// The sampling thread fills the history at its interval and stops when told.
    @Test func samplesOnItsOwnThreadUntilStopped() throws {
        let sampler = ContextSampler(interval: .milliseconds(50), historyLength: 100)
        sampler.start()
        Thread.sleep(forTimeInterval: 0.4)
        sampler.stop()
        let count = sampler.history.cpuUtilization.count
        #expect(count >= 4 && count <= 10, "\(count) samples")
        let last = try #require(sampler.latest).seconds
        Thread.sleep(forTimeInterval: 0.15)
        #expect(sampler.history.cpuUtilization.count == count && sampler.latest?.seconds == last)
    }
}
