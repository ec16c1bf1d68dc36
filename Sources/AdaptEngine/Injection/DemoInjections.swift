internal import Foundation
internal import Synchronization

/// The demo injections an operator can turn on and off, in one place, so each one active is named in every
/// context snapshot (`context.injected`): a demo never passes a simulated figure off as measured.
public final class DemoInjections: @unchecked Sendable {
    // @unchecked: every stored property is behind `state`.
    private struct State {
        var cpuLoad: CPULoadInjection?
        var memory: MemoryPressureInjection?
        var drift: InputDrift?
    }

    private let state = Mutex<State>(State())
    private let sampler: ContextSampler?

    /// - Parameter sampler: told the active injections after every change (and the battery override goes there).
    public init(sampler: ContextSampler? = nil) {
        self.sampler = sampler
    }

    deinit { stopAll() }

    /// Starts `threads` busy threads at `duty` (replacing a running load); nil stops the load.
    public func setCPULoad(threads: Int, duty: Double) throws {
        let load = try CPULoadInjection(threads: threads, duty: duty)
        let previous = state.withLock { state in
            defer { state.cpuLoad = load }
            return state.cpuLoad
        }
        previous?.stop()
        load.start()
        publish()
    }

    public func stopCPULoad() {
        state.withLock { state in
            defer { state.cpuLoad = nil }
            return state.cpuLoad
        }?.stop()
        publish()
    }

    /// Holds `megabytes` MB resident (replacing what was held).
    public func setMemoryPressure(megabytes: Int) throws {
        let pressure = try MemoryPressureInjection(megabytes: megabytes)
        try pressure.start()
        let previous = state.withLock { state in
            defer { state.memory = pressure }
            return state.memory
        }
        previous?.stop()
        publish()
    }

    public func stopMemoryPressure() {
        state.withLock { state in
            defer { state.memory = nil }
            return state.memory
        }?.stop()
        publish()
    }

    /// The drift the frame source should apply (nil: none). The engine reads it before each frame.
    public var drift: InputDrift? { state.withLock { $0.drift } }

    public func setDrift(_ drift: InputDrift?) {
        state.withLock { $0.drift = drift }
        publish()
    }

    /// A battery level where the device has none (refused where it has one); nil removes it.
    public func overrideBattery(percent: Double?) throws {
        guard let sampler else { throw InjectionError.unavailable("no context sampler to report a battery level to") }
        try sampler.overrideBattery(percent: percent)
    }

    /// What is active, as shown to the operator (the battery override is added by the sampler).
    public var labels: [String] {
        state.withLock { state in
            var labels: [String] = []
            if let load = state.cpuLoad {
                labels.append("cpu load \(load.threads) × \(Int((load.duty * 100).rounded())) %")
            }
            if let memory = state.memory { labels.append("memory pressure \(memory.megabytes) MB") }
            if let drift = state.drift { labels.append("drift \(drift)") }
            return labels
        }
    }

    public func stopAll() {
        stopCPULoad()
        stopMemoryPressure()
        setDrift(nil)
    }

    private func publish() {
        sampler?.setInjected(labels)
    }
}
