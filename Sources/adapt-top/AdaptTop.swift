import Foundation
import AdaptEngine
import AdaptInference
import ArgumentParser

@main
struct AdaptTop: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "adapt-top",
        abstract: "A top for adaptive on-device deep learning.",
        discussion: """
            Runs a family of ONNX model variants on this device (XNNPACK) and adapts which one runs to the device's \
            context and the operator's budgets. `adapt-top --batch` prints the engine's snapshots like `top -b`; \
            the live dashboard is not built yet. `adapt-top profile` measures the variants, `adapt-top eval` \
            replays a context trace against the engine and baselines, `adapt-top model` inspects, runs and \
            benchmarks one model.
            """,
        subcommands: [EngineCommandLine.self, ModelCommand.self, ProfileCommand.self, EvalCommand.self],
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
            """)

    @Flag(help: "Print engine snapshots on stdout instead of the dashboard, like `top -b`.")
    var batch = false

    @Option(name: [.customShort("n"), .customLong("iterations")], help: "Snapshots to print in batch mode (default: until interrupted).")
    var iterations: Int?

    @Option(name: [.customShort("d"), .customLong("delay")], help: "Seconds between snapshots (the dashboard's refresh; + and - change it).")
    var delay: Double = 1

    @Flag(help: "With --batch: one JSON object per snapshot and line.")
    var json = false

    @Flag(help: "Dashboard: watch only — no pins, budgets, modes, pauses or injections (they change the engine).")
    var readonly = false

    @Flag(help: "Dashboard: ignore the mouse (clicks select a variant where the terminal reports them).")
    var noMouse = false

    @Option(help: "Dashboard: the colour theme to start with (a name in --themes; t cycles them).")
    var theme = "default"

    @Option(help: "Dashboard: the folder of `*.theme` files.", completion: .directory)
    var themes = "themes"

    @OptionGroup var engine: EngineOptions

    func validate() throws {
        if let iterations, iterations < 1 { throw ValidationError("-n must be at least 1") }
        guard delay >= 0.1, delay.isFinite else { throw ValidationError("-d must be at least 0.1 seconds") }
        if json && !batch { throw ValidationError("--json needs --batch") }
    }

    func run() throws {
        guard batch else {
            try DashboardMode(options: engine, refreshSeconds: delay, readOnly: readonly, mouse: !noMouse, theme: theme,
                              themesFolder: themes).run()
            return
        }
        try BatchMode(options: engine, iterations: iterations, delay: delay, json: json).run()
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
