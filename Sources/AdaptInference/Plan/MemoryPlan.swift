/// Places every activation of a model in one arena, reusing space whose value is dead.
///
/// Each value lives from the step that writes it to the last step that reads it (graph inputs from the start,
/// graph outputs to the end). A view (Reshape, Flatten, a free layout change) shares its source's bytes and
/// extends its lifetime; a slice view starts some floats into its source (a Concat input its producer writes in
/// place). Placement is greedy, largest first, at the lowest offset that does not overlap a
/// value alive at the same time — the usual heuristic of TFLite's and ONNX Runtime's arena planners.
public struct MemoryPlan: Sendable, Equatable {
    /// Offset of each value in the arena, in floats.
    public private(set) var offsets: [String: Int]
    /// Arena size in floats.
    public private(set) var arenaCount: Int

    /// Offsets are aligned to 16 floats (64 bytes, a cache line) so every buffer starts SIMD-aligned.
    public static let alignment = 16

    /// A value's placement request.
    public struct Request: Sendable {
        public var name: String
        public var count: Int
        /// The value whose memory this one reuses (a view), or nil for a value that needs its own space.
        public var viewOf: String?
        /// Where the view starts in `viewOf`'s memory, in floats.
        public var viewOffset: Int

        public init(name: String, count: Int, viewOf: String? = nil, viewOffset: Int = 0) {
            self.name = name
            self.count = count
            self.viewOf = viewOf
            self.viewOffset = viewOffset
        }
    }

    /// - Parameters:
    ///   - steps: for each step in execution order, the values it reads and the values it writes.
    ///   - requests: every value to place (views included).
    ///   - pinned: values that must stay alive for the whole run (graph inputs and outputs).
    /// - Complexity: O(n²) in the number of values, which is a few hundred at most.
    public init(steps: [(reads: [String], writes: [String])], requests: [Request], pinned: Set<String>) {
        var root: [String: String] = [:]
        for request in requests { root[request.name] = request.viewOf ?? request.name }
        func rootOf(_ name: String) -> String {
            var current = name
            while let next = root[current], next != current { current = next }
            return current
        }
        let countOf = Dictionary(requests.map { ($0.name, $0.count) }, uniquingKeysWith: max)

        var first: [String: Int] = [:], last: [String: Int] = [:]
        for (index, step) in steps.enumerated() {
            for name in step.reads + step.writes where countOf[name] != nil {
                let base = rootOf(name)
                first[base] = min(first[base] ?? index, index)
                last[base] = max(last[base] ?? index, index)
            }
        }
        for name in pinned where countOf[name] != nil {
            let base = rootOf(name)
            first[base] = -1
            last[base] = steps.count
        }

        let roots = Set(requests.map { rootOf($0.name) })
        var sizes: [String: Int] = [:]
        for request in requests { sizes[rootOf(request.name), default: 0] = max(sizes[rootOf(request.name)] ?? 0, request.count) }
        let order = roots.sorted { (sizes[$0] ?? 0, $1) > (sizes[$1] ?? 0, $0) }

        var placed: [(start: Int, end: Int, first: Int, last: Int)] = []
        var rootOffsets: [String: Int] = [:]
        var arena = 0
        for name in order {
            let size = Self.aligned(sizes[name] ?? 0)
            let lifeStart = first[name] ?? -1, lifeEnd = last[name] ?? steps.count
            let conflicts = placed
                .filter { $0.first <= lifeEnd && lifeStart <= $0.last }
                .sorted { $0.start < $1.start }
            var offset = 0
            for block in conflicts where offset + size > block.start && offset < block.end {
                offset = max(offset, block.end)
            }
            // One pass over sorted blocks can miss a later block that the move made overlap; re-check until stable.
            while let clash = conflicts.first(where: { offset + size > $0.start && offset < $0.end }) {
                offset = clash.end
            }
            placed.append((offset, offset + size, lifeStart, lifeEnd))
            rootOffsets[name] = offset
            arena = max(arena, offset + size)
        }
        let viewOffsets = Dictionary(requests.map { ($0.name, $0.viewOffset) }, uniquingKeysWith: { first, _ in first })
        func offsetInRoot(_ name: String) -> Int {
            var offset = 0, current = name
            while let next = root[current], next != current {
                offset += viewOffsets[current] ?? 0
                current = next
            }
            return offset
        }
        offsets = Dictionary(uniqueKeysWithValues: requests.map {
            ($0.name, (rootOffsets[rootOf($0.name)] ?? 0) + offsetInRoot($0.name))
        })
        arenaCount = arena
    }

    static func aligned(_ count: Int) -> Int {
        (count + alignment - 1) / alignment * alignment
    }
}
