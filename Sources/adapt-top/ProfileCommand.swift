import AdaptEngine
import AdaptInference
import ArgumentParser
import Foundation

struct ProfileCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "profile",
        abstract: "Measure every variant of a family on this device: accuracy on the labelled data, latency, memory.",
        discussion: """
            Variants are the manifest's models and those its transforms derive from each of them on the device: \
            int8 post-training quantization (calibrated on unlabelled training images) and structured pruning at \
            each ratio (BatchNorm statistics re-estimated on training images), alone and pruned then quantized. \
            --no-derive profiles the manifest's models only.

            Accuracy is top-1 on the manifest's data split, computed by adapt-top's own inference; the reference \
            column is the training script's figure. Latency is timed run by run after a warm-up, on a pool of \
            --threads threads; energy is an estimate from CPU time and --core-watts.

            Figures are kept in the profile cache ($XDG_CACHE_HOME/adapt-top/profiles, else \
            ~/.cache/adapt-top/profiles), keyed by the model's bytes, the CPU, the thread count, the adapt-top build, \
            the evaluation images and the timed runs; a later run under the same conditions reuses them. \
            --no-cache measures everything again.
            """)

    @OptionGroup var source: FamilyOptions

    @Option(help: "Evaluate accuracy on the first N images only (default: the whole split).")
    var limit: Int?

    @Option(help: "Timed runs per variant for latency.")
    var iterations: Int = 500

    @OptionGroup var profiling: ProfilingOptions

    @Option(help: ArgumentHelp(
        "Threads that evaluate accuracy, each on its own copy of the variant (default: one per CPU).",
        discussion: "Latency is timed afterwards with nothing else running, so this changes no figure, only how long profiling takes."))
    var evaluationThreads: Int = ProcessInfo.processInfo.activeProcessorCount

    @Flag(help: "Print one JSON object per variant instead of a table.")
    var json = false

    @Option(help: ArgumentHelp(
        "Power of one busy core of this device, in watts, for the energy estimate (CPU time × this).",
        discussion: "Without it the estimate is n/a (null in JSON): adapt-top does not guess a device's power."))
    var coreWatts: Double?

    func validate() throws {
        guard iterations >= 1 else { throw ValidationError("--iterations must be at least 1") }
        guard evaluationThreads >= 1 else { throw ValidationError("--evaluation-threads must be at least 1") }
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
        if let coreWatts, !(coreWatts > 0 && coreWatts.isFinite) { throw ValidationError("--core-watts must be a positive number of watts") }
    }

    func run() throws {
        try reportingModelErrors {
            let progress = ProgressLine(enabled: !json && isatty(STDERR_FILENO) != 0)
            let options = profiling.familyOptions(source: source, limit: limit, iterations: iterations, evaluationThreads: evaluationThreads)
            let family = try ProfiledFamily(manifestPath: source.family, options: options) { step in
                progress.show(
                    "\(ProgressLine.bar(step.fraction)) profiling \(step.variant) (\(step.variantIndex + 1)/\(step.variantCount)): "
                    + "\(step.imagesDone)/\(step.imageCount) images")
            }
            let (manifest, images, outcome, caching) = (family.manifest, family.images, family.outcome, options.caching)
            progress.clear()
            for failure in outcome.failedDerivations {
                FileHandle.standardError.write(Data("adapt-top: warning: cannot derive \(failure.id): \(failure.reason)\n".utf8))
            }
            let profiles = outcome.profiles
            if let caching, outcome.cached > 0 {
                FileHandle.standardError.write(Data((
                    "adapt-top: \(outcome.cached) of \(profiles.count) variants from the profile cache "
                    + "(\(caching.cache.directory); --no-cache measures again)\n").utf8))
            }
            if json {
                for profile in profiles { print(try Format.jsonLine(ProfileReport(profile, coreWatts: coreWatts))) }
            } else {
                printTable(profiles, manifest: manifest, evaluated: min(limit ?? images.count, images.count))
            }
        }
    }

    private func printTable(_ profiles: [VariantProfile], manifest: FamilyManifest, evaluated: Int) {
        print("family \(manifest.family) (\(manifest.task)), \(profiles.count) variants, accuracy on \(evaluated) "
              + "\(manifest.dataset.split.rawValue) images of \(manifest.dataset.name), \(profiling.threads) thread(s)")
        let byID = Dictionary(profiles.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let rows = profiles.map { profile -> [String] in
            let reference = profile.referenceAccuracy.map { String(format: "%.2f %%", $0 * 100) } ?? ""
            let delta = profile.referenceAccuracy.map { String(format: "%+.2f", (profile.accuracy.accuracy - $0) * 100) } ?? ""
            // A derived variant against its fp32 parent: accuracy change and latency ratio.
            var versusParent = ""
            if profile.parent != profile.id, let parent = byID[profile.parent] {
                let ratio = LatencyStatistics.seconds(profile.latency.p50) / LatencyStatistics.seconds(parent.latency.p50)
                versusParent = String(format: "%+.2f pp %.2fx", (profile.accuracy.accuracy - parent.accuracy.accuracy) * 100, ratio)
            }
            return [profile.id, profile.transform, profile.backend, String(format: "%.2f %%", profile.accuracy.accuracy * 100), reference, delta,
                    versusParent,
                    Format.milliseconds(profile.latency.p50), Format.milliseconds(profile.latency.p95),
                    Format.milliseconds(profile.latency.p99), String(format: "%.2f MB", profile.memoryMB),
                    profile.residentGrowthBytes.map { String(format: "%.2f MB", Double($0) / Double(1 << 20)) } ?? "n/a",
                    profile.energyMillijoulesEstimate(coreWatts: coreWatts).map { String(format: "~%.3f mJ", $0) } ?? "n/a",
                    profile.onFront ? "yes" : "no"]
        }
        print(Format.table(
            header: ["variant", "transform", "backend", "accuracy", "reference", "Δ pp", "vs parent (acc, p50)", "p50", "p95",
                     "p99", "memory", "RSS growth", "energy (est.)", "on front"],
            rows: rows, rightAligned: [3, 4, 5, 6, 7, 8, 9, 10, 11, 12]))
    }
}

