import Testing
@testable import AdaptInference

@Suite struct MemoryPlanTests {
    /// a → b → c → d in a chain: a value dead before another is written may give it its bytes.
    @Test func deadValuesLendTheirSpace() {
        let plan = MemoryPlan(
            steps: [(["a"], ["b"]), (["b"], ["c"]), (["c"], ["d"])],
            requests: [.init(name: "a", count: 100), .init(name: "b", count: 100), .init(name: "c", count: 100),
                       .init(name: "d", count: 100)],
            pinned: ["a", "d"])
        let a = plan.offsets["a"]!, b = plan.offsets["b"]!, c = plan.offsets["c"]!, d = plan.offsets["d"]!
        // Pinned a and d live throughout; b and c overlap in time (step 1 reads b, writes c).
        for (x, y) in [(a, b), (a, c), (a, d), (b, c), (b, d), (c, d)] { #expect(abs(x - y) >= 112) }
        #expect(plan.arenaCount == 4 * 112)
        // Without pinning, b is free once c is written and d can take its place.
        let loose = MemoryPlan(
            steps: [(["a"], ["b"]), (["b"], ["c"]), (["c"], ["d"])],
            requests: [.init(name: "a", count: 100), .init(name: "b", count: 100), .init(name: "c", count: 100),
                       .init(name: "d", count: 100)],
            pinned: [])
        #expect(loose.arenaCount < 4 * 112)
        #expect(loose.offsets.values.allSatisfy { $0 % MemoryPlan.alignment == 0 })
    }

    /// A view shares its source's bytes; a slice view starts inside them.
    @Test func viewsAndSlicesPointIntoTheirSource() {
        let plan = MemoryPlan(
            steps: [(["x"], ["left"]), (["x"], ["right"]), (["left", "right"], ["cat"]), (["cat"], ["flat"])],
            requests: [
                .init(name: "x", count: 64),
                .init(name: "left", count: 24, viewOf: "cat", viewOffset: 0),
                .init(name: "right", count: 40, viewOf: "cat", viewOffset: 3),
                .init(name: "cat", count: 64),
                .init(name: "flat", count: 64, viewOf: "cat"),
            ],
            pinned: ["x", "flat"])
        let cat = plan.offsets["cat"]!
        #expect(plan.offsets["left"] == cat)
        #expect(plan.offsets["right"] == cat + 3)
        #expect(plan.offsets["flat"] == cat)
        // The Concat's buffer lives from its first slice's write: it must not share bytes with x.
        #expect(abs(plan.offsets["x"]! - cat) >= 64)
    }
}
