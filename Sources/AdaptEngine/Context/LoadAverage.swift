/// The run-queue averages and task counts of `/proc/loadavg` (`0.59 1.98 2.06 1/84 19503`).
public struct LoadAverage: Sendable, Equatable {
    /// Runnable plus uninterruptible tasks, averaged over 1, 5 and 15 minutes.
    public var one: Double
    public var five: Double
    public var fifteen: Double
    /// Tasks (threads) runnable now.
    public var runningTasks: Int
    /// Tasks (threads) that exist now.
    public var totalTasks: Int

    public init(one: Double, five: Double, fifteen: Double, runningTasks: Int, totalTasks: Int) {
        self.one = one
        self.five = five
        self.fifteen = fifteen
        self.runningTasks = runningTasks
        self.totalTasks = totalTasks
    }

    /// Parses `/proc/loadavg`; nil unless the first four columns are all there and numeric (the last PID is ignored).
    public static func parse(_ text: String) -> LoadAverage? {
        let columns = text.split(whereSeparator: \.isWhitespace)
        guard columns.count >= 4,
              let one = Double(columns[0]), let five = Double(columns[1]), let fifteen = Double(columns[2])
        else { return nil }
        let tasks = columns[3].split(separator: "/", omittingEmptySubsequences: false)
        guard tasks.count == 2, let running = Int(tasks[0]), let total = Int(tasks[1]) else { return nil }
        return LoadAverage(one: one, five: five, fifteen: fifteen, runningTasks: running, totalTasks: total)
    }

    /// Reads `proc/loadavg` under `root`; nil where there is none.
    public static func read(from root: SystemRoot) -> LoadAverage? {
        root.read("proc/loadavg").flatMap(parse)
    }
}
