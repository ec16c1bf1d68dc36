import AdaptService
import ArgumentParser
import Foundation

/// Where the dashboard and batch mode get their engine: embedded in this process, or a service's over its socket.
enum EngineSource {
    case embedded(EngineOptions)
    case attached(socket: String)

    /// Attaches to the service at `path`; a wrong path or a refusal is one line on stderr and exit status 3.
    static func attach(_ path: String, intervalSeconds: Double, clientName: String) throws -> AttachedEngine {
        do {
            return try AttachedEngine(path: path, intervalSeconds: intervalSeconds, clientName: clientName)
        } catch {
            printError(error.message)
            throw ExitCode(3)
        }
    }
}