/// `profile --json`: field names are the contract in DESIGN.md (snake case, absent values null).
struct ProfileReport: NullPreservingEncodable {
    var id: String
    var source: String
    var parent: String
    var transform: String
    var backend: String
    var accuracy: Double
    var referenceAccuracy: Double?
    var latencyMsP50: Double
    var latencyMsP95: Double
    var latencyMsP99: Double
    var memoryMb: Double
    /// Measured growth of the process's resident memory while the variant loaded; null where unmeasurable.
    var rssGrowthMb: Double?
    /// CPU time per inference × the configured power per core (`--core-watts`); null without it.
    var energyMjEstimate: Double?
    var onFront: Bool

    init(_ profile: VariantProfile, coreWatts: Double?) {
        id = profile.id
        source = profile.source
        parent = profile.parent
        transform = profile.transform
        backend = profile.backend
        accuracy = profile.accuracy.accuracy
        referenceAccuracy = profile.referenceAccuracy
        latencyMsP50 = LatencyStatistics.milliseconds(profile.latency.p50)
        latencyMsP95 = LatencyStatistics.milliseconds(profile.latency.p95)
        latencyMsP99 = LatencyStatistics.milliseconds(profile.latency.p99)
        memoryMb = profile.memoryMB
        rssGrowthMb = profile.residentGrowthBytes.map { Double($0) / Double(1 << 20) }
        energyMjEstimate = profile.energyMillijoulesEstimate(coreWatts: coreWatts)
        onFront = profile.onFront
    }
}

/// Where profiles are cached for this machine and thread count (nil: `--no-cache`, or no cache folder); an
/// unreadable or unwritable cache file is one warning, never fatal.
/// How variants are profiled, shared by `profile` and every command that runs the engine.
struct ProfilingOptions: ParsableArguments {
    @Option(help: "Threads of the inference pool.")
    var threads: Int = 1

    @Option(help: ArgumentHelp(
        "Backend of each variant: xnnpack, onednn, or auto.",
        discussion: "auto times each backend that can run a variant on this device and keeps the faster one; the variants table shows the choice."),
            transform: BackendSelection.Mode.parse)
    var backend: BackendSelection.Mode = .auto

    @Flag(help: "Measure every variant again instead of taking earlier figures from the profile cache.")
    var noCache = false

    @Flag(help: "Only the manifest's models, without the variants its transforms derive.")
    var noDerive = false

    func validate() throws {
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
    }

    func familyOptions(source: FamilyOptions, limit: Int?, iterations: Int, evaluationThreads: Int) -> ProfiledFamily.Options {
        var options = ProfiledFamily.Options()
        options.dataDirectory = source.data
        options.threads = threads
        options.backend = backend
        options.derive = !noDerive
        options.limit = limit
        options.iterations = iterations
        options.evaluationThreads = evaluationThreads
        options.caching = profileCaching(enabled: !noCache, threads: threads)
        return options
    }
}

func profileCaching(enabled: Bool, threads: Int) -> VariantProfiler.Caching? {
    guard enabled, let directory = ProfileCache.defaultDirectory() else { return nil }
    return VariantProfiler.Caching(
        cache: ProfileCache(directory: directory), machine: .current(threads: threads),
        warn: { warning in printError("warning: \(warning)") })
}

/// Which family, and where its data is: every command that loads one takes these.
struct FamilyOptions: ParsableArguments {
    @Option(help: "The family manifest (YAML).", completion: .file(extensions: ["yaml", "yml"]))
    var family: String = FamilyDefaults.manifestPath

    @Option(help: "Folder of the data set's IDX files (overrides the manifest's dataset.path).", completion: .directory)
    var data: String?
}

/// Where the bundled demo family lives, relative to the working directory (the repository root).
enum FamilyDefaults {
    static let manifestPath = "Examples/fashion-mnist/family.yaml"
}

/// A progress line on stderr that rewrites itself, for interactive terminals only.
struct ProgressLine {
    let enabled: Bool

    func show(_ text: String) {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K\(text)".utf8))
    }

    /// `[########------------]  42 %`: ASCII, so any terminal and locale shows it.
    static func bar(_ fraction: Double, width: Int = 20) -> String {
        let clamped = min(1, max(0, fraction.isFinite ? fraction : 0))
        let filled = Int((clamped * Double(width)).rounded(.down))
        let percent = Int((clamped * 100).rounded(.down))
        let digits = String(percent)
        return "[" + String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled) + "] "
            + String(repeating: " ", count: 3 - digits.count) + digits + " %"
    }

    func clear() {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }
}
