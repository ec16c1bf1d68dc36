import Testing
@testable import AdaptEngine
@testable import AdaptTUI

@Suite struct DashboardControllerTests {
    func handle(_ action: DashboardAction, _ state: inout DashboardState, _ snapshot: EngineSnapshot = SampleSnapshot.make()) -> [DashboardEffect] {
        DashboardController.handle(action, state: &state, snapshot: snapshot)
    }

    @Test func selectAndPinTheSelectedVariantThenUnpin() {
        var state = DashboardState()
        for _ in 0..<2 { _ = handle(.selectDown, &state) }
        #expect(state.selected == 2)
        #expect(handle(.togglePin, &state) == [.commands([.pin(variant: "cnn-w50-int8")])])
        let pinned = SampleSnapshot.make(pinned: "cnn-w50-int8")
        #expect(handle(.togglePin, &state, pinned) == [.commands([.unpin])])
        for _ in 0..<20 { _ = handle(.selectDown, &state) }
        #expect(state.selected == 5, "selection stops at the last variant")
        #expect(handle(.auto, &state) == [.commands([.unpin, .resume])])
    }

    @Test func budgetsModePauseAndInjections() {
        var state = DashboardState()
        #expect(handle(.latencyBudgetUp, &state) == [.commands([.setLatencyBudget(milliseconds: 0.3 * 1.25)])])
        #expect(handle(.latencyBudgetDown, &state) == [.commands([.setLatencyBudget(milliseconds: 0.3 / 1.25)])])
        #expect(handle(.accuracyFloorUp, &state) == [.commands([.setAccuracyFloor(0.91)])])
        #expect(handle(.cycleMode, &state) == [.commands([.setMode(.minLatency)])])
        #expect(handle(.togglePause, &state) == [.commands([.pause])])
        #expect(handle(.togglePause, &state, SampleSnapshot.make(paused: true)) == [.commands([.resume])])
        var loaded = SampleSnapshot.make()
        loaded.context.coreUtil = [0.5, 0.5]
        #expect(handle(.toggleCPULoad, &state, loaded) == [.commands([.startCPULoad(threads: 3, duty: 1)])])
        loaded.context.injected = ["cpu load 3 × 100 %"]
        #expect(handle(.toggleCPULoad, &state, loaded) == [.commands([.stopCPULoad])])
        #expect(handle(.cycleTheme, &state) == [.cycleTheme] && handle(.quit, &state) == [.quit])
    }

    @Test func readOnlyRefusesMutationsAndSaysSo() {
        var state = DashboardState(readOnly: true)
        #expect(handle(.togglePin, &state).isEmpty)
        #expect(state.message?.hasPrefix("read-only:") == true)
        #expect(handle(.selectDown, &state).isEmpty && state.selected == 1 && state.message == nil)
    }

    @Test func helpDetailsAxisAndRefresh() {
        var state = DashboardState()
        _ = handle(.help, &state)
        #expect(state.showHelp)
        _ = handle(.details, &state)
        #expect(state.details == "mlp-int8" && !state.showHelp)
        DashboardController.escape(&state)
        #expect(state.details == nil)
        _ = handle(.toggleLogAxis, &state)
        #expect(!state.logLatencyAxis)
        _ = handle(.refreshFaster, &state)
        #expect(state.refreshSeconds == 0.5)
        for _ in 0..<10 { _ = handle(.refreshSlower, &state) }
        #expect(state.refreshSeconds == 10)
    }
}
