import AdaptEngine
import AdaptService
import ArgumentParser
import Foundation
import Logging
import Synchronization

/// What the control socket's subscribers cost inference: one engine, one pinned variant, its control server
/// listening throughout, alternating stretches with no client and with --clients subscribed at --rate,
/// interleaved so a drifting machine hits both alike.
struct ServiceClientsBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "service-clients",
        abstract: "Inference throughput with N control-socket subscribers vs none, in one run (a benchmark).",
        discussion: """
            Loads and profiles --family (profile cache as adapt-top uses it), starts the engine and a control server \
            on a socket of its own, pins the variant picked first, then runs --rounds rounds of (in alternating order) \
            --seconds without clients and --seconds with --clients clients each subscribed at --rate snapshots a second (threads of this \
            process: they read and count the lines, or with --decode parse every snapshot as a dashboard does). \
            Prints per stretch frames per second, snapshots each client got per second and the server thread's CPU, \
            and the median ratio with ÷ without.
            """)

    @Option(help: "The family manifest (YAML).")
    var family = "Examples/fashion-mnist/family.yaml"

    @Option(help: "The variant to pin (default: the engine's first pick).")
    var variant: String?

    @Option(help: "Subscribed clients in the loaded stretches.")
    var clients = 20

    @Option(help: "Snapshots a second each client subscribes to.")
    var rate = 10.0

    @Option(help: "Seconds per stretch.")
    var seconds = 10.0

    @Option(help: "Rounds (each: one stretch without clients, one with them).")
    var rounds = 3

    @Flag(help: "Clients parse every snapshot (as the attached dashboard does) instead of only reading its bytes.")
    var decode = false

    @Option(help: "Write the results to this file too.")
    var output: String?

    func validate() throws {
        guard clients >= 1, rate > 0, rate <= 20, seconds > 0, rounds >= 1 else {
            throw ValidationError("--clients ≥ 1, 0 < --rate ≤ 20, --seconds > 0, --rounds ≥ 1")
        }
    }

    func run() throws {
        let pinned = try PinnedEngine.start(family: family, variant: variant)
        defer { pinned.engine.stop() }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("adapt-bench-\(getpid()).sock").path
        var logger = Logger(label: "adapt-bench")
        logger.logLevel = .warning
        let server = ControlServer(path: path, target: pinned.engine, logger: logger)
        try server.start()
        defer { server.stop() }

        var lines = ["\(pinned.variant) pinned, \(rounds) rounds of \(seconds) s each way, \(clients) clients at \(rate) Hz"
                     + (decode ? " (decoding every snapshot)" : " (reading the bytes)"),
                     "| round | no clients frames/s | \(clients) clients frames/s | ratio | snapshots/s per client | server thread CPU |",
                     "|---|---:|---:|---:|---:|---:|"]
        var ratios: [Double] = []
        for round in 1...rounds {
            // Which stretch goes first alternates, so a trend over the run (warming, a neighbour) favours neither.
            var idle = (framesPerSecond: 0.0, cpuSeconds: 0.0)
            if round % 2 == 1 { idle = pinned.measure { Thread.sleep(forTimeInterval: seconds) } }
            let serverCPU0 = threadCPUSeconds(named: ControlServer.threadName) ?? .nan
            let stretch = ClientStretch()
            let loaded = pinned.measure { runClients(path: path, stretch: stretch) }
            let serverCPU = (threadCPUSeconds(named: ControlServer.threadName) ?? .nan) - serverCPU0
            if round % 2 == 0 { idle = pinned.measure { Thread.sleep(forTimeInterval: seconds) } }
            let ratio = loaded.framesPerSecond / idle.framesPerSecond
            ratios.append(ratio)
            let perClient = Double(stretch.received.load(ordering: .relaxed)) / Double(clients) / seconds
            let figures = [String(format: "%.3f", ratio), String(format: "%.1f", perClient), String(format: "%.1f ms/s", serverCPU / seconds * 1000)]
            lines.append("| \(round) | \(Int(idle.framesPerSecond)) | \(Int(loaded.framesPerSecond)) | " + figures.joined(separator: " | ") + " |")
            print(lines.last ?? "")
        }
        let statistics = server.statistics
        // What one snapshot line costs the server (encoded once per engine snapshot, whatever the clients).
        let snapshot = pinned.engine.snapshot
        let encodeStart = threadCPUSeconds()
        var bytes = 0
        for _ in 0..<100 { bytes = (try ServerMessage.snapshot(snapshot).jsonLine()).utf8.count }
        let encodeMilliseconds = (threadCPUSeconds() - encodeStart) * 10
        let line = try ServerMessage.snapshot(snapshot).jsonLine()
        let decodeStart = threadCPUSeconds()
        for _ in 0..<100 { _ = try ServerMessage(jsonLine: line) }
        lines.append(String(format: "one snapshot line: %d bytes, %.2f ms CPU to encode (the server, once per engine snapshot), "
                            + "%.2f ms to decode (each client that parses it)", bytes, encodeMilliseconds, (threadCPUSeconds() - decodeStart) * 10))
        lines.append("median ratio " + String(format: "%.3f", median(ratios)) + " (throughput cost "
                     + String(format: "%.1f", (1 - median(ratios)) * 100) + " %); snapshots sent \(statistics.snapshotsSent), "
                     + "dropped \(statistics.snapshotsDropped), clients disconnected as stuck \(statistics.disconnectedStuck)")
        let text = lines.joined(separator: "\n")
        print(text)
        if let output { try (text + "\n").write(toFile: output, atomically: true, encoding: .utf8) }
    }

    /// One stretch's clients: the snapshots they got, and the flag that ends them.
    final class ClientStretch: Sendable {
        let received = Atomic<Int>(0)
        let stopped = Atomic<Bool>(false)
        let connections = Mutex<[ControlClient]>([])
    }

    /// Runs the clients for one stretch.
    private func runClients(path: String, stretch: ClientStretch) {
        let group = DispatchGroup()
        for index in 0..<clients {
            group.enter()
            let thread = Thread {
                defer { group.leave() }
                do {
                    let client = try ControlClient.connect(to: path, clientName: "bench \(index)")
                    stretch.connections.withLock { $0.append(client) }
                    try client.subscribe(intervalSeconds: 1 / rate)
                    if decode {
                        while !stretch.stopped.load(ordering: .relaxed), case .snapshot = try client.next() { stretch.received.add(1, ordering: .relaxed) }
                    } else {
                        while !stretch.stopped.load(ordering: .relaxed) {
                            let lines = try client.nextRawLines()
                            stretch.received.add(lines, ordering: .relaxed)
                        }
                    }
                } catch {
                    if !stretch.stopped.load(ordering: .relaxed) { print("client \(index): \(error)") }
                }
            }
            thread.start()
        }
        Thread.sleep(forTimeInterval: seconds)
        stretch.stopped.store(true, ordering: .relaxed)
        stretch.connections.withLock { $0.forEach { $0.close() } }
        group.wait()
    }
}
