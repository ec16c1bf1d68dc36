import AdaptEngine
import AdaptInference
import ArgumentParser
import Foundation

/// adapt-top's benchmarks: programs that print figures, measured on this device.
@main
struct AdaptBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "adapt-bench",
        abstract: "adapt-top's benchmarks: derived variants against their parents, the context sampler, policy decisions, dashboard frames.",
        subcommands: [DerivedBench.self, ContextBench.self, PolicyBench.self, DashboardBench.self, DashboardOverheadBench.self,
                      ServiceClientsBench.self, OneDNNConvolutionBench.self])
}

/// CPU seconds the calling thread has used (0 where the clock is missing): what the benchmarks time with.
func threadCPUSeconds() -> Double {
    LatencyStatistics.seconds(LatencyBenchmark.threadCPUTime() ?? .zero)
}

/// CPU seconds used so far by this process's thread named `name` (its first 15 characters, as the kernel keeps
/// them), from /proc's schedstat; nil if there is none.
func threadCPUSeconds(named name: String) -> Double? {
    let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
    for task in tasks {
        guard let comm = try? String(contentsOfFile: "/proc/self/task/\(task)/comm", encoding: .utf8),
              comm.trimmingCharacters(in: .newlines) == String(name.prefix(15)),
              let schedstat = try? String(contentsOfFile: "/proc/self/task/\(task)/schedstat", encoding: .utf8),
              let nanoseconds = schedstat.split(separator: " ").first.flatMap({ Double($0) }) else { continue }
        return nanoseconds / 1e9
    }
    return nil
}

/// Derived variants against their fp32 parents, timed interleaved: each round times the parent, then the variant,
/// so a drifting machine (a shared VM) hits both alike; the median of per-round ratios is the figure to trust.
struct DerivedBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "derived",
        abstract: "Time each derived variant of a family against its fp32 parent, interleaved (a benchmark, not a test).",
        discussion: """
            Derives the manifest's transforms on this device (as `adapt-top profile` does), then for every derived \
            variant runs --rounds rounds of: parent p50 over --iterations runs, variant p50 over as many. Prints a \
            markdown table: median p50s and the median of per-round ratios. --per-layer adds each step's time.
            """)

    @Option(help: "The family manifest (YAML).")
    var family = "Examples/fashion-mnist/family.yaml"

    @Option(help: "Rounds per variant.")
    var rounds = 5

    @Option(help: "Timed runs per measurement (after as many / 10 warm-up runs).")
    var iterations = 2000

    @Option(parsing: .upToNextOption, help: "Only these parents (manifest ids); default: all.")
    var only: [String] = []

    @Option(parsing: .upToNextOption, help: "Only these transforms (e.g. int8 prune25+int8); default: all the manifest derives.")
    var transforms: [String] = []

    @Flag(help: "Also print each step's time for the parent and the variant.")
    var perLayer = false

    func validate() throws {
        guard rounds >= 1, iterations >= 10 else { throw ValidationError("--rounds must be ≥ 1 and --iterations ≥ 10") }
    }

    func run() throws {
        do {
            try benchmark()
        } catch {
            fail(error)
        }
    }

    private func benchmark() throws {
        var manifest = try FamilyManifest.load(contentsOf: family)
        if !only.isEmpty { manifest.variants = manifest.variants.filter { only.contains($0.id) } }
        let backend = try XNNPACKBackend(threads: 1)
        let loaded = try ModelFamily(manifest: manifest, backend: backend)
        let catalog = VariantCatalog(manifest: manifest)
        let deriver = VariantDeriver(
            family: loaded, catalog: catalog,
            calibration: try MNISTStyleDataset.load(directory: manifest.dataset.path, split: .train), backend: backend)
        print("| variant | transform | parent p50 µs | variant p50 µs | median per-round ratio |")
        print("|---|---|---:|---:|---:|")
        for entry in catalog.entries where !entry.isImported {
            guard transforms.isEmpty || transforms.contains(entry.transform.description) else { continue }
            let parent = try deriver.variant(for: catalog.entries.first { $0.id == entry.parent.id }!)
            let variant = try deriver.variant(for: entry)
            var parentTimes: [Double] = [], variantTimes: [Double] = [], ratios: [Double] = []
            for _ in 0..<rounds {
                let a = try p50Microseconds(parent.session.model), b = try p50Microseconds(variant.session.model)
                parentTimes.append(a)
                variantTimes.append(b)
                ratios.append(b / a)
            }
            print(String(format: "| %@ | %@ | %.1f | %.1f | %.2f |", entry.id, entry.transform.description,
                         median(parentTimes), median(variantTimes), median(ratios)))
            if perLayer {
                for (name, session) in [(entry.parent.id, parent.session), (entry.id, variant.session)] {
                    try printSteps(name, session.model)
                }
            }
        }
    }

    private func p50Microseconds(_ model: any CompiledModel) throws -> Double {
        let statistics = try LatencyBenchmark.measure(model, warmup: iterations / 10, iterations: iterations)
        return LatencyStatistics.seconds(statistics.p50) * 1e6
    }

    private func printSteps(_ name: String, _ model: any CompiledModel) throws {
        var times: [Duration] = []
        for _ in 0..<iterations { try model.runTimingSteps(into: &times) }
        for (step, time) in zip(model.steps, times) where time > .zero {
            print(String(format: "    %@  %@  %@  %.2f µs", name, step.node, step.kernel,
                         LatencyStatistics.seconds(time) / Double(iterations) * 1e6))
        }
    }

}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    guard !sorted.isEmpty else { return .nan }
    return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

func fail(_ error: any Error) -> Never {
    FileHandle.standardError.write(Data("adapt-bench: \(error)\n".utf8))
    exit(1)
}
