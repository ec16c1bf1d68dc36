internal import AdaptInference
internal import Foundation
internal import Synchronization

/// Reads every sensor at a fixed interval on its own thread (never the inference thread), keeps the latest
/// `ContextSnapshot` and a history of the main figures for sparklines.
public final class ContextSampler: @unchecked Sendable {
    // @unchecked: the readings a sample compares with are touched only by `sample()` callers (one sampling thread,
    // or a test); what other threads read goes through `shared`.
    public let root: SystemRoot
    public let interval: Duration

    /// The figures the dashboard draws over time, oldest first.
    public struct History: Sendable {
        public var cpuUtilization: RingBuffer<Double?>
        public var memoryAvailableMB: RingBuffer<Double?>
        public var cpuPressureSome10: RingBuffer<Double?>
        public var hottestCelsius: RingBuffer<Double?>
        public var batteryPercent: RingBuffer<Double?>
        public var networkBytesPerSecond: RingBuffer<Double?>

        init(capacity: Int) {
            cpuUtilization = RingBuffer(capacity: capacity)
            memoryAvailableMB = RingBuffer(capacity: capacity)
            cpuPressureSome10 = RingBuffer(capacity: capacity)
            hottestCelsius = RingBuffer(capacity: capacity)
            batteryPercent = RingBuffer(capacity: capacity)
            networkBytesPerSecond = RingBuffer(capacity: capacity)
        }

        mutating func record(_ snapshot: ContextSnapshot) {
            cpuUtilization.append(snapshot.cpuUtilization)
            memoryAvailableMB.append(snapshot.memoryAvailableMB)
            cpuPressureSome10.append(snapshot.cpuPressure?.some.avg10)
            hottestCelsius.append(snapshot.thermal.hottest?.celsius)
            batteryPercent.append(snapshot.batteryPercent)
            networkBytesPerSecond.append(snapshot.network.flatMap { network in
                network.rxBytesPerSecond.flatMap { rx in network.txBytesPerSecond.map { rx + $0 } }
            })
        }
    }

    private struct Shared {
        var latest: ContextSnapshot?
        var history: History
        var injected: [String] = []
        var batteryOverride: Double?
    }

