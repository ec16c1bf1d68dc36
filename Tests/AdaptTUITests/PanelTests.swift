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

    /// Attached to a service that went away: the badge says so first, and the state is not claimed as running.
    @Test func headerOfALostServiceSaysSo() {
        var buffer = ScreenBuffer(width: 120, height: 2)
        HeaderPanel().draw(SampleSnapshot.make(pinned: "cnn-w100-int8"), link: "disconnected — retrying", in: buffer.bounds, on: &buffer)
        let first = buffer.lines[0]
        #expect(first.hasPrefix("adapt-top  vm  up 1:23  family fashion-mnist  engine unreachable"), "\(first)")
        #expect(first.contains(" disconnected — retrying   PINNED cnn-w100-int8 "), "\(first)")
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

@Suite struct ResourcesPanelTests {
    static func snapshot(cpu: Double?, cores: [Double?], sequence: Int) -> EngineSnapshot {
        var snapshot = SampleSnapshot.make()
        snapshot.sequence = sequence
        snapshot.context.cpuUtil = cpu
        snapshot.context.coreUtil = cores
        snapshot.context.memTotalMb = 24_000
        snapshot.context.memAvailableMb = 23_000
        snapshot.context.cpuPressureAvg10 = 12.5
        snapshot.context.batteryPercent = 40
        snapshot.context.batteryInjected = true
        snapshot.context.injected = ["cpu load 3 × 100 %"]
        return snapshot
    }

    @Test func barsSparklinesAndUnavailableSensors() {
        var history = ResourceHistory(capacity: 10)
        for (index, cpu) in [0.1, 0.5, 1.0].enumerated() {
            history.record(Self.snapshot(cpu: cpu, cores: [cpu, 0.2], sequence: index))
        }
        history.record(Self.snapshot(cpu: 1.0, cores: [1.0, 0.2], sequence: 2))  // the same snapshot again: not recorded
        #expect(history.cpu.values.count == 3)
        var buffer = ScreenBuffer(width: 48, height: 11)
        ResourcesPanel().draw(Self.snapshot(cpu: 1.0, cores: [1.0, 0.2], sequence: 2), history: history, in: buffer.bounds, on: &buffer)
        let lines = buffer.lines
        #expect(lines[1].hasPrefix("│cpu0 [■■■■■") && lines[1].contains("100%"))
        #expect(lines[2].hasPrefix("│cpu1 [■■") && lines[2].contains("20%"))
        #expect(lines[3].contains("cpu") && lines[3].contains("100%") && lines[3].hasSuffix("▂▅█│"), "\(lines[3])")
        #expect(lines[4].contains("1000M/23.4G"), "memory used of total, as htop shows it")
        #expect(lines[6].contains("temp") && lines[6].contains("n/a"), "no thermal zone: n/a, not a made-up figure")
        #expect(lines[7].contains("40%*"), "an injected battery is marked")
        #expect(lines[8].contains("injected: cpu load 3 × 100 %"))
        #expect(buffer[1, 1].style.role == .dim && buffer[7, 1].style.role == .critical)
    }

    @Test func asciiModeUsesNoUnicode() {
        var history = ResourceHistory()
        history.record(Self.snapshot(cpu: 0.5, cores: [0.5], sequence: 0))
        var buffer = ScreenBuffer(width: 40, height: 10)
        ResourcesPanel(ascii: true).draw(Self.snapshot(cpu: 0.5, cores: [0.5], sequence: 0), history: history, in: buffer.bounds, on: &buffer)
        for line in buffer.lines { #expect(line.unicodeScalars.allSatisfy { $0.isASCII || $0 == "×" }, "\(line)") }
    }
}
