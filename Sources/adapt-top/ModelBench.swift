import AdaptInference
import ArgumentParser
import Foundation

struct ModelBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure a model's latency (p50/p95/p99) and throughput on this device.",
        discussion: "Inputs are fixed pseudo-random values in [-1, 1] unless --input gives .npy files.")

    @OptionGroup var model: ModelOptions

    @Option(help: "Timed runs.")
    var iterations: Int = 1000

    @Option(help: "Untimed runs before timing (caches, branch predictors, lazy packing).")
    var warmup: Int = 50

    @Option(name: .customLong("input"), help: "An input .npy file per graph input (optional).")
    var inputs: [String] = []

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    @Flag(help: "Also time every step (node) and print where the time goes.")
    var perStep = false

    func validate() throws {
        guard iterations >= 1 else { throw ValidationError("--iterations must be at least 1") }
        guard warmup >= 0 else { throw ValidationError("--warmup must not be negative") }
    }

    func run() throws {
        try reportingModelErrors {
            let session = try model.load()
            try fillInputs(session.model)
            let statistics = try LatencyBenchmark.measure(session.model, warmup: warmup, iterations: iterations)
            if json {
                let report = BenchReport(
                    model: model.file, backend: session.backendName, threads: model.threads, iterations: iterations,
                    latencyMs: .init(
                        p50: LatencyStatistics.milliseconds(statistics.p50), p95: LatencyStatistics.milliseconds(statistics.p95),
                        p99: LatencyStatistics.milliseconds(statistics.p99), mean: LatencyStatistics.milliseconds(statistics.mean)),
                    throughputIps: statistics.throughput, race: session.backendRace.map(BenchReport.RaceEntry.init))
                print(try Format.jsonLine(report))
            } else {
                print("\(model.file) on \(session.backendName), \(model.threads) thread(s), \(iterations) runs after \(warmup) warm-up")
                print("latency  p50 \(Format.milliseconds(statistics.p50))  p95 \(Format.milliseconds(statistics.p95))  "
                      + "p99 \(Format.milliseconds(statistics.p99))  mean \(Format.milliseconds(statistics.mean))")
                print("throughput \(String(format: "%.1f", statistics.throughput)) inferences/s")
                if !session.backendRace.isEmpty { print("auto: " + Format.race(session.backendRace)) }
            }
            if perStep { try printStepTimes(session.model) }
        }
    }

    /// Times each step over the same number of runs; the per-step clock reads add a little to each step.
    private func printStepTimes(_ compiled: any CompiledModel) throws {
        var times: [Duration] = []
        for _ in 0..<iterations { try compiled.runTimingSteps(into: &times) }
        let total = times.reduce(.zero, +)
        let rows = zip(compiled.steps, times).map { step, time in
            [step.node, step.kernel, Format.milliseconds(time / iterations),
             String(format: "%.1f %%", total > .zero ? 100 * LatencyStatistics.seconds(time) / LatencyStatistics.seconds(total) : 0)]
        }
        print("")
        print(Format.table(header: ["node", "kernel", "mean", "share"], rows: rows, rightAligned: [2, 3]))
    }

    private func fillInputs(_ compiled: any CompiledModel) throws {
        if !inputs.isEmpty {
            guard inputs.count == compiled.inputs.count else {
                throw ModelError.badInput(reason: "the model takes \(compiled.inputs.count) input(s), \(inputs.count) --input given")
            }
            for (index, path) in inputs.enumerated() {
                let array = try NPY.read(contentsOf: path)
                let buffer = compiled.inputBuffer(index)
                guard array.values.count == buffer.count else {
                    throw ModelError.badInput(reason: "\(path) has \(array.values.count) values, input needs \(buffer.count)")
                }
                _ = buffer.update(from: array.values)
            }
            return
        }
        var generator = SeededGenerator(seed: 42)
        for index in compiled.inputs.indices {
            let buffer = compiled.inputBuffer(index)
            for position in buffer.indices { buffer[position] = Float.random(in: -1...1, using: &generator) }
        }
    }
}

/// `model bench --json`: the field names are the command-line contract in DESIGN.md.
struct BenchReport: Encodable {
    struct Latency: Encodable {
        var p50: Double
        var p95: Double
        var p99: Double
        var mean: Double
    }

    var model: String
    var backend: String
    var threads: Int
    var iterations: Int
    var latencyMs: Latency
    var throughputIps: Double
    /// `--backend auto`: each candidate's p50 in the race, or why it could not run the model.
    var race: [RaceEntry]

    struct RaceEntry: Encodable {
        var backend: String
        var p50Ms: Double?
        var error: String?

        init(_ candidate: BackendSelection.Candidate) {
            backend = candidate.backend
            switch candidate.result {
            case .success(let p50): p50Ms = LatencyStatistics.milliseconds(p50)
            case .failure(let error): self.error = error.description
            }
        }

        enum CodingKeys: String, CodingKey {
            case backend, error
            case p50Ms = "p50_ms"
        }
    }

    enum CodingKeys: String, CodingKey {
        case model, backend, threads, iterations, race
        case latencyMs = "latency_ms"
        case throughputIps = "throughput_ips"
    }
}
