import AdaptEngine
import AdaptInference
import ArgumentParser
import Foundation

/// The options every command that runs the engine shares (the dashboard, batch mode, eval, later serve).
struct EngineOptions: ParsableArguments {
    @OptionGroup var source: FamilyOptions

    @Option(help: "Frame rate of the replayed stream (default: as fast as inference goes).")
    var fps: Double?

    @Option(help: ArgumentHelp(
        "Start an injection: cpu=THREADS[@DUTY], mem=MB, drift=KIND:SEVERITY or battery=PCT (repeatable).",
        discussion: "Injections are real: busy threads, resident memory, corrupted input frames; each one active is listed in the snapshot's context.injected."))
    var inject: [String] = []

    @OptionGroup var profiling: ProfilingOptions

    @Option(help: "Profile accuracy on the first N images of the split (default: all; quicker start, rougher figures).")
    var profileImages: Int?

    @Option(help: "Timed runs per variant when profiling latency.")
    var profileIterations: Int = 500

    func validate() throws {
        if let profileImages, profileImages < 1 { throw ValidationError("--profile-images must be at least 1") }
        guard profileIterations >= 1 else { throw ValidationError("--profile-iterations must be at least 1") }
        if let fps, !(fps > 0 && fps.isFinite) { throw ValidationError("--fps must be a positive number of frames per second") }
        for text in inject {
            do { _ = try InjectionSpec.parse(text) } catch { throw ValidationError("--inject \(error)") }
        }
    }

    /// Loads and profiles the family (from the profile cache where it can); `progress` hears each variant profiled.
    func loadFamily(cancellation: ProfileCancellation? = nil, progress: ((ProfileProgress) -> Void)? = nil) throws -> ProfiledFamily {
        var options = profiling.familyOptions(
            source: source, limit: profileImages, iterations: profileIterations,
            evaluationThreads: ProcessInfo.processInfo.activeProcessorCount)
        options.cancellation = cancellation
        return try ProfiledFamily(manifestPath: source.family, options: options, progress: progress)
    }

    /// The engine on the family, started, with the `--inject` injections running (stopped again if one fails);
    /// `frameObserver` hears every frame (the service's latency histogram).
    func startEngine(on family: ProfiledFamily, sampler: ContextSampler,
                     frameObserver: InferenceRunner.FrameObserver? = nil) throws -> AdaptiveEngine {
        var configuration = AdaptiveEngine.Configuration()
        configuration.framesPerSecond = fps
        configuration.frameObserver = frameObserver
        let engine = family.makeEngine(sampler: sampler, injections: DemoInjections(sampler: sampler), configuration: configuration)
        try engine.start()
        do {
            try applyInjections(to: engine)
        } catch {
            engine.stop()
            throw error
        }
        return engine
    }

    /// Loads and profiles the family with a progress line on a terminal and warnings on stderr (batch mode, eval).
    func loadFamily(quiet: Bool) throws -> ProfiledFamily {
        let progress = ProgressLine(enabled: !quiet && isatty(STDERR_FILENO) != 0)
        let family = try loadFamily { step in
            progress.show("\(ProgressLine.bar(step.fraction)) profiling \(step.variant) (\(step.variantIndex + 1)/\(step.variantCount))")
        }
        progress.clear()
        for failure in family.outcome.failedDerivations { printError("warning: cannot derive \(failure.id): \(failure.reason)") }
        return family
    }

    /// The engine started for batch mode: errors are one line and exit 1.
    func startEngine(quiet: Bool) throws -> AdaptiveEngine {
        try reportingModelErrors {
            let family = try loadFamily(quiet: quiet)
            do {
                return try startEngine(on: family, sampler: ContextSampler())
            } catch let error as ModelError {
                throw error
            } catch {
                // An --inject the engine refused.
                printError("\(error)")
                throw ExitCode(1)
            }
        }
    }

    /// Starts each `--inject` on the engine (or the sampler, for the battery).
    func applyInjections(to engine: AdaptiveEngine) throws {
        for text in inject {
            switch try InjectionSpec.parse(text) {
            case .command(let command): try engine.send(command)
            case .battery(let percent): try engine.injections.overrideBattery(percent: percent)
            }
        }
    }
}
