internal import Foundation
public import AdaptEngine

/// The dashboard's loop, on the calling thread (the only one that touches curses): keys become engine commands,
/// snapshots become frames. It reads snapshots and sends commands through closures, so the same loop works on an
/// embedded engine and, later, on one attached over a socket.
public final class DashboardApp {
    public struct Options: Sendable {
        public var refreshSeconds = 1.0
        public var readOnly = false
        public var mouse = true
        /// Where the `t` key finds themes (`themes/*.theme`).
        public var themes = ThemeCatalog(folder: nil, fileNames: [])
        public var theme = "default"
        public var logLatencyAxis = true
        /// Shown in the message line at start (the first of them) when the theme gave no warning: config mistakes.
        public var warnings: [String] = []
        public var environment: [String: String] = ProcessInfo.processInfo.environment
        /// Told when the operator changes the refresh interval (an attached dashboard asks the service to match).
        public var refreshChanged: (@Sendable (Double) -> Void)?

        public init() {}
    }

    private let snapshot: () -> EngineSnapshot
    private let send: (EngineCommand) throws -> Void
    private let shouldStop: () -> Bool
    private let link: () -> String?
    private var options: Options

    /// - Parameters:
    ///   - snapshot: the latest snapshot (called once per refresh and per key).
    ///   - send: applies a command; a thrown error's description is shown to the operator.
    ///   - shouldStop: true once a signal asks the program to end (the terminal is restored on the way out).
    ///   - link: attached to a service, what is wrong with the connection (a header badge); nil while it is fine.
    public init(options: Options, snapshot: @escaping () -> EngineSnapshot, send: @escaping (EngineCommand) throws -> Void,
                shouldStop: @escaping () -> Bool, link: @escaping () -> String? = { nil }) {
        (self.options, self.snapshot, self.send, self.shouldStop, self.link) = (options, snapshot, send, shouldStop, link)
    }

    /// Runs until `q` or a stop signal; the terminal is restored on every way out.
    ///
    /// Between frames the loop sleeps in curses' input wait until a key comes or the next refresh is due (at most
    /// 100 ms, so a resize or a signal is seen soon); a snapshot is fetched only to draw or to act on a key.
    public func run() {
        let screen = CursesScreen(mouse: options.mouse)
        defer { screen.restore() }
        let clock = ContinuousClock()
        var state = DashboardState(refreshSeconds: options.refreshSeconds, readOnly: options.readOnly)
        var history = ResourceHistory()
        let view = DashboardView(ascii: !screen.unicode)
        var themeName = options.theme
        state.message = applyTheme(themeName, to: screen) ?? ConfigWarning.summary(options.warnings)
        state.logLatencyAxis = options.logLatencyAxis
        var lastSequence = -1
        var nextRefresh = clock.now
        var needsDraw = true
        var current = snapshot()
        var refreshSeconds = state.refreshSeconds
        while !shouldStop() {
            let wait = max(.zero, min(.milliseconds(100), clock.now.duration(to: nextRefresh)))
            if let input = screen.nextInput(timeoutMilliseconds: Int32(wait / .milliseconds(1))) {
                needsDraw = true
                current = snapshot()
                switch input {
                case .hangup: return
                case .resize: break
                case .suspend: screen.suspend()
                case .click(let x, let y):
                    if let index = view.variantIndex(atX: x, y: y, state: state, width: screen.width, height: screen.height,
                                                     count: current.variants.count) {
                        state.selected = index
                    }
                case .key(.escape): DashboardController.escape(&state)
                case .key(let key):
                    guard let binding = KeyMap.binding(for: key) else { continue }
                    for effect in DashboardController.handle(binding.action, state: &state, snapshot: current) {
                        switch effect {
                        case .quit: return
                        case .cycleTheme:
                            themeName = options.themes.name(after: themeName)
                            state.message = applyTheme(themeName, to: screen) ?? "theme \(themeName)"
                        case .commands(let commands):
                            for command in commands {
                                do { try send(command) } catch { state.message = "\(error)" }
                            }
                            current = snapshot()
                        }
                    }
                    if state.refreshSeconds != refreshSeconds {
                        refreshSeconds = state.refreshSeconds
                        options.refreshChanged?(refreshSeconds)
                    }
                    // A new interval counts from now (the engine publishes every 100 ms, so this one is fresh).
                    nextRefresh = min(nextRefresh, clock.now + .seconds(state.refreshSeconds))
                }
            }
            if clock.now >= nextRefresh {
                current = snapshot()
                let trouble = link()
                if trouble != state.link {
                    state.link = trouble
                    needsDraw = true
                }
                if current.sequence != lastSequence {
                    history.record(current)
                    lastSequence = current.sequence
                    needsDraw = true
                    // While the engine starts, look often: its first real frame should not wait out an interval.
                    nextRefresh = clock.now + (current.state == .starting ? .milliseconds(100) : .seconds(state.refreshSeconds))
                } else {
                    // Nothing new yet: look again shortly rather than waiting a whole interval.
                    nextRefresh = clock.now + .milliseconds(50)
                }
            }
            if needsDraw {
                screen.show(view.render(current, state: &state, history: history, width: screen.width, height: screen.height))
                needsDraw = false
            }
        }
    }

    /// Loads and applies a theme; returns the warning to show if its file was bad.
    private func applyTheme(_ name: String, to screen: CursesScreen) -> String? {
        let (theme, warning) = options.themes.load(name)
        screen.setStyles(theme.resolved(colors: screen.colors, noColor: Theme.noColorRequested(environment: options.environment)))
        return warning.map { "\($0)" }
    }
}
