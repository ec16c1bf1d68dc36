/// Which backend runs a model: XNNPACK, oneDNN, or `auto` — each backend that can compile it, timed, the fastest
/// kept. One selection holds one backend of each kind (one thread pool each), shared by every model it compiles.
public struct BackendSelection: Sendable {
    public enum Mode: String, CaseIterable, Sendable {
        case xnnpack, onednn, auto
    }

    /// What compiling one model chose, and the race behind the choice (`auto` only).
    public struct Choice {
        public var model: any CompiledModel
        public var backend: any InferenceBackend
        /// Each candidate's p50 in the race, or why it could not compile the model; empty without a race.
        public var race: [Candidate] = []
        /// Why the model is not on the backend asked for (oneDNN refusing an int8 model), nil when it is.
        public var note: String?
    }

    public struct Candidate: Sendable, Equatable {
        public var backend: String
        public var result: Result<Duration, RaceError>
    }

    public struct RaceError: Error, Sendable, Equatable, CustomStringConvertible {
        public var description: String
    }

    public let mode: Mode
    public let xnnpack: XNNPACKBackend
    /// nil where oneDNN cannot run (`auto` is then XNNPACK alone).
    public let onednn: OneDNNBackend?

    /// `onednn` throws naming why when oneDNN is unavailable here; `auto` then quietly means XNNPACK.
    public init(_ mode: Mode, threads: Int = 1, nativeKernels: Bool = true) throws {
        self.mode = mode
        xnnpack = try XNNPACKBackend(threads: threads, nativeKernels: nativeKernels)
        switch mode {
        case .xnnpack: onednn = nil
        case .onednn: onednn = try OneDNNBackend(threads: threads, fallback: xnnpack)
        case .auto: onednn = OneDNN.status.available ? try OneDNNBackend(threads: threads, fallback: xnnpack) : nil
        }
    }

    public var threads: Int { xnnpack.threads }

    /// The backend called `name` ("xnnpack", "onednn") in this selection.
    public func backend(named name: String) -> (any InferenceBackend)? {
        switch name {
        case xnnpack.name: xnnpack
        case "onednn": onednn
        default: nil
        }
    }

    /// Compiles an optimised graph as the mode says. `auto` times every backend that compiles it over
    /// `rounds` interleaved rounds of `iterations` runs (each after a warm-up) and keeps the one with the lowest
    /// p50 of its best round: on a shared machine interference only ever adds time, so the best round is the
    /// least disturbed measurement of each.
    public func compile(_ graph: Graph, rounds: Int = 7, iterations: Int = 50) throws -> Choice {
        switch mode {
        case .xnnpack:
            return Choice(model: try xnnpack.compile(graph), backend: xnnpack)
        case .onednn:
            guard let onednn else { return Choice(model: try xnnpack.compile(graph), backend: xnnpack) }
            do {
                return Choice(model: try onednn.compile(graph), backend: onednn)
            } catch let error as ModelError {
                // A model oneDNN refuses as a whole (int8) runs on XNNPACK rather than not at all.
                return Choice(model: try xnnpack.compile(graph), backend: xnnpack, note: "\(error)")
            }
        case .auto:
            return try race(graph, rounds: rounds, iterations: iterations)
        }
    }

    private func race(_ graph: Graph, rounds: Int, iterations: Int) throws -> Choice {
        var entrants: [(backend: any InferenceBackend, model: any CompiledModel)] = [(xnnpack, try xnnpack.compile(graph))]
        var refusals: [Candidate] = []
        if let onednn {
            do {
                entrants.append((onednn, try onednn.compile(graph)))
            } catch {
                refusals.append(Candidate(backend: onednn.name, result: .failure(RaceError(description: "\(error)"))))
            }
        }
        guard entrants.count > 1 else {
            return Choice(model: entrants[0].model, backend: entrants[0].backend, race: refusals)
        }
        var p50s = Array(repeating: [Duration](), count: entrants.count)
        for _ in 0..<max(1, rounds) {
            for (index, entrant) in entrants.enumerated() {
                p50s[index].append(try LatencyBenchmark.measure(entrant.model, warmup: 20, iterations: iterations).p50)
            }
        }
        let best = p50s.map { $0.min()! }
        let winner = best.indices.min { best[$0] < best[$1] }!
        let race = entrants.indices.map { Candidate(backend: entrants[$0].backend.name, result: .success(best[$0])) } + refusals
        return Choice(model: entrants[winner].model, backend: entrants[winner].backend, race: race)
    }
}
