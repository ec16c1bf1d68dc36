import Testing
@testable import AdaptEngine
@testable import AdaptTUI

@Suite struct PanelTests {
    @Test(arguments: [(80, 24), (120, 40), (200, 60)])
    func layoutTilesTheScreenWithoutOverlap(_ width: Int, _ height: Int) throws {
        let layout = try #require(DashboardLayout(width: width, height: height))
        let rects = [layout.header, layout.resources, layout.pareto, layout.variants, layout.inference, layout.events, layout.keyBar]
        #expect(rects.reduce(0) { $0 + $1.width * $1.height } == width * height, "every cell belongs to one panel")
        for (index, a) in rects.enumerated() {
            #expect(a.x >= 0 && a.y >= 0 && a.maxX <= width && a.maxY <= height)
            for b in rects[(index + 1)...] {
                let overlaps = a.x < b.maxX && b.x < a.maxX && a.y < b.maxY && b.y < a.maxY
                #expect(!overlaps, "\(a) overlaps \(b)")
            }
        }
        #expect(layout.variants.height >= 6 && layout.pareto.height >= 6)
    }

    @Test func belowTheMinimumThereIsOnlyAMessage() {
        #expect(DashboardLayout(width: 40, height: 12) == nil)
        #expect(DashboardLayout.sizeMessage(width: 40, height: 12)[1] == "this terminal: 40×12")
    }

    @Test func headerShowsPolicyBudgetsBadgesAndTheReason() {
        var buffer = ScreenBuffer(width: 120, height: 2)
        HeaderPanel().draw(SampleSnapshot.make(pinned: "cnn-w100-int8", paused: true), in: buffer.bounds, on: &buffer)
        let lines = buffer.lines
        #expect(lines[0].hasPrefix("adapt-top  vm  up 1:23  family fashion-mnist  engine running"))
        #expect(lines[0].contains(" PAUSED ") && lines[0].contains(" PINNED cnn-w100-int8 "))
        #expect(lines[1].hasPrefix("max-accuracy  p95 ≤ 300µs  mem ≤ 8.00M  acc ≥ 90.0%  ▶ cnn-w100-int8  ×1.07  cnn-w100-int8 stays"))
    }

    @Test func variantsTableKeepsTheSelectionInViewAndMarksTheActiveRow() {
        var buffer = ScreenBuffer(width: 70, height: 8)
        let snapshot = SampleSnapshot.make(variants: 20)
        let offset = VariantsPanel().draw(snapshot, selected: 15, scroll: 0, in: buffer.bounds, on: &buffer)
        // 8 rows: border, header, 5 rows, border; row 15 must be among the 5 shown.
        #expect(offset == 11)
        let lines = buffer.lines
        #expect(lines[0].hasPrefix("┌─ variants 20, front 5 "))
        #expect(lines[1].contains("VARIANT") && lines[1].contains("P95") && lines[1].contains("STATE"))
        #expect(lines[6].contains("extra-15"))
        #expect(buffer[2, 6].style.reverse, "the selected row is highlighted")
        var top = ScreenBuffer(width: 70, height: 10)
        VariantsPanel().draw(snapshot, selected: 0, scroll: 0, in: top.bounds, on: &top)
        let active = top.lines[5]
        #expect(active.contains("▶ cnn-w100-int8") && active.contains("93.00%") && active.contains("91µs") && active.contains("active"))
        #expect(VariantsPanel.scrollOffset(selected: 2, count: 20, rows: 5, previous: 11) == 2)
        #expect(VariantsPanel.scrollOffset(selected: 3, count: 3, rows: 5, previous: 4) == 0)
    }

    @Test func narrowTablesDropColumnsNotTheId() {
        var buffer = ScreenBuffer(width: 30, height: 6)
        VariantsPanel().draw(SampleSnapshot.make(), selected: 0, scroll: 0, in: buffer.bounds, on: &buffer)
        #expect(buffer.lines[2].contains("mlp-int8"))
        #expect(!buffer.lines[1].contains("STATE"))
    }

    @Test func inferenceAndEventsShowTheirFigures() {
        var buffer = ScreenBuffer(width: 50, height: 10)
        InferencePanel().draw(SampleSnapshot.make(), in: buffer.bounds, on: &buffer)
        let text = buffer.lines.joined(separator: "\n")
        #expect(text.contains("12.3k/s") && text.contains("67µs / 93µs") && text.contains("92.60%") && text.contains("123k"))
        var events = ScreenBuffer(width: 100, height: 4)
        EventsPanel().draw(SampleSnapshot.make(), in: events.bounds, on: &events)
        #expect(events.lines[2].contains("12.5s switch") && events.lines[2].contains("cnn-w100 → cnn-w100-int8"))
    }

    @Test func keyBarListsTheTableAndHidesMutationsWhenReadOnly() {
        var buffer = ScreenBuffer(width: 120, height: 1)
        KeyBar().draw(in: buffer.bounds, on: &buffer)
        #expect(buffer.lines[0].hasPrefix("hHelp qQuit EnterDetails pPin"))
        var readOnly = ScreenBuffer(width: 120, height: 1)
        KeyBar(readOnly: true).draw(in: readOnly.bounds, on: &readOnly)
        #expect(!readOnly.lines[0].contains("Pin") && readOnly.lines[0].contains("Theme"))
    }

    /// Every panel stays inside its rectangle, whatever the size.
    @Test(arguments: [(1, 1), (5, 3), (19, 4), (61, 18)])
    func panelsNeverDrawOutsideTheirRect(_ width: Int, _ height: Int) {
        var buffer = ScreenBuffer(width: width + 4, height: height + 4)
        let rect = Rect(x: 2, y: 2, width: width, height: height)
        let snapshot = SampleSnapshot.make(variants: 12)
        HeaderPanel().draw(snapshot, in: rect, on: &buffer)
        VariantsPanel().draw(snapshot, selected: 3, scroll: 0, in: rect, on: &buffer)
        InferencePanel().draw(snapshot, in: rect, on: &buffer)
        EventsPanel().draw(snapshot, in: rect, on: &buffer)
        KeyBar().draw(in: rect, on: &buffer)
        for y in 0..<buffer.height {
            for x in 0..<buffer.width where x < rect.x || x >= rect.maxX || y < rect.y || y >= rect.maxY {
                #expect(buffer[x, y] == Cell(), "(\(x), \(y)) was drawn")
            }
        }
    }
}
