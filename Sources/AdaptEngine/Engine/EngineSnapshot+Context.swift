extension EngineSnapshot.Context {
    /// The figures the snapshot carries from one sensor reading; what the reading lacks stays nil.
    public init(_ reading: ContextSnapshot) {
        func megabytes(_ bytes: Int?) -> Double? { bytes.map { Double($0) / Double(1 << 20) } }
        let memory = reading.memory
        let hottest = reading.thermal.hottest
        self.init(
            cpuUtil: reading.cpuUtilization,
            coreUtil: reading.coreUtilization.map(\.busy),
            loadAverageOne: reading.loadAverage?.one,
            memTotalMb: megabytes(memory?.totalBytes),
            memAvailableMb: reading.memoryAvailableMB,
            swapUsedMb: memory.flatMap { info in
                info.swapTotalBytes.flatMap { total in info.swapFreeBytes.map { megabytes(total - $0) ?? 0 } }
            },
            cpuPressureAvg10: reading.cpuPressure?.some.avg10,
            memoryPressureAvg10: reading.memoryPressure?.some.avg10,
            ioPressureAvg10: reading.ioPressure?.some.avg10,
            cpuStallShare: reading.cpuStallShare,
            processCpuCores: reading.processCores,
            processRssMb: megabytes(reading.process?.residentBytes),
            cgroupCpuLimitCores: reading.cgroup?.cpu?.quota?.value,
            cgroupMemoryLimitMb: megabytes(reading.cgroup?.memory?.limit?.value),
            temperatureC: hottest?.celsius,
            temperatureZone: hottest.map { $0.type ?? "thermal_zone\($0.number)" },
            batteryPercent: reading.batteryPercent,
            batteryInjected: reading.batteryInjected,
            networkRxBytesPerS: reading.network?.rxBytesPerSecond,
            networkTxBytesPerS: reading.network?.txBytesPerSecond,
            injected: reading.injected)
    }
}
