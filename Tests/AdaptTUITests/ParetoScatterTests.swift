import Foundation
import Testing
@testable import AdaptEngine
@testable import AdaptTUI

@Suite struct ParetoScatterTests {
    static func variant(_ id: String, accuracy: Double, p95: Double, front: Bool,
                        state: EngineSnapshot.Variant.State = .ready, predicted: Double? = nil) -> EngineSnapshot.Variant {
        EngineSnapshot.Variant(
            id: id, parent: "base", transform: id == "base" ? "none" : "derived", accuracy: accuracy,
            latencyMsP50: p95 * 0.8, latencyMsP95: p95, memoryMb: 1, onFront: front, state: state,
            predictedLatencyMsP95: predicted, observedLatencyMsP95: nil, detail: nil)
    }

    /// Six variants between 50 µs and 0.4 ms; "q8" runs and is predicted at 0.3 ms under contention.
    static func snapshot(budget: Double = 0.25, floor: Double = 0.9, predicted: Double? = 0.3) -> EngineSnapshot {
        EngineSnapshot(
            sequence: 1, timestamp: 0, uptimeSeconds: 1, host: "test", family: "mnist", state: .running,
            active: .init(id: "q8", transform: "derived", pinned: false, secondsSinceSwitch: 1),
            policy: .init(mode: "auto", latencyBudgetMs: budget, memoryBudgetMb: 100, accuracyFloor: floor,
                          paused: false, pinned: nil, contention: 2, reason: ""),
            context: .unavailable,
            inference: .init(count: 0, throughputIps: nil, latencyMs: nil, latencyMsSinceStart: nil, accuracy: nil,
                             confidence: nil, entropy: nil, drops: 0, switches: 0, stoppedBecause: nil),
            variants: [
                variant("base", accuracy: 0.95, p95: 0.40, front: true),
                variant("q8", accuracy: 0.945, p95: 0.15, front: true, state: .active, predicted: predicted),
                variant("p50", accuracy: 0.93, p95: 0.10, front: true),
                variant("p50-q8", accuracy: 0.92, p95: 0.12, front: false),
                variant("p75", accuracy: 0.90, p95: 0.06, front: true),
                variant("p90", accuracy: 0.85, p95: 0.05, front: true, state: .failed),
            ],
            events: [])
    }

    static func render(_ scatter: ParetoScatter, _ snapshot: EngineSnapshot, buffer size: (Int, Int), rect: Rect) -> ScreenBuffer {
        var buffer = ScreenBuffer(width: size.0, height: size.1)
        buffer.fill(buffer.bounds, with: "#")
        scatter.draw(snapshot, into: &buffer, in: rect)
        return buffer
    }

    /// Where `character` is in the buffer, top to bottom, left to right.
    static func find(_ character: Unicode.Scalar, in buffer: ScreenBuffer) -> [(x: Int, y: Int)] {
        (0..<buffer.height).flatMap { y in (0..<buffer.width).filter { buffer[$0, y].scalar == character }.map { ($0, y) } }
    }

    /// The buffer outside `rect` still holds the `#` it was filled with.
    static func untouchedOutside(_ rect: Rect, _ buffer: ScreenBuffer) -> Bool {
        (0..<buffer.height).allSatisfy { y in
            (0..<buffer.width).allSatisfy { x in
                (x >= rect.x && x < rect.maxX && y >= rect.y && y < rect.maxY) || buffer[x, y].scalar == "#"
            }
        }
    }

