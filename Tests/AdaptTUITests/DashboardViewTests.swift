import Testing
@testable import AdaptEngine
@testable import AdaptTUI

/// The whole frame, composed in memory at the sizes the issue names.
@Suite struct DashboardViewTests {
    @Test(arguments: [(80, 24), (120, 40), (200, 60)])
    func everyPanelIsThereAtCommonSizes(_ width: Int, _ height: Int) {
        var state = DashboardState()
        var history = ResourceHistory()
        let snapshot = SampleSnapshot.make()
        history.record(snapshot)
        let buffer = DashboardView().render(snapshot, state: &state, history: history, width: width, height: height)
        let text = buffer.lines.joined(separator: "\n")
        for expected in ["adapt-top  vm", "max-accuracy", "resources", "pareto front", "variants 6", "inference", "events",
                         "hHelp qQuit", "cnn-w100-int8"] {
            #expect(text.contains(expected), "\(width)×\(height) lacks \(expected)")
        }
        #expect(buffer.lines.allSatisfy { $0.count == width })
    }

    /// A terminal without UTF-8 gets ASCII only: the widgets' own ASCII glyphs, and look-alikes for the arrows and
    /// units in text that comes from the engine.
    @Test func asciiFramesHoldOnlyASCII() {
        var history = ResourceHistory()
        let snapshot = SampleSnapshot.make(pinned: "cnn-w50-int8")
        history.record(snapshot)
        for (width, height) in [(80, 24), (160, 48), (40, 12)] {
            for help in [false, true] {
                var state = DashboardState()
                state.showHelp = help
                let text = DashboardView(ascii: true).render(snapshot, state: &state, history: history, width: width, height: height)
                    .lines.joined(separator: "\n")
                let foreign = text.unicodeScalars.filter { !$0.isASCII }
                #expect(foreign.isEmpty, "\(width)×\(height): \(String(String.UnicodeScalarView(foreign)))")
                if width >= 60 && !help {
                    #expect(text.contains("p95 <= 300us") && text.contains("acc >= 90.0%"), "\(text)")
                    #expect(text.contains("cnn-w100 > cnn-w100-int8"), "the engine's arrow becomes >")
                }
            }
        }
    }

    @Test func aTinyTerminalShowsOnlyTheSizeMessage() {
        var state = DashboardState()
        let buffer = DashboardView().render(SampleSnapshot.make(), state: &state, history: ResourceHistory(), width: 40, height: 12)
        let text = buffer.lines.joined(separator: "\n")
        #expect(text.contains("needs at least 60×18") && text.contains("this terminal: 40×12"))
        #expect(!text.contains("variants"))
    }

    @Test func helpAndDetailsOverlays() {
        var state = DashboardState()
        state.showHelp = true
        let snapshot = SampleSnapshot.make()
        let help = DashboardView().render(snapshot, state: &state, history: ResourceHistory(), width: 120, height: 40)
        #expect(help.lines.joined().contains("pin the selected variant (again: unpin)"))
        state.showHelp = false
        state.details = "resnet-8-wide"
        let details = DashboardView().render(snapshot, state: &state, history: ResourceHistory(), width: 120, height: 40)
        let text = details.lines.joined(separator: "\n")
        #expect(text.contains("off the front: cnn-w100-int8 is at least as accurate"), "\(text)")
        #expect(text.contains("latency over 300µs"))
    }

    @Test func aClickSelectsTheVariantUnderIt() throws {
        var state = DashboardState()
        let view = DashboardView()
        _ = view.render(SampleSnapshot.make(), state: &state, history: ResourceHistory(), width: 120, height: 40)
        let layout = try #require(DashboardLayout(width: 120, height: 40))
        // The first data row is two below the table's top border (border, header).
        #expect(view.variantIndex(atX: 5, y: layout.variants.y + 2, state: state, width: 120, height: 40, count: 6) == 0)
        #expect(view.variantIndex(atX: 5, y: layout.variants.y + 5, state: state, width: 120, height: 40, count: 6) == 3)
        #expect(view.variantIndex(atX: 5, y: layout.variants.y, state: state, width: 120, height: 40, count: 6) == nil)
    }
}
