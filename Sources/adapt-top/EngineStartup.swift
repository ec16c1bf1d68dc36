import AdaptEngine
import AdaptInference
import Foundation
import Synchronization

/// The engine coming up on a thread of its own while the dashboard already shows the device: loading and
/// profiling the family takes half a second from the profile cache and most of a minute without it, and an
/// operator who launched a `top` expects a screen at once. Until the engine runs, snapshots say what the start
/// is doing, with the device's context live.
final class EngineStartup: Sendable {
    private enum Phase {
        case loading(status: String)
        /// With the seconds the start took: uptime counts from the program's start, not the engine's.
        case running(AdaptiveEngine, startSeconds: Double)
        case failed(any Error)
        case cancelled
    }

    private let phase = Mutex(Phase.loading(status: "loading the family"))
    private let sequence = Atomic<Int>(0)
    private let sampler = ContextSampler()
    let family: String
    private let controls: OperatorControls
    private let started = ContinuousClock.now
    private let cancellation = ProfileCancellation()
    private let finished = DispatchSemaphore(value: 0)

    /// Reads the manifest at once (a wrong one is an error before any screen opens), then starts the rest.
    init(options: EngineOptions, frameObserver: InferenceRunner.FrameObserver? = nil) throws {
        let manifest = try FamilyManifest.load(contentsOf: options.source.family, dataDirectory: options.source.data)
        (family, controls) = (manifest.family, OperatorControls(budgets: manifest.budgets))
        sampler.start()
        let thread = Thread { [self] in
            defer { finished.signal() }
            do {
                let loaded = try options.loadFamily(cancellation: cancellation) { [self] step in
                    setStatus("profiling \(step.variant) (\(step.variantIndex + 1)/\(step.variantCount)), "
                              + "\(Int(step.fraction * 100)) % done")
                }
                setStatus("preparing the first variant")
                let engine = try options.startEngine(on: loaded, sampler: sampler, frameObserver: frameObserver)
                let startSeconds = LatencyStatistics.seconds(started.duration(to: .now))
                let keep = phase.withLock { phase -> Bool in
                    guard case .loading = phase else { return false }
                    phase = .running(engine, startSeconds: startSeconds)
                    return true
                }
                if !keep { engine.stop() }
            } catch {
                phase.withLock { phase in
                    if case .loading = phase { phase = .failed(error) }
                }
            }
        }
        thread.name = "adapt-top engine start"
        thread.start()
    }

    /// The engine's latest snapshot, or one of the start in progress.
    var snapshot: EngineSnapshot {
        let current = phase.withLock { phase -> (engine: AdaptiveEngine?, startSeconds: Double, status: String) in
            switch phase {
            case .loading(let status): (nil, 0, status)
            case .running(let engine, let startSeconds): (engine, startSeconds, "")
            case .failed(let error): (nil, 0, "failed: \(error)")
            case .cancelled: (nil, 0, "stopping")
            }
        }
        if let engine = current.engine {
            var snapshot = engine.snapshot
            snapshot.uptimeSeconds += current.startSeconds
            return snapshot
        }
        return .starting(family: family, controls: controls, context: sampler.latest.map(EngineSnapshot.Context.init) ?? .unavailable,
                         uptimeSeconds: LatencyStatistics.seconds(started.duration(to: .now)), sequence: sequence.add(1, ordering: .relaxed).newValue,
                         status: current.status)
    }

    /// The error the start ended with, if it failed.
    var failure: (any Error)? {
        phase.withLock { phase in
            if case .failed(let error) = phase { return error }
            return nil
        }
    }

    /// Sends a command to the engine; refused (with a message saying why) until it runs.
    func send(_ command: EngineCommand) throws {
        let engine = phase.withLock { phase -> AdaptiveEngine? in
            if case .running(let engine, _) = phase { return engine }
            return nil
        }
        guard let engine else { throw NotRunning() }
        try engine.send(command)
    }

    /// Stops the engine, or the start (profiling ends within a few hundred images; what it measured so far stays
    /// in the profile cache), and waits for it.
    func stop() {
        let engine = phase.withLock { phase -> AdaptiveEngine? in
            defer { if case .loading = phase { phase = .cancelled } }
            if case .running(let engine, _) = phase { return engine }
            return nil
        }
        cancellation.cancel()
        finished.wait()
        finished.signal()
        engine?.stop()
        sampler.stop()
    }

    private func setStatus(_ status: String) {
        phase.withLock { phase in
            if case .loading = phase { phase = .loading(status: status) }
        }
    }

    struct NotRunning: Error, CustomStringConvertible {
        var description: String { "the engine is still starting; try again once it runs" }
    }
}
