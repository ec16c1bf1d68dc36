import AdaptEngine
import AdaptService
import AdaptTUI
import ArgumentParser
import Foundation

/// `adapt-top` without --batch: the ncurses dashboard on the embedded engine, or on a service's (--attach).
struct DashboardMode {
    let source: EngineSource
    let refreshSeconds: Double
    let readOnly: Bool
    let mouse: Bool
    let theme: String
    let themesFolder: String
    let logLatencyAxis: Bool
    /// Config-file mistakes, for the message line.
    let warnings: [String]

    func run() throws {
        guard isatty(STDOUT_FILENO) != 0, isatty(STDIN_FILENO) != 0 else {
            printError("the dashboard needs a terminal; use --batch for snapshots on a pipe")
            throw ExitCode(2)
        }
        let interrupted = InterruptFlag()
        var appOptions = DashboardApp.Options()
        appOptions.refreshSeconds = refreshSeconds
        appOptions.readOnly = readOnly
        appOptions.mouse = mouse
        appOptions.theme = theme
        appOptions.themes = ThemeCatalog(contentsOf: themesFolder)
        appOptions.logLatencyAxis = logLatencyAxis
        appOptions.warnings = warnings
        switch source {
        case .attached(let path):
            let engine = try EngineSource.attach(path, intervalSeconds: refreshSeconds, clientName: "adapt-top dashboard")
            appOptions.refreshChanged = { engine.setInterval($0) }
            DashboardApp(options: appOptions, snapshot: { engine.snapshot }, send: { try engine.send($0) },
                         shouldStop: { interrupted.raised }, link: { engine.trouble }).run()
            engine.stop()
        case .embedded(let options):
            let engine = try reportingModelErrors { try EngineStartup(options: options) }
            DashboardApp(options: appOptions, snapshot: { engine.snapshot }, send: { try engine.send($0) },
                         shouldStop: { interrupted.raised || engine.failure != nil }).run()
            engine.stop()
            // A start that failed (a corrupt model, a refused --inject) ends the dashboard with its message.
            if let failure = engine.failure {
                try reportingModelErrors { throw failure }
            }
        }
    }
}
