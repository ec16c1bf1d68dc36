/// One CPU's clock from cpufreq (`sys/devices/system/cpu/cpuN/cpufreq/`), in MHz.
///
/// Boards with frequency scaling (a Raspberry Pi, a laptop) have it; most VMs do not, and then there is
/// nothing to read: `read(from:)` is nil, never a guessed clock.
public struct CPUFrequency: Sendable, Equatable {
    public var cpu: Int
    /// What the governor last asked for (`scaling_cur_freq`).
    public var currentMHz: Double?
    /// The hardware's range (`cpuinfo_min_freq`, `cpuinfo_max_freq`).
    public var minimumMHz: Double?
    public var maximumMHz: Double?

    public init(cpu: Int, currentMHz: Double?, minimumMHz: Double?, maximumMHz: Double?) {
        self.cpu = cpu
        self.currentMHz = currentMHz
        self.minimumMHz = minimumMHz
        self.maximumMHz = maximumMHz
    }

    /// One cpufreq file's value (an integer in kHz) in MHz; nil when empty or not a number.
    public static func parse(_ text: String) -> Double? {
        Int(KernelText.trimmed(text)).map { Double($0) / 1000 }
    }

    /// One CPU from its three files' texts; nil when none of them gave a value.
    public static func parse(cpu: Int, current: String?, minimum: String?, maximum: String?) -> CPUFrequency? {
        let frequency = CPUFrequency(cpu: cpu, currentMHz: current.flatMap(parse),
                                     minimumMHz: minimum.flatMap(parse), maximumMHz: maximum.flatMap(parse))
        if frequency.currentMHz == nil, frequency.minimumMHz == nil, frequency.maximumMHz == nil { return nil }
        return frequency
    }

    /// Every CPU with cpufreq under `root`, by CPU number; nil when none has it.
    public static func read(from root: SystemRoot) -> [CPUFrequency]? {
        let directory = "sys/devices/system/cpu"
        let cpus = root.list(directory)
            .compactMap { name -> Int? in name.hasPrefix("cpu") ? Int(name.dropFirst(3)) : nil }
            .sorted()
        let frequencies = cpus.compactMap { cpu in
            let files = "\(directory)/cpu\(cpu)/cpufreq/"
            return parse(cpu: cpu, current: root.read(files + "scaling_cur_freq"),
                         minimum: root.read(files + "cpuinfo_min_freq"), maximum: root.read(files + "cpuinfo_max_freq"))
        }
        return frequencies.isEmpty ? nil : frequencies
    }
}
