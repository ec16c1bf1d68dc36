import Foundation
import AdaptEngine
import AdaptInference
import AdaptTUI
import ArgumentParser

// A synchronous root on purpose: every command runs on the main thread, which the dashboard's curses loop and its
// signal handling rely on (an async root runs `run()` on a pool thread and parks the main thread in dispatch_main,
// where Ctrl-Z went astray). `serve` bridges to its async service group itself.
@main
struct AdaptTop: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "adapt-top",
        abstract: "A top for adaptive on-device deep learning.",
        discussion: """
            Runs a family of ONNX model variants on this device (XNNPACK) and adapts which one runs to the device's \
            context and the operator's budgets. `adapt-top` opens the dashboard on it, `adapt-top --batch` prints \
            its snapshots like `top -b`. `adapt-top serve` runs the engine as a service; `adapt-top --attach SOCKET` \
            shows it and `adapt-top ctl` steers it from scripts. `adapt-top profile` measures the variants, `adapt-top eval` replays a \
            context trace against the engine and baselines, `adapt-top model` inspects, runs and benchmarks one \
            model, `adapt-top config` writes and shows the dashboard's config file.
            """,
        subcommands: [EngineCommandLine.self, ServeCommand.self, CtlCommand.self, ModelCommand.self, ProfileCommand.self, EvalCommand.self,
                      ConfigCommand.self],
        defaultSubcommand: EngineCommandLine.self
    )
}

/// `adapt-top [--batch …]`: the default command, so its options (--json, -n) never collide with a subcommand's.
struct EngineCommandLine: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the adaptation engine on a family (the default command): the dashboard, or snapshots with --batch.",
        discussion: """
            The engine keeps inferring on the family's labelled images, replayed like a camera, while it picks the \
            variant along the Pareto front that fits the budgets under the device's current contention. --batch \
            prints a snapshot every -d seconds: text like `top -b`, or with --json one object per line with the \
            fields DESIGN.md lists (absent values null). SIGINT or SIGTERM stops it cleanly.

            The dashboard's settings (-d, --theme, --themes, --mouse, --readonly) come from its flags, else from the \
            config file (adapt-top config path; adapt-top config init writes a commented one), else the built-in \
            defaults. Batch mode ignores the config file, so its output is the same for every user.
            """)

    @Flag(help: "Print engine snapshots on stdout instead of the dashboard, like `top -b`.")
    var batch = false

    @Option(name: [.customShort("n"), .customLong("iterations")], help: "Snapshots to print in batch mode (default: until interrupted).")
    var iterations: Int?

    // Optional so an absent flag is told apart from a given one: the dashboard then takes the config file's value.
    @Option(name: [.customShort("d"), .customLong("delay")],
            help: "Seconds between batch snapshots (default 1) or dashboard refreshes (default: the config file's refresh_seconds, else 1; + and - change it).")
    var delay: Double?

    @Flag(help: "With --batch: one JSON object per snapshot and line.")
    var json = false

    @Flag(inversion: .prefixedNo,
          help: "Dashboard: watch only — no pins, budgets, modes, pauses or injections (they change the engine; default: off).")
    var readonly: Bool?

    @Flag(inversion: .prefixedNo, help: "Dashboard: clicks select a variant, where the terminal reports them (default: on).")
    var mouse: Bool?

    @Option(help: "Dashboard: the colour theme to start with (a name in the themes folder; t cycles them; default: the config file's theme, else default).")
    var theme: String?

    @Option(help: ArgumentHelp(
        "Dashboard: the folder of `*.theme` files.",
        discussion: "Default: the config file's themes_folder, else themes next to the config file, else the themes installed with adapt-top (the repository's for a build in its .build), else ./themes."),
        completion: .directory)
    var themes: String?

    @Option(help: ArgumentHelp("Show the engine of a running `adapt-top serve` through its control socket instead of starting one (the engine options then do not apply).",
                               valueName: "socket"), completion: .file())
    var attach: String?

    @OptionGroup var engine: EngineOptions

    func validate() throws {
        if attach != nil, !engine.inject.isEmpty || engine.fps != nil {
            throw ValidationError("--inject and --fps start an engine; with --attach use `adapt-top ctl` on the service")
        }
        if let iterations, iterations < 1 { throw ValidationError("-n must be at least 1") }
        if let delay, !(delay >= DashboardConfig.minimumRefreshSeconds && delay.isFinite) {
            throw ValidationError("-d must be at least \(DashboardConfig.minimumRefreshSeconds) seconds")
        }
        if json && !batch { throw ValidationError("--json needs --batch") }
    }

    func run() throws {
        let source = attach.map { EngineSource.attached(socket: $0) } ?? .embedded(engine)
        guard batch else {
            // A flag wins over the config file, the file over the built-in default.
            let environment = ProcessInfo.processInfo.environment
            let (_, file) = DashboardConfig.loadUserFile(environment: environment)
            let config = file.config
            for warning in file.warnings { printError("warning: \(warning)") }
            let themesFolder = DashboardConfig.resolveThemesFolder(
                commandLine: themes, config: config, environment: environment, executablePath: executablePath(),
                isDirectory: DashboardConfig.directoryExists)
            try DashboardMode(source: source, refreshSeconds: delay ?? config.refreshSeconds,
                              readOnly: readonly ?? config.readOnly, mouse: mouse ?? config.mouse, theme: theme ?? config.theme,
                              themesFolder: themesFolder.path, logLatencyAxis: config.latencyAxis == .log,
                              warnings: file.warnings.map(\.description)).run()
            return
        }
        try BatchMode(source: source, iterations: iterations, delay: delay ?? 1, json: json).run()
    }
}

struct ModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "Inspect, run and benchmark one ONNX model.",
        subcommands: [ModelInspect.self, ModelRun.self, ModelBench.self]
    )
}

/// Runs `body`, turning a model error into one line on stderr and exit status 1 (never a crash trace).
func reportingModelErrors<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as ModelError {
        printError(error.description)
        throw ExitCode(1)
    } catch let error as NPYError {
        printError(error.description)
        throw ExitCode(1)
    } catch let error as ConfigurationError {
        printError(error.description)
        throw ExitCode(1)
    } catch let error as EngineCommandError {
        printError(error.description)
        throw ExitCode(1)
    } catch let error as DatasetError {
        printError(error.description)
        throw ExitCode(1)
    }
}

func printError(_ message: String) {
    var standardError = StandardError()
    print("adapt-top: \(message)", to: &standardError)
}

struct StandardError: TextOutputStream {
    mutating func write(_ string: String) {
        FileHandle.standardError.write(Data(string.utf8))
    }
}
