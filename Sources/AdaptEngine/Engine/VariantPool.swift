public import AdaptInference
internal import Foundation
internal import Synchronization

/// The catalog's variants compiled and ready for the runner, built off the hot path: on a background thread in
/// the order the engine asks (most useful first), or at once for the first variant. Deriving a variant (pruning,
/// BatchNorm re-estimation, quantization) takes tenths of a second; the runner only ever receives a finished one.
public final class VariantPool: @unchecked Sendable {
    // @unchecked: `family` and `deriver` are used under `building` only; everything else is behind `state`.
    public enum State: Sendable, Equatable {
        case waiting, preparing, ready
        case failed(String)
    }

    public let entries: [CatalogEntry]
    private let family: ModelFamily
    private let deriver: VariantDeriver?
    private let backends: [String: any InferenceBackend]
    private let building = NSLock()
    private struct Shared {
        var states: [String: State]
        var prepared: [String: PreparedVariant] = [:]
        var queue: [String] = []
        var failures: [(id: String, reason: String)] = []
        var stopping = false
        var running = false
    }
    private let state: Mutex<Shared>
    private let work = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)

    /// - Parameters:
    ///   - deriver: builds the derived variants; without one only the imported models can be prepared.
    ///   - backends: the backend each variant runs on, as its profile chose; the family's for those not listed.
    public init(family: ModelFamily, deriver: VariantDeriver?, backends: [String: any InferenceBackend] = [:]) {
        self.family = family
        self.deriver = deriver
        self.backends = backends
        entries = deriver?.catalog.entries ?? VariantCatalog(manifest: family.manifest, derive: false).entries
        state = Mutex(Shared(states: Dictionary(entries.map { ($0.id, State.waiting) }, uniquingKeysWith: { first, _ in first })))
    }

    deinit { stop() }

    public func state(of id: String) -> State? { state.withLock { $0.states[id] } }
    public var states: [String: State] { state.withLock { $0.states } }
    public func prepared(_ id: String) -> PreparedVariant? { state.withLock { $0.prepared[id] } }

    /// Whether every variant is ready or failed.
    public var settled: Bool {
        state.withLock { $0.states.values.allSatisfy { if case .ready = $0 { true } else if case .failed = $0 { true } else { false } } }
    }

    /// Variants that failed since the last call, with the reason (for the event log).
    public func takeFailures() -> [(id: String, reason: String)] {
        state.withLock { shared in
            defer { shared.failures.removeAll() }
            return shared.failures
        }
    }

    /// Builds `id` now on the calling thread (or returns it if ready).
    public func prepare(_ id: String) throws -> PreparedVariant {
        if let ready = prepared(id) { return ready }
        guard let entry = entries.first(where: { $0.id == id }) else {
            throw ModelError.badInput(reason: "no variant '\(id)' in the catalog")
        }
        return try build(entry)
    }

    /// Starts the background thread, which prepares every variant in `order` (ids not in the catalog are ignored;
    /// variants left out come last, in catalog order) at the lowest CPU priority.
    public func startPreparing(order: [String]) {
        let known = Set(entries.map(\.id))
        let ordered = order.filter(known.contains)
        let rest = entries.map(\.id).filter { !Set(ordered).contains($0) }
        let alreadyRunning = state.withLock { shared in
            shared.queue = (ordered + rest).filter { shared.prepared[$0] == nil }
            defer { (shared.running, shared.stopping) = (true, false) }
            return shared.running
        }
        guard !alreadyRunning else { return }
        let thread = Thread { [self] in
            defer { finished.signal() }
            BackgroundPriority.lowerCurrentThread()
            while let next = nextQueued() {
                guard let entry = entries.first(where: { $0.id == next }) else { continue }
                _ = try? build(entry)
            }
        }
        thread.name = "adapt-top prepare"
        thread.start()
    }

    /// Moves `id` to the front of the queue (a pinned variant that is not ready yet).
    public func prioritise(_ id: String) {
        state.withLock { shared in
            guard let index = shared.queue.firstIndex(of: id) else { return }
            shared.queue.remove(at: index)
            shared.queue.insert(id, at: 0)
        }
    }

    /// Blocks until every variant is ready or failed (the background thread must be running).
    public func waitUntilSettled(pollInterval: Double = 0.02) {
        while !settled && state.withLock({ $0.running && !$0.stopping }) { Thread.sleep(forTimeInterval: pollInterval) }
    }

    /// Stops the background thread after the variant in progress.
    public func stop() {
        let wasRunning = state.withLock { shared in
            shared.stopping = true
            shared.queue.removeAll()
            return shared.running
        }
        if wasRunning {
            finished.wait()
            state.withLock { $0.running = false }
        }
    }

    private func nextQueued() -> String? {
        state.withLock { shared in
            guard !shared.stopping, !shared.queue.isEmpty else { return nil }
            return shared.queue.removeFirst()
        }
    }

    private func build(_ entry: CatalogEntry) throws -> PreparedVariant {
        building.lock()
        defer { building.unlock() }
        if let ready = prepared(entry.id) { return ready }  // built by the other thread meanwhile
        state.withLock { $0.states[entry.id] = .preparing }
        do {
            let model: any CompiledModel
            let backend = backends[entry.id] ?? family.backend
            if entry.isImported {
                guard let imported = family.variants.first(where: { $0.spec.id == entry.id }) else {
                    throw ModelError.badInput(reason: "variant '\(entry.id)' is not loaded")
                }
                // A copy of its own: the loaded one belongs to whoever loaded the family.
                model = try backend.compile(imported.session.optimizedGraph)
            } else {
                guard let deriver else { throw ModelError.badInput(reason: "no deriver for variant '\(entry.id)'") }
                let session = try deriver.variant(for: entry).session
                model = session.backendName == backend.name ? session.model : try backend.compile(session.optimizedGraph)
            }
            let variant = PreparedVariant(id: entry.id, model: model)
            state.withLock { shared in
                shared.prepared[entry.id] = variant
                shared.states[entry.id] = .ready
            }
            return variant
        } catch {
            let reason = "\(error)"
            state.withLock { shared in
                shared.states[entry.id] = .failed(reason)
                shared.failures.append((entry.id, reason))
            }
            throw error
        }
    }
}
