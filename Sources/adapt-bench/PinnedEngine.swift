import AdaptEngine
import ArgumentParser
import Foundation

/// The engine as the overhead benchmarks run it: the family from the profile cache, started, one variant pinned (so
/// every stretch runs the same model: `variant`, else the engine's first pick), and the other variants' preparation
/// finished.
struct PinnedEngine {
    let engine: AdaptiveEngine
    let variant: String

    static func start(family: String, variant: String? = nil) throws -> PinnedEngine {
        var options = ProfiledFamily.Options()
        options.evaluationThreads = ProcessInfo.processInfo.activeProcessorCount
        if let directory = ProfileCache.defaultDirectory() {
            options.caching = VariantProfiler.Caching(cache: ProfileCache(directory: directory), machine: .current(threads: 1), warn: { _ in })
        }
        print("profiling \(family) (from the profile cache when warm)…")
        let loaded = try ProfiledFamily(manifestPath: family, options: options)
        let sampler = ContextSampler()
        let engine = loaded.makeEngine(sampler: sampler, injections: DemoInjections(sampler: sampler))
        try engine.start()
        guard let pick = variant ?? engine.snapshot(after: -1, timeout: 10)?.active.id ?? engine.statistics?.active else {
            engine.stop()
            throw ValidationError("the engine did not start")
        }
        do {
            try engine.send(.pin(variant: pick))
        } catch {
            engine.stop()
            throw error
        }
        print("pinned \(pick); waiting for the other variants' preparation to finish…")
        loaded.pool.waitUntilSettled()
        Thread.sleep(forTimeInterval: 1)
        guard engine.snapshot.active.id == pick else {
            engine.stop()
            throw ValidationError("the engine did not move to \(pick)")
        }
        return PinnedEngine(engine: engine, variant: pick)
    }

    /// Frames per second the engine ran while `body` ran, and the CPU time `body`'s thread used.
    func measure(_ body: () -> Void) -> (framesPerSecond: Double, cpuSeconds: Double) {
        let (frames0, seconds0, cpu0) = (engine.statistics?.frames ?? 0, engine.seconds, threadCPUSeconds())
        body()
        let (frames1, seconds1, cpu1) = (engine.statistics?.frames ?? 0, engine.seconds, threadCPUSeconds())
        return (Double(frames1 - frames0) / max(1e-9, seconds1 - seconds0), cpu1 - cpu0)
    }
}
