import AdaptEngine
import AdaptService
import ArgumentParser
import Foundation

/// `adapt-top ctl`: one command to a running service, for scripts — silent on success, one line on stderr and a
/// non-zero status on any error.
struct CtlCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ctl",
        abstract: "Send one command to a running `adapt-top serve` (for scripts).",
        discussion: """
            Prints nothing on success (status prints the snapshot). Exit status: 0 done, 1 the service refused \
            the command (its reason on stderr), 3 the service cannot be reached or went away, 64 a usage error.
            """,
        subcommands: [Pin.self, Unpin.self, Budget.self, Policy.self, Pause.self, Resume.self, Inject.self, Status.self])

    // Declared here too so `ctl --socket PATH pin ID` parses (the subcommands read the same options).
    @OptionGroup var connection: Connection

    struct Connection: ParsableArguments {
        @Option(help: ArgumentHelp("The service's control socket (default: $XDG_RUNTIME_DIR/adapt-top.sock, else /tmp/adapt-top-UID/control.sock).",
                                   valueName: "path"), completion: .file())
        var socket: String?

        @Option(help: "Seconds to wait for the service.")
        var timeout: Double = 5

        func validate() throws {
            guard timeout > 0, timeout.isFinite else { throw ValidationError("--timeout must be a positive number of seconds") }
        }

        /// Connects, runs `body`, and turns every failure into its message and exit status.
        func run<T>(_ body: (ControlClient) throws(ControlClientError) -> T) throws -> T {
            let path = socket ?? ControlSocketPath.defaultPath(environment: ProcessInfo.processInfo.environment)
            let client: ControlClient
            do {
                client = try ControlClient.connect(to: path, clientName: "adapt-top ctl", timeoutSeconds: timeout)
            } catch {
                printError(error.message)
                throw ExitCode(3)
            }
            defer { client.close() }
            do {
                return try body(client)
            } catch {
                printError(error.message)
                // The service's own refusals come back as they are; a lost connection names the socket's path.
                throw ExitCode(error.message.hasPrefix(path) ? 3 : 1)
            }
        }

        func send(_ commands: [EngineCommand]) throws {
            try run { client throws(ControlClientError) in
                for command in commands { try client.send(command) }
            }
        }
    }

    struct Pin: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Pin a variant: the engine runs it whatever the budgets say.")
        @OptionGroup var connection: Connection
        @Argument(help: "The variant's id (as the variants table and `ctl status` list them).")
        var variant: String

        func run() throws { try connection.send([.pin(variant: variant)]) }
    }

    struct Unpin: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Let the policy choose again.")
        @OptionGroup var connection: Connection
        func run() throws { try connection.send([.unpin]) }
    }

    struct Budget: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Move the policy's budgets (any of them, in this order: latency, memory, accuracy floor).")
        @OptionGroup var connection: Connection
        @Option(help: "The p95 latency budget, in milliseconds.") var latencyMs: Double?
        @Option(help: "The memory budget, in MB.") var memoryMb: Double?
        @Option(help: "The accuracy floor, 0…1.") var accuracyFloor: Double?

        func validate() throws {
            if latencyMs == nil && memoryMb == nil && accuracyFloor == nil {
                throw ValidationError("give at least one of --latency-ms, --memory-mb, --accuracy-floor")
            }
        }

        func run() throws {
            let commands: [EngineCommand?] = [latencyMs.map { .setLatencyBudget(milliseconds: $0) },
                                              memoryMb.map { .setMemoryBudget(megabytes: $0) },
                                              accuracyFloor.map { .setAccuracyFloor($0) }]
            try connection.send(commands.compactMap { $0 })
        }
    }

    struct Policy: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Switch the policy's mode.")
        @OptionGroup var connection: Connection
        @Argument(help: ArgumentHelp("The mode: \(PolicyMode.allCases.map(\.rawValue).joined(separator: ", ")).", valueName: "mode"))
        var mode: String

        func validate() throws {
            guard PolicyMode(rawValue: mode) != nil else {
                throw ValidationError("unknown mode '\(mode)' (expected \(PolicyMode.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
        }

        func run() throws { try connection.send(PolicyMode(rawValue: mode).map { [.setMode($0)] } ?? []) }
    }

    struct Pause: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Pause adaptation (inference goes on with the active variant).")
        @OptionGroup var connection: Connection
        func run() throws { try connection.send([.pause]) }
    }

    struct Resume: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Resume adaptation.")
        @OptionGroup var connection: Connection
        func run() throws { try connection.send([.resume]) }
    }

    struct Inject: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Start or stop a demo injection in the service: real busy threads, resident memory, corrupted frames.")
        @OptionGroup var connection: Connection
        @Argument(help: ArgumentHelp("cpu=THREADS[@DUTY], mem=MB or drift=KIND:SEVERITY (as `adapt-top --inject`; the battery override is local to a service's start).",
                                     valueName: "injection"))
        var injections: [String] = []
        @Option(help: ArgumentHelp("Stop an injection: cpu, mem or drift (repeatable).", valueName: "kind"))
        var stop: [String] = []

        func validate() throws {
            if injections.isEmpty && stop.isEmpty { throw ValidationError("give an injection to start, or --stop cpu|mem|drift") }
            _ = try commands()
        }

        func run() throws { try connection.send(try commands()) }

        private func commands() throws -> [EngineCommand] {
            let stops = try stop.map { kind -> EngineCommand in
                switch kind {
                case "cpu": return .stopCPULoad
                case "mem": return .stopMemoryPressure
                case "drift": return .setDrift(nil)
                default: throw ValidationError("--stop \(kind): expected cpu, mem or drift")
                }
            }
            let starts = try injections.map { text -> EngineCommand in
                let spec: InjectionSpec
                do { spec = try InjectionSpec.parse(text) } catch { throw ValidationError("\(error)") }
                guard case .command(let command) = spec else {
                    throw ValidationError("\(text): the battery override is set at the service's start (serve --inject battery=PCT)")
                }
                return command
            }
            return stops + starts
        }
    }

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the engine's snapshot now: text like `top -b`, or --json.")
        @OptionGroup var connection: Connection
        @Flag(help: "The snapshot as one JSON object (the fields of `adapt-top --batch --json`).") var json = false

        func run() throws {
            let snapshot = try connection.run { client throws(ControlClientError) in try client.status() }
            print(json ? try snapshot.jsonLine() : BatchText.render(snapshot))
        }
    }
}
