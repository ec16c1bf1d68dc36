import AdaptInference
import Foundation
import Testing
@testable import AdaptEngine

@Suite struct InjectionTests {
    /// The workers really burn CPU — about threads × duty of the wall time, measured on their own clocks — and
    /// stop when told (every thread returns before `stop` does).
    @Test func cpuLoadBurnsWhatItSaysAndStops() throws {
        let load = try CPULoadInjection(threads: 1, duty: 1)
        load.start()
        #expect(load.isRunning)
        Thread.sleep(forTimeInterval: 0.4)
        load.stop()
        #expect(!load.isRunning)
        // One thread at 100 % for 0.4 s: never more than the wall time, and really spinning — but how much of a core
        // it gets depends on what else runs (other tests, builds), so the floor is low.
        #expect(load.busySeconds >= 0.05, "\(load.busySeconds) s")
        #expect(load.busySeconds <= 0.5, "\(load.busySeconds) s")
        let afterStop = load.busySeconds
        Thread.sleep(forTimeInterval: 0.1)
        #expect(load.busySeconds == afterStop)

        let half = try CPULoadInjection(threads: 1, duty: 0.3)
        half.start()
        Thread.sleep(forTimeInterval: 0.5)
        half.stop()
        #expect(half.busySeconds <= 0.3, "a 30 % duty cycle spun \(half.busySeconds) s in 0.5 s")
    }

    @Test func impossibleParametersAreClearErrors() {
        #expect(throws: InjectionError.invalid("CPU load needs at least one thread, 0 given")) { try CPULoadInjection(threads: 0, duty: 1) }
        #expect(throws: InjectionError.invalid("CPU load duty cycle must be in (0, 1], 1.5 given")) { try CPULoadInjection(threads: 1, duty: 1.5) }
        #expect(throws: InjectionError.invalid("memory pressure needs at least 1 MB, 0 given")) { try MemoryPressureInjection(megabytes: 0) }
    }

    /// The memory is resident while held (the process's RSS grows by it) and returned when released. Large, and
    /// checked with a margin, so that other tests allocating or freeing at the same time (a training split is
    /// 47 MB; compiled models and profiles come and go by tens of MB) cannot blur it.
    @Test func memoryPressureIsResidentUntilReleased() throws {
        let pressure = try MemoryPressureInjection(megabytes: 1024)
        let before = try #require(ProcessMemory.residentBytes())
        try pressure.start()
        let held = try #require(ProcessMemory.residentBytes())
        #expect(held - before >= 900 << 20, "RSS grew by \((held - before) >> 20) MB")
        pressure.stop()
        #expect(!pressure.isRunning)
        let after = try #require(ProcessMemory.residentBytes())
        #expect(held - after >= 800 << 20, "RSS fell by \((held - after) >> 20) MB")
    }
}

@Suite struct DemoInjectionsTests {
    /// Every active injection is named in the next snapshot, and gone from it once stopped.
    @Test func activeInjectionsAreNamedInTheSnapshot() throws {
        let sampler = ContextSampler(root: SystemRoot(Fixtures.path("context/raspberry-pi")))
        let injections = DemoInjections(sampler: sampler)
        try injections.setCPULoad(threads: 1, duty: 0.2)
        try injections.setMemoryPressure(megabytes: 8)
        injections.setDrift(try InputDrift(.noise, severity: 3))
        try injections.overrideBattery(percent: 35)
        #expect(sampler.sample().injected == ["cpu load 1 × 20 %", "memory pressure 8 MB", "drift noise 3", "battery 35 % (override)"])
        #expect(injections.drift == (try InputDrift(.noise, severity: 3)))
        injections.stopAll()
        try injections.overrideBattery(percent: nil)
        #expect(sampler.sample().injected.isEmpty)
        #expect(injections.drift == nil)
    }

    /// A bad request changes nothing that runs.
    @Test func aRefusedInjectionLeavesTheRunningOnes() throws {
        let injections = DemoInjections()
        try injections.setCPULoad(threads: 1, duty: 0.1)
        #expect(throws: InjectionError.self) { try injections.setCPULoad(threads: 0, duty: 1) }
        #expect(injections.labels == ["cpu load 1 × 10 %"])
        injections.stopAll()
        #expect(injections.labels.isEmpty)
    }
}
