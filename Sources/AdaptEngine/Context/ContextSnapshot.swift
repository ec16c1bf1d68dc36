/// What the device has left at one moment, as the sensors measured it: every figure is read from the kernel,
/// nil (shown "n/a") where this device cannot say. Rates (CPU use, network) compare with the previous reading.
public struct ContextSnapshot: Sendable, Equatable {
    /// Seconds since the sampler started.
    public var seconds: Double
    /// `context.cpu_util`: busy fraction of all cores since the previous reading, 0…1.
    public var cpuUtilization: Double?
    public var coreUtilization: [CoreUtilization]
    public var loadAverage: LoadAverage?
    public var cpuFrequencies: [CPUFrequency]?
    public var cpuPressure: PressureStall?
    public var memoryPressure: PressureStall?
    public var ioPressure: PressureStall?
    /// Microseconds of CPU "some" stall since the previous reading: moves within one interval, where avg10 lags.
    public var cpuStallMicroseconds: Int?
    /// The same as a share of the interval, 0…1: PSI cpu "some" over the last interval alone.
    public var cpuStallShare: Double?
    public var memory: MemoryInfo?
    public var process: ProcessUsage?
    /// The process's CPU time since the previous reading, in cores (1 = one core busy all the time).
    public var processCores: Double?
    public var cgroup: CgroupLimits?
    public var thermal: ThermalZones
    public var power: PowerSupplies
    /// Battery level 0…100: the device's, or the demo override where it has none (then `batteryInjected`).
    public var batteryPercent: Double?
    public var batteryInjected: Bool
    public var network: NetworkThroughput?
    /// `context.injected`: every active demo injection, so no simulated figure passes for a measured one.
    public var injected: [String]

    /// `context.mem_available_mb`.
    public var memoryAvailableMB: Double? {
        memory?.availableBytes.map { Double($0) / Double(1 << 20) }
    }
}
