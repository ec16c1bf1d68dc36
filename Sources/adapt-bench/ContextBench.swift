import AdaptEngine
import AdaptInference
import ArgumentParser
import Foundation

/// The context sampler on this machine: what one sample costs, and how fast a real CPU load shows in it.
struct ContextBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "context",
        abstract: "CPU time per context sample, and the sampler's response to a 2-thread 100 % CPU load.",
        discussion: """
            Cost: --samples samples back to back on this thread, timed on the thread's CPU clock (median of \
            --rounds rounds). Load: samples every --interval-ms ms; a CPULoadInjection with --load-threads threads \
            at 100 % is switched on, then off; prints each sample's cpu_util and PSI cpu "some" (avg10 and the \
            stalled microseconds since the previous sample), and the time until cpu_util ≥ 0.9 and back below 0.5.
            """)

    @Option(help: "Samples per cost round.") var samples = 200
    @Option(help: "Cost rounds.") var rounds = 5
    @Option(help: "Sampling interval for the load check, in ms.") var intervalMs = 250
    @Option(help: "Busy threads of the load.") var loadThreads = 2
    @Option(help: "Seconds of load.") var loadSeconds = 4.0
    @Flag(help: "Also print what reading each sensor costs.") var perSource = false
    @Flag(help: "Only the cost, no load check.") var costOnly = false

    func run() throws {
        do {
            try measureCost()
            if perSource { Self.measureEachSource(samples: samples) }
            if !costOnly { try checkLoad() }
        } catch {
            fail(error)
        }
    }

    private func measureCost() throws {
        let sampler = ContextSampler()
        sampler.sample()
        var perSample: [Double] = []
        for _ in 0..<rounds {
            let start = threadCPUSeconds()
            for _ in 0..<samples { sampler.sample() }
            perSample.append((threadCPUSeconds() - start) / Double(samples))
        }
        print(String(format: "sample cost: %.0f µs CPU per sample (median of %d rounds of %d; rounds %@ µs)",
                     median(perSample) * 1e6, rounds, samples,
                     perSample.map { String(format: "%.0f", $0 * 1e6) }.joined(separator: ", ")))
    }

    private func checkLoad() throws {
        let sampler = ContextSampler(interval: .milliseconds(intervalMs))
        let injections = DemoInjections(sampler: sampler)
        let clock = ContinuousClock(), start = clock.now
        var loadOn: ContinuousClock.Instant?, loadOff: ContinuousClock.Instant?
        var reachedBusy: Double?, fellBack: Double?, stallDuringLoad = 0
        func seconds(since instant: ContinuousClock.Instant) -> Double {
            LatencyStatistics.seconds(instant.duration(to: clock.now))
        }
        sampler.sample()
        while seconds(since: start) < 2 + loadSeconds + 3 {
            Thread.sleep(forTimeInterval: Double(intervalMs) / 1000)
            let elapsed = seconds(since: start)
            if loadOn == nil && elapsed >= 2 {
                try injections.setCPULoad(threads: loadThreads, duty: 1)
                loadOn = clock.now
            } else if loadOff == nil, let on = loadOn, seconds(since: on) >= loadSeconds {
                injections.stopCPULoad()
                loadOff = clock.now
            }
            let snapshot = sampler.sample()
            let utilization = snapshot.cpuUtilization ?? .nan
            if let on = loadOn, loadOff == nil {
                if reachedBusy == nil && utilization >= 0.9 { reachedBusy = seconds(since: on) }
                stallDuringLoad += snapshot.cpuStallMicroseconds ?? 0
            }
            if let off = loadOff, fellBack == nil, utilization < 0.5 { fellBack = seconds(since: off) }
            print(String(format: "%5.2f s  cpu_util %.2f  psi cpu some: avg10 %5.2f %%, last interval %5.1f %%  %@", elapsed,
                         utilization, snapshot.cpuPressure?.some.avg10 ?? .nan, (snapshot.cpuStallShare ?? .nan) * 100,
                         snapshot.injected.joined(separator: ", ")))
        }
        print(String(format: "cpu_util ≥ 0.9 %@ after the load started; PSI cpu some stalled %d µs during the load; "
                     + "cpu_util < 0.5 %@ after it stopped",
                     reachedBusy.map { String(format: "%.2f s", $0) } ?? "never", stallDuringLoad,
                     fellBack.map { String(format: "%.2f s", $0) } ?? "never"))
    }

}

extension ContextBench {
    /// CPU time of each sensor's read, to see where a sample's cost goes.
    static func measureEachSource(samples: Int) {
        let root = SystemRoot()
        func time(_ name: String, _ body: () -> Void) {
            let start = threadCPUSeconds()
            for _ in 0..<samples { body() }
            print(String(format: "  %-8@ %6.1f µs", name, (threadCPUSeconds() - start) / Double(samples) * 1e6))
        }
        time("cpu") { _ = CPUTimes.read(from: root) }
        time("psi cpu") { _ = PressureStall.read(.cpu, from: root) }
        time("process") { _ = ProcessUsage.read(from: root) }
        time("network") { _ = NetworkDevices.read(from: root) }
        time("power") { _ = PowerSupplies.read(from: root) }
        time("load") { _ = LoadAverage.read(from: root) }
        time("freq") { _ = CPUFrequency.read(from: root) }
        time("memory") { _ = MemoryInfo.read(from: root) }
        time("cgroup") { _ = CgroupLimits.read(from: root) }
        time("thermal") { _ = ThermalZones.read(from: root) }
    }
}