    @Test func rendersTheExpectedPlotAtSixtyBySixteen() {
        let rect = Rect(x: 2, y: 1, width: 60, height: 16)
        let buffer = Self.render(ParetoScatter(xAxis: .log), Self.snapshot(), buffer: (64, 18), rect: rect)
        #expect(buffer.lines == [
            "################################################################",
            "##Pareto: accuracy vs p95 latency (log)                       ##",
            "##   │                                        ⡇               ##",
            "##   │                           ⣀⡠◆⠤q8⠤⠔⠒⠒⠒⠒⠒⡗⠒⠒⠒◇⠉⠉⠉⠉⠉⠁     ##",
            "##94%┤                     ⢀⣀⠤⠔⠊⠉             ⡇               ##",
            "##   │                  ⡠⠔⠊⠁                  ⡇               ##",
            "##92%┤              ⢀⠤⠒⠉      ⠂               ⡇               ##",
            "##   │           ⣀⠔⠊⠁                         ⡇               ##",
            "##90%┤⠒⠒⠒⠒⠒⠒⠒⠒⠒⡲⠛⠒⠒⠒⠒⠒⠒⠒⠒⠒⠒⠒⠒⠒⠒⠒⠒⠒⠒⠒⠒⠒⠒⠒⠒⠒⠒⠒⠒⠒⡗⠒⠒⠒⠒⠒⠒⠒⠒⠒⠒⠒⠒⠒⠒⠒##",
            "##   │        ⢠⠃                              ⡇               ##",
            "##88%┤       ⢀⠇                               ⡇               ##",
            "##   │       ⡜                                ⡇               ##",
            "##86%┤      ⡰⠁                                ⡇               ##",
            "##   │     ⢠⠃                                 ⡇               ##",
            "##   │                                        ⡇               ##",
            "##   └─────┬──────────────┬──────────────┬──────────────────┬─##",
            "##       50µs           100µs          200µs             500µs##",
            "################################################################",
        ])
        #expect(buffer[35, 3].scalar == "◆" && buffer[35, 3].style == CellStyle(.active, bold: true))
        #expect(buffer[37, 3].style.role == .active)
        #expect(buffer[46, 2].style.role == .budget)
        #expect(buffer[6, 8].style.role == .floor)
        #expect(buffer[50, 3].scalar == "◇" && buffer[50, 3].style.role == .active)
    }

    @Test func theBudgetLineIsWhereTheBudgetFallsBetweenTicks() throws {
        let rect = Rect(x: 0, y: 0, width: 60, height: 16)
        for xAxis in [AxisScale.Kind.log, .linear] {
            let buffer = Self.render(ParetoScatter(xAxis: xAxis), Self.snapshot(budget: 0.25), buffer: (60, 16), rect: rect)
            let ticks = Self.find("┬", in: buffer).map(\.x)
            let labels = buffer.lines[15]
            // 0.25 ms lies between the 200 µs tick and the next one (500 µs on log, 300 µs on linear).
            let next = xAxis == .log ? 0.5 : 0.3
            let fraction = xAxis == .log ? (log10(0.25) - log10(0.2)) / (log10(next) - log10(0.2)) : (0.25 - 0.2) / (next - 0.2)
            // Labels are centred on their tick: "200µs" starts two columns left of it.
            let label = try #require(labels.range(of: "200µs"))
            let low = try #require(ticks.firstIndex(of: labels.distance(from: labels.startIndex, to: label.lowerBound) + 2))
            let expected = Double(ticks[low]) + fraction * Double(ticks[low + 1] - ticks[low])
            let budgetColumns = Set((0..<buffer.height).flatMap { y in (0..<buffer.width).filter { buffer[$0, y].style.role == .budget } })
            #expect(budgetColumns.count == 1)
            #expect(abs(Double(budgetColumns.first ?? -99) - expected) <= 1)
        }
    }

    @Test func linearTicksAreEvenlySpaced() {
        let buffer = Self.render(ParetoScatter(xAxis: .linear), Self.snapshot(), buffer: (60, 16), rect: Rect(x: 0, y: 0, width: 60, height: 16))
        #expect(buffer.lines[15].split(separator: " ") == ["100µs", "200µs", "300µs", "400µs"])
        let ticks = Self.find("┬", in: buffer).map(\.x)
        let gaps = zip(ticks, ticks.dropFirst()).map { $1 - $0 }
        #expect(ticks.count == 4 && (gaps.max() ?? 0) - (gaps.min() ?? 0) <= 1)
        #expect(!buffer.lines[0].contains("(log)"))
    }

    @Test func largeTerminalShowsLegendMarkerAndLabel() throws {
        let rect = Rect(x: 2, y: 1, width: 120, height: 40)
        let buffer = Self.render(ParetoScatter(), Self.snapshot(), buffer: (124, 42), rect: rect)
        #expect(Self.untouchedOutside(rect, buffer))
        #expect(buffer.lines[1].hasSuffix("◆ active ◇ predicted now##"))
        let marker = try #require(Self.find("◆", in: buffer).count == 2 ? Self.find("◆", in: buffer).last : nil)
        #expect(String(buffer.lines[marker.y].dropFirst(marker.x + 2).prefix(2)) == "q8")
        #expect(Self.find("◇", in: buffer).count == 2)
        let predicted = try #require(Self.find("◇", in: buffer).last)
        #expect(predicted.y == marker.y && predicted.x > marker.x)
        let yLabels = buffer.lines.compactMap { $0.split(separator: "┤").first.map { $0.trimmingPrefix("#") } }.filter { $0.hasSuffix("%") }
        #expect(yLabels.count >= 3 && yLabels.count <= 5)
    }

    @Test func predictedMarkerOnlyWhenItMovesTheVariant() {
        let rect = Rect(x: 0, y: 0, width: 60, height: 16)
        for predicted in [nil, 0.15] as [Double?] {
            let buffer = Self.render(ParetoScatter(), Self.snapshot(predicted: predicted), buffer: (60, 16), rect: rect)
            #expect(Self.find("◇", in: buffer).isEmpty)
            #expect(Self.find("◆", in: buffer).count == 1)
        }
    }

    @Test func farBudgetAndFloorBecomeArrowsAtTheEdge() {
        let rect = Rect(x: 0, y: 0, width: 60, height: 16)
        let buffer = Self.render(ParetoScatter(), Self.snapshot(budget: 5, floor: 0.5), buffer: (60, 16), rect: rect)
        #expect(buffer.lines[1].hasSuffix("budget 5ms→"))
        #expect(buffer.lines[13].hasPrefix("   │↓floor 50%"))
        // No line for either: no full-height column, and no 50% tick dragged in.
        #expect(Self.find("⡇", in: buffer).isEmpty)
        #expect(!buffer.lines.contains { $0.contains("50%┤") })
    }

    @Test func asciiModeUsesOnlyAsciiCharacters() throws {
        let rect = Rect(x: 0, y: 0, width: 60, height: 16)
        let buffer = Self.render(ParetoScatter(glyphs: .ascii), Self.snapshot(), buffer: (60, 16), rect: rect)
        #expect(buffer.lines.allSatisfy { $0.unicodeScalars.allSatisfy(\.isASCII) })
        #expect(buffer.lines[15].split(separator: " ") == ["50us", "100us", "200us", "500us"])
        let marker = try #require(Self.find("@", in: buffer).first)
        #expect(String(buffer.lines[marker.y].dropFirst(marker.x + 2).prefix(2)) == "q8")
        #expect(Self.find("+", in: buffer).contains { $0.y == marker.y && $0.x > marker.x })
    }

    @Test func tinyAreasShowTheMessage() {
        let rect = Rect(x: 1, y: 1, width: 19, height: 5)
        let buffer = Self.render(ParetoScatter(), Self.snapshot(), buffer: (22, 7), rect: rect)
        #expect(buffer.lines[3] == "#enlarge" + String(repeating: " ", count: 12) + "##")
        // The longest message that fits, never a cut one.
        for (width, message) in [(40, "enlarge for the Pareto plot"), (20, "enlarge for the plot"), (8, "enlarge"), (5, "")] {
            var wide = ScreenBuffer(width: width, height: 3)
            ParetoScatter().draw(Self.snapshot(), into: &wide, in: wide.bounds)
            #expect(wide.lines[1] == message.padding(toLength: width, withPad: " ", startingAt: 0))
        }
        #expect(Self.untouchedOutside(rect, buffer))
        #expect(buffer.lines[1] == "#" + String(repeating: " ", count: 19) + "##")
    }

    @Test func neverDrawsOutsideItsRectAtAnySize() {
        for glyphs in [BrailleCanvas.Glyphs.braille, .ascii] {
            for width in 0...70 {
                for height in 0...20 {
                    let rect = Rect(x: 1, y: 2, width: width, height: height)
                    for snapshot in [Self.snapshot(), Self.snapshot(budget: 0.001, floor: 0.99, predicted: 40)] {
                        let buffer = Self.render(ParetoScatter(glyphs: glyphs), snapshot, buffer: (width + 3, height + 4), rect: rect)
                        #expect(Self.untouchedOutside(rect, buffer), "\(width)×\(height)")
                    }
                }
            }
        }
        // A rectangle partly off the buffer is clipped, not a crash.
        let buffer = Self.render(ParetoScatter(), Self.snapshot(), buffer: (30, 10), rect: Rect(x: 10, y: 4, width: 60, height: 16))
        #expect(buffer.lines[0] == String(repeating: "#", count: 30))
    }

    @Test func noVariantsYetIsSaidNotCrashed() {
        var snapshot = Self.snapshot()
        snapshot.variants = []
        snapshot.active.id = nil
        let buffer = Self.render(ParetoScatter(), snapshot, buffer: (60, 16), rect: Rect(x: 0, y: 0, width: 60, height: 16))
        #expect(buffer.lines.contains { $0.contains("no variants yet") })
        #expect(Self.find("◆", in: buffer).isEmpty)
    }
}