    private let shared: Mutex<Shared>
    private let clock = ContinuousClock()
    private let started: ContinuousClock.Instant
    private var previous: (instant: ContinuousClock.Instant, cpu: CPUTimes?, stall: Int?, process: ProcessUsage?,
                           network: NetworkDevices)?
    /// cgroup limits change only when an administrator moves them: read every few samples (at 500 ms, every 2 s),
    /// which halves what a sample costs.
    static let cgroupEvery = 4
    private var samplesTaken = 0
    private var cgroup: CgroupLimits?
    private let stopping = Atomic<Bool>(false)
    private let running = Mutex<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)

    /// - Parameter historyLength: samples kept for sparklines (120 at 500 ms: the last minute).
    public init(root: SystemRoot = SystemRoot(), interval: Duration = .milliseconds(500), historyLength: Int = 120) {
        self.root = root
        self.interval = interval
        shared = Mutex(Shared(history: History(capacity: historyLength)))
        started = clock.now
    }

    deinit { stop() }

    public var latest: ContextSnapshot? { shared.withLock { $0.latest } }
    public var history: History { shared.withLock { $0.history } }

    /// The labels of the active demo injections, shown in every snapshot from the next sample on.
    public func setInjected(_ labels: [String]) {
        shared.withLock { $0.injected = labels }
    }

    /// A battery level for demos on a device without a battery, marked injected; nil removes it. Refused where a
    /// real battery exists: a measured figure is never replaced by a made-up one.
    public func overrideBattery(percent: Double?) throws {
        if let percent {
            guard (0...100).contains(percent) else { throw InjectionError.invalid("battery level must be 0…100 %, \(percent) given") }
            guard PowerSupplies.read(from: root).batteryPercent == nil else {
                throw InjectionError.unavailable("this device has a battery; its measured level is not overridden")
            }
        }
        shared.withLock { $0.batteryOverride = percent }
    }

    /// Reads every sensor now, compares with the previous reading, records and returns the snapshot. Call it
    /// directly only while the sampler is not `start`ed (tests, benchmarks): it is the sampling thread's work.
    @discardableResult
    public func sample() -> ContextSnapshot {
        let now = clock.now
        let cpu = CPUTimes.read(from: root)
        let cpuPressure = PressureStall.read(.cpu, from: root)
        let process = ProcessUsage.read(from: root)
        let network = NetworkDevices.read(from: root)
        let power = PowerSupplies.read(from: root)
        let (injected, batteryOverride) = shared.withLock { ($0.injected, $0.batteryOverride) }

        var utilization: CPUUtilization?
        var stall: Int?, stallShare: Double?, processCores: Double?, throughput: NetworkThroughput?
        if let previous {
            let elapsed = LatencyStatistics.seconds(previous.instant.duration(to: now))
            if let earlier = previous.cpu, let cpu { utilization = CPUTimes.utilization(from: earlier, to: cpu) }
            if let before = previous.stall, let after = cpuPressure?.some.totalMicroseconds, after >= before {
                stall = after - before
                if elapsed > 0 { stallShare = min(1, Double(after - before) / (elapsed * 1e6)) }
            }
            if let before = previous.process, let process, elapsed > 0 {
                let spent = (process.userSeconds + process.systemSeconds) - (before.userSeconds + before.systemSeconds)
                if spent >= 0 { processCores = spent / elapsed }
            }
            throughput = NetworkDevices.throughput(from: previous.network, to: network, seconds: elapsed)
        }
        previous = (now, cpu, cpuPressure?.some.totalMicroseconds, process, network)
        if samplesTaken % Self.cgroupEvery == 0 { cgroup = CgroupLimits.read(from: root) }
        samplesTaken += 1

        let measuredBattery = power.batteryPercent
        var labels = injected
        if measuredBattery == nil, let batteryOverride { labels.append(String(format: "battery %.0f %% (override)", batteryOverride)) }
        let snapshot = ContextSnapshot(
            seconds: LatencyStatistics.seconds(started.duration(to: now)),
            cpuUtilization: utilization?.total, coreUtilization: utilization?.cores ?? [],
            loadAverage: LoadAverage.read(from: root), cpuFrequencies: CPUFrequency.read(from: root),
            cpuPressure: cpuPressure, memoryPressure: PressureStall.read(.memory, from: root),
            ioPressure: PressureStall.read(.io, from: root), cpuStallMicroseconds: stall, cpuStallShare: stallShare,
            memory: MemoryInfo.read(from: root), process: process, processCores: processCores,
            cgroup: cgroup, thermal: ThermalZones.read(from: root), power: power,
            batteryPercent: measuredBattery ?? batteryOverride, batteryInjected: measuredBattery == nil && batteryOverride != nil,
            network: throughput, injected: labels)
        shared.withLock { state in
            state.latest = snapshot
            state.history.record(snapshot)
        }
        return snapshot
    }

    /// Samples every `interval` on a thread of its own until `stop()`.
    public func start() {
        let alreadyRunning = running.withLock { running in
            defer { running = true }
            return running
        }
        guard !alreadyRunning else { return }
        stopping.store(false, ordering: .sequentiallyConsistent)
        let thread = Thread { [self] in
            defer { finished.signal() }
            while !stopping.load(ordering: .relaxed) {
                let next = clock.now.advanced(by: interval)
                sample()
                let wait = clock.now.duration(to: next)
                if wait > .zero { Thread.sleep(forTimeInterval: LatencyStatistics.seconds(wait)) }
            }
        }
        thread.name = "adapt-top context sampler"
        thread.start()
    }

    /// Stops the sampling thread and waits for it.
    public func stop() {
        let wasRunning = running.withLock { running in
            defer { running = false }
            return running
        }
        guard wasRunning else { return }
        stopping.store(true, ordering: .sequentiallyConsistent)
        finished.wait()
    }
}
