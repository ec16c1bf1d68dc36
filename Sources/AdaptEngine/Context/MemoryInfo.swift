/// The system's memory from `/proc/meminfo`, in bytes; a line the kernel does not print is nil.
public struct MemoryInfo: Sendable, Equatable {
    /// Usable RAM (`MemTotal`).
    public var totalBytes: Int?
    /// The kernel's estimate of memory available to a new workload without swapping (`MemAvailable`,
    /// kernel 3.14+). Older kernels lack it, and then it is nil: free + cache is not the same and is not guessed.
    public var availableBytes: Int?
    /// Swap space (`SwapTotal`, `SwapFree`); 0 when the device has none configured.
    public var swapTotalBytes: Int?
    public var swapFreeBytes: Int?

    public init(totalBytes: Int?, availableBytes: Int?, swapTotalBytes: Int?, swapFreeBytes: Int?) {
        self.totalBytes = totalBytes
        self.availableBytes = availableBytes
        self.swapTotalBytes = swapTotalBytes
        self.swapFreeBytes = swapFreeBytes
    }

    /// Parses `/proc/meminfo`; nil when none of the four lines is there, otherwise the ones found.
    public static func parse(_ text: String) -> MemoryInfo? {
        let fields = KernelText.kilobyteFields(text, keys: ["MemTotal", "MemAvailable", "SwapTotal", "SwapFree"])
        let info = MemoryInfo(totalBytes: fields["MemTotal"], availableBytes: fields["MemAvailable"],
                              swapTotalBytes: fields["SwapTotal"], swapFreeBytes: fields["SwapFree"])
        return info == MemoryInfo(totalBytes: nil, availableBytes: nil, swapTotalBytes: nil, swapFreeBytes: nil) ? nil : info
    }

    /// Reads `proc/meminfo` under `root`; nil where there is none.
    public static func read(from root: SystemRoot) -> MemoryInfo? {
        root.read("proc/meminfo").flatMap(parse)
    }
}
