import Testing
import AdaptInference
@testable import AdaptEngine

@Suite struct ParetoFrontTests {
    @Test func handPickedPoints() {
        let points = [
            TradeOffPoint(accuracy: 0.90, latencyMs: 1.0, memoryMB: 4),   // on: most accurate
            TradeOffPoint(accuracy: 0.85, latencyMs: 0.2, memoryMB: 1),   // on: fastest and smallest
            TradeOffPoint(accuracy: 0.84, latencyMs: 0.3, memoryMB: 2),   // off: worse than the previous on every axis
            TradeOffPoint(accuracy: 0.88, latencyMs: 0.5, memoryMB: 8),   // on: between in accuracy and latency
            TradeOffPoint(accuracy: 0.90, latencyMs: 1.0, memoryMB: 4),   // on: a tie dominates nobody
        ]
        #expect(ParetoFront.members(of: points) == [0, 1, 3, 4])
    }

    /// The invariant on seeded random sets: no member is dominated, every non-member is dominated by a member.
    @Test(arguments: 0..<20)
    func invariantHoldsOnRandomSets(_ seed: Int) {
        var generator = SeededGenerator(seed: UInt64(seed))
        let points = (0..<Int.random(in: 1...40, using: &generator)).map { _ in
            TradeOffPoint(
                accuracy: Double(Int.random(in: 80...95, using: &generator)) / 100,
                latencyMs: Double(Int.random(in: 1...20, using: &generator)) / 10,
                memoryMB: Double(Int.random(in: 1...8, using: &generator)))
        }
        let members = Set(ParetoFront.members(of: points))
        #expect(!members.isEmpty)
        for member in members {
            #expect(!points.contains { $0.dominates(points[member]) })
        }
        for index in points.indices where !members.contains(index) {
            #expect(members.contains { points[$0].dominates(points[index]) })
        }
    }
}
