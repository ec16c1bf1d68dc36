internal import AdaptInference
internal import Foundation
internal import Synchronization

/// Real CPU contention for demos: `threads` threads that each keep a core busy for `duty` of every 100 ms period
/// (spinning on the clock, then sleeping the rest), so the inference thread feels it exactly as it would feel
/// another program. What the workers really burned is measured on their own CPU clocks, not assumed.
public final class CPULoadInjection: @unchecked Sendable {
    // @unchecked: the mutable state is the `state` mutex and the `stopping` atomic.
    public let threads: Int
    /// Fraction of each period a worker spins, 0 < duty ≤ 1.
    public let duty: Double
    static let period: Duration = .milliseconds(100)

    private let stopping = Atomic<Bool>(false)
    private let state = Mutex<(running: Bool, busyNanoseconds: Int64)>((false, 0))
    private let finished = DispatchGroup()

    public init(threads: Int, duty: Double) throws {
        try Self.validate(threads: threads, duty: duty)
        (self.threads, self.duty) = (threads, duty)
    }

    /// Throws unless this is a load the injection can run; context traces check their `cpu_load` steps with it too.
    public static func validate(threads: Int, duty: Double) throws(InjectionError) {
        guard threads >= 1 else { throw InjectionError.invalid("CPU load needs at least one thread, \(threads) given") }
        guard duty > 0, duty <= 1 else { throw InjectionError.invalid("CPU load duty cycle must be in (0, 1], \(duty) given") }
    }

    deinit { stop() }

    public var isRunning: Bool { state.withLock { $0.running } }

    /// CPU time the workers have spent so far (all runs), from their own thread CPU clocks.
    public var busySeconds: Double { Double(state.withLock { $0.busyNanoseconds }) / 1e9 }

    /// Starts the workers; does nothing when they already run.
    public func start() {
        let alreadyRunning = state.withLock { state in
            defer { state.running = true }
            return state.running
        }
        guard !alreadyRunning else { return }
        stopping.store(false, ordering: .sequentiallyConsistent)
        for index in 0..<threads {
            finished.enter()
            let worker = Thread { [self] in
                defer { finished.leave() }
                work()
            }
            worker.name = "adapt-top cpu load \(index + 1)/\(threads)"
            worker.start()
        }
    }

    /// Stops the workers and waits until every one has returned.
    public func stop() {
        guard state.withLock({ $0.running }) else { return }
        stopping.store(true, ordering: .sequentiallyConsistent)
        finished.wait()
        state.withLock { $0.running = false }
    }

    private func work() {
        let clock = ContinuousClock()
        let busy = Self.period * duty, idle = Self.period - Self.period * duty
        let startCPU = LatencyBenchmark.threadCPUTime() ?? .zero
        while !stopping.load(ordering: .relaxed) {
            let spinUntil = clock.now.advanced(by: busy)
            while clock.now < spinUntil && !stopping.load(ordering: .relaxed) {}
            if idle > .zero { Thread.sleep(forTimeInterval: LatencyStatistics.seconds(idle)) }
        }
        let spent = LatencyStatistics.nanoseconds((LatencyBenchmark.threadCPUTime() ?? startCPU) - startCPU)
        state.withLock { $0.busyNanoseconds += spent }
    }
}

/// A demo injection given impossible parameters; the message names what is wrong.
public enum InjectionError: Error, Equatable, CustomStringConvertible {
    case invalid(String)
    case unavailable(String)

    public var description: String {
        switch self {
        case .invalid(let reason), .unavailable(let reason): reason
        }
    }
}
