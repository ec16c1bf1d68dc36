import AdaptEngine
import AdaptService
import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import UnixSignals

/// `adapt-top serve`: the engine as a long-lived service, reached through its control socket by `--attach`,
/// `ctl` and scripts.
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the engine as a service: a control socket for --attach and ctl, logs on stderr.",
        discussion: """
            The engine starts at once (profiling in the background, as the dashboard does) and the control socket \
            listens from the start, so clients see the start's progress. --metrics-port serves Prometheus's text \
            format at /metrics, on 127.0.0.1 unless --metrics-address says otherwise. The socket is created mode 0600 and each \
            connection's peer is checked by the kernel's credentials: only this user, root and the --allow-group \
            group get in; others are refused and logged. SIGTERM or SIGINT shut down gracefully: clients are \
            disconnected, the frame being inferred finishes, the socket file is removed. Logs go to stderr (the \
            journal under systemd; Examples/adapt-top.service).

            Default socket: $XDG_RUNTIME_DIR/adapt-top.sock, else /tmp/adapt-top-UID/control.sock (a 0700 folder).
            """)

    @Option(help: ArgumentHelp("The control socket's path (default: $XDG_RUNTIME_DIR/adapt-top.sock, else /tmp/adapt-top-UID/control.sock).",
                               valueName: "path"), completion: .file())
    var socket: String?

    @Option(help: ArgumentHelp("Also let members of this group use the control socket (a name or a gid): the socket file becomes the group's, mode 0660 (its folder must let them through).",
                               valueName: "group"))
    var allowGroup: String?

    @Option(help: ArgumentHelp("Serve Prometheus metrics on this TCP port (GET /metrics; 0 picks a free port, logged).", valueName: "port"))
    var metricsPort: UInt16?

    @Option(help: ArgumentHelp("The metrics endpoint's address: a numeric IPv4 or IPv6 address (0.0.0.0 or :: for every interface).",
                               valueName: "address"))
    var metricsAddress = "127.0.0.1"

    @Option(help: "Log level: trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = "info"

    @OptionGroup var engine: EngineOptions

    func validate() throws {
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical")
        }
        if let allowGroup, Self.groupID(allowGroup) == nil { throw ValidationError("--allow-group: no group '\(allowGroup)'") }
    }

    func run() throws {
        let done = DispatchSemaphore(value: 0)
        let outcome = Mutex<Result<Void, any Error>>(.success(()))
        Task { [self] in
            do {
                try await serve()
            } catch {
                outcome.withLock { $0 = .failure(error) }
            }
            done.signal()
        }
        done.wait()
        try outcome.withLock { $0 }.get()
    }

    private func serve() async throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "adapt-top")
        let path = socket ?? ControlSocketPath.defaultPath(environment: ProcessInfo.processInfo.environment)
        // A wrong manifest, socket path or metrics port fails here, before a minute of profiling.
        let metrics = metricsPort.map { port in (EngineMetrics(), port) }
        let startup = try reportingModelErrors { try EngineStartup(options: engine, frameObserver: metrics?.0.frameObserver) }
        var options = ControlServer.Options()
        options.allowedGroup = allowGroup.flatMap(Self.groupID)
        let server = ControlServer(path: path, target: startup, options: options, logger: logger)
        let endpoint = metrics.map { metrics, port in
            MetricsHTTPServer(address: metricsAddress, port: port) {
                metrics.update(from: startup.snapshot)
                return metrics.exposition()
            }
        }
        do {
            try ControlSocketPath.prepareFolder(of: path)
            try server.start()
            try endpoint?.start()
        } catch {
            server.stop()
            startup.stop()
            printError("\(error)")
            throw ExitCode(1)
        }
        logger.info("serving", metadata: ["family": "\(startup.family)", "socket": "\(path)", "pid": "\(getpid())"])
        if let endpoint, let address = endpoint.endpoint { logger.info("metrics at http://\(address)/metrics") }
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: EngineService(startup: startup, logger: logger), serviceName: "engine"),
            .init(service: ControlSocketService(server: server), serviceName: "control socket"),
        ]
        if let endpoint { services.append(.init(service: MetricsService(server: endpoint), serviceName: "metrics")) }
        let group = ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do {
            try await group.run()
        } catch let error as ServiceGroupError {
            printError("\(error)")
            throw ExitCode(1)
        } catch {
            try reportingModelErrors { throw error }
        }
        logger.info("stopped")
    }

    static func groupID(_ text: String) -> UInt32? {
        if let number = UInt32(text) { return number }
        return getgrnam(text)?.pointee.gr_gid
    }
}

extension EngineStartup: ControlTarget {}

/// The engine in the service group: logs its start and its events, ends the group if the start fails, and on
/// shutdown stops it (the frame being inferred finishes).
struct EngineService: Service {
    let startup: EngineStartup
    let logger: Logger

    func run() async throws {
        var lastEvent = -1
        var running = false
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            if let failure = startup.failure {
                startup.stop()
                throw failure
            }
            let snapshot = startup.snapshot
            if snapshot.state != .starting, !running {
                running = true
                logger.info("engine running", metadata: ["variants": "\(snapshot.variants.count)", "active": "\(snapshot.active.id ?? "none")"])
            }
            for event in snapshot.events where event.sequence > lastEvent {
                lastEvent = event.sequence
                // Probes come every second; the rest is what an operator looks for in the journal.
                let level: Logger.Level = [.probe, .prepare, .profile].contains(event.kind) ? .debug : .info
                logger.log(level: level, "\(event.kind.rawValue): \(event.reason)")
            }
            try? await Task.sleep(for: .milliseconds(250))
        }
        let frames = startup.snapshot.inference.count
        startup.stop()
        logger.info("engine stopped", metadata: ["frames": "\(frames)"])
    }
}

/// The metrics endpoint in the service group: already listening when the group starts; closed on shutdown.
struct MetricsService: Service {
    let server: MetricsHTTPServer

    func run() async throws {
        try? await gracefulShutdown()
        server.stop()
    }
}

/// The control socket in the service group: already listening when the group starts; closed on shutdown.
struct ControlSocketService: Service {
    let server: ControlServer

    func run() async throws {
        try? await gracefulShutdown()
        server.stop()
    }
}
