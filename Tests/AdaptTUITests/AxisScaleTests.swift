import Testing
@testable import AdaptTUI

@Suite struct AxisScaleTests {
    private func close(_ a: [Double], _ b: [Double]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= 1e-9 * max(1, abs($1)) }
    }

    @Test func linearTicksAreOneTwoFiveSteps() {
        #expect(AxisScale(lower: 0, upper: 1).ticks(maxCount: 5) == [0, 0.5, 1])
        #expect(AxisScale(lower: 0, upper: 1).ticks(maxCount: 6) == [0, 0.2, 0.4, 0.6, 0.8, 1])
        #expect(AxisScale(lower: 0.883, upper: 0.961).ticks(maxCount: 5) == [0.9, 0.92, 0.94, 0.96])
        #expect(AxisScale(lower: 0.03, upper: 0.47).ticks(maxCount: 5) == [0.1, 0.2, 0.3, 0.4])
        #expect(AxisScale(lower: 3, upper: 97).ticks(maxCount: 3) == [50])
    }

    @Test func logTicksAreOneTwoFivePerDecadeThinnedWhenCrowded() {
        #expect(close(AxisScale(lower: 0.04, upper: 0.6, kind: .log).ticks(maxCount: 6), [0.05, 0.1, 0.2, 0.5]))
        #expect(close(AxisScale(lower: 0.5, upper: 2000, kind: .log).ticks(maxCount: 5), [1, 10, 100, 1000]))
        #expect(close(AxisScale(lower: 0.001, upper: 1000, kind: .log).ticks(maxCount: 3), [0.001, 1, 1000]))
        // Too narrow for two 1-2-5 values: round linear values, still placed logarithmically.
        #expect(close(AxisScale(lower: 0.06, upper: 0.09, kind: .log).ticks(maxCount: 4), [0.06, 0.07, 0.08, 0.09]))
    }

    @Test func valuesMapToDots() {
        let linear = AxisScale(lower: 0, upper: 10)
        #expect(linear.dot(of: 5, length: 11) == 5)
        #expect(linear.dot(of: 10, length: 11) == 10)
        #expect(linear.dot(of: 10.5, length: 11) == nil)
        #expect(linear.dot(of: -1, length: 11) == nil)
        let log = AxisScale(lower: 1, upper: 100, kind: .log)
        #expect(log.dot(of: 10, length: 3) == 1)
        #expect(log.dot(of: 0, length: 3) == nil)
        #expect(abs(log.value(atFraction: 0.5) - 10) < 1e-9)
    }

    @Test func degenerateRangesAreWidened() {
        let flat = AxisScale(lower: 5, upper: 5)
        #expect(flat.lower < 5 && flat.upper > 5)
        let logFromZero = AxisScale(lower: 0, upper: 10, kind: .log)
        #expect(logFromZero.lower > 0 && logFromZero.dot(of: 10, length: 4) == 3)
        #expect(AxisScale(lower: .nan, upper: .infinity).upper > AxisScale(lower: .nan, upper: .infinity).lower)
    }

    @Test func labelsCarryTheirUnit() {
        #expect(AxisScale(lower: 0.04, upper: 0.6, kind: .log).latencyLabels([0.05, 0.1, 0.2, 0.5]) == ["50µs", "100µs", "200µs", "500µs"])
        #expect(AxisScale(lower: 0.4, upper: 12).latencyLabels([0.5, 1, 2.5, 10]) == ["500µs", "1ms", "2.5ms", "10ms"])
        // Decades of a family's latencies: each tick in its own unit, none written twice.
        #expect(AxisScale(lower: 0.0004, upper: 1.2, kind: .log).latencyLabels([0.0005, 0.001, 0.002, 0.05, 0.2, 1])
                == ["0.5µs", "1µs", "2µs", "50µs", "200µs", "1ms"])
        #expect(AxisScale.percentLabels([0.9, 0.92, 0.94]) == ["90%", "92%", "94%"])
        #expect(AxisScale.percentLabels([0.93, 0.935, 0.94]) == ["93%", "93.5%", "94%"])
    }
}

extension AxisScaleTests {
    @Test func aLoneLatencyPicksItsOwnUnit() {
        #expect(AxisScale.latencyLabel(0.25) == "250µs")
        #expect(AxisScale.latencyLabel(5) == "5ms")
        #expect(AxisScale.latencyLabel(12.5) == "12.5ms")
    }
}

extension AxisScaleTests {
    @Test func asciiLabelsSpellMicroAsU() {
        #expect(AxisScale(lower: 0.04, upper: 0.6).latencyLabels([0.05, 0.5], ascii: true) == ["50us", "500us"])
        #expect(AxisScale.latencyLabel(0.001, ascii: true) == "1us")
    }
}
