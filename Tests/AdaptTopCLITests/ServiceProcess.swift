import Foundation

/// `adapt-top serve` running in the background for a test, its log in a file; `ctl` runs against its socket.
final class ServiceProcess {
    let process = Process()
    let socket: String
    let logFile: String
    let environment: [String: String]

    /// Starts the service on `socket` (in a fresh folder unless given) with `arguments` after `serve`.
    init(socket: String? = nil, arguments: [String], environment: [String: String]) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("adapt-top-serve-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        self.socket = socket ?? folder + "/control.sock"
        logFile = folder + "/serve.log"
        self.environment = environment
        _ = FileManager.default.createFile(atPath: logFile, contents: nil)
        process.executableURL = CLIRunner.executable
        process.arguments = ["serve", "--socket", self.socket] + arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: logFile))
        try process.run()
    }

    var log: String { (try? String(contentsOfFile: logFile, encoding: .utf8)) ?? "" }

    /// `adapt-top ctl --socket … ARGUMENTS`.
    func ctl(_ arguments: [String]) throws -> CLIRunner.Result {
        try CLIRunner.run(["ctl", "--socket", socket] + arguments, environment: environment)
    }

    /// The engine's snapshot through `ctl status --json`, nil if the service did not answer.
    func status() throws -> [String: Any]? {
        let result = try ctl(["status", "--json"])
        guard result.status == 0 else { return nil }
        return try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any]
    }

    /// The first status that satisfies `condition` within `timeout` seconds, else the last one read: a command's
    /// effect reaches the status with the engine's next snapshot (they are published every 100 ms).
    func status(within timeout: Double, until condition: ([String: Any]) -> Bool) throws -> [String: Any]? {
        let deadline = Date().addingTimeInterval(timeout)
        var last = try status()
        while let current = last, !condition(current), Date() < deadline {
            Thread.sleep(forTimeInterval: 0.05)
            last = try status()
        }
        return last
    }

    /// Frames inferred so far.
    func frames() throws -> Int? {
        (try status()?["inference"] as? [String: Any])?["count"] as? Int
    }

    /// Waits until the engine runs (profiled and inferring).
    func waitUntilRunning(timeout: Double = 120) throws -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline, process.isRunning {
            if try status()?["state"] as? String == "running", try frames() ?? 0 > 0 { return true }
            Thread.sleep(forTimeInterval: 0.3)
        }
        return false
    }

    /// The metrics endpoint's port, as the service logged it ("metrics at http://127.0.0.1:PORT/metrics").
    var metricsPort: UInt16? {
        guard let range = log.range(of: #"metrics at http://127\.0\.0\.1:[0-9]+/"#, options: .regularExpression) else { return nil }
        return UInt16(log[range].split(separator: ":").last?.dropLast() ?? "")
    }

    /// A plain HTTP/1.1 GET on 127.0.0.1, as a scraper sends it; the whole response (head and body).
    static func httpGet(port: UInt16, path: String) -> String? {
        let descriptor = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { return nil }
        let request = Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/plain\r\n\r\n".utf8)
        guard request.withUnsafeBytes({ send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }) == request.count else { return nil }
        var response: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = recv(descriptor, &buffer, buffer.count, 0)
            guard count > 0 else { break }
            response += buffer[..<count]
        }
        return String(decoding: response, as: UTF8.self)
    }

    /// SIGTERM, then waits (at most `timeout` seconds) for the exit status.
    func terminate(timeout: Double = 20) -> Int32? {
        guard process.isRunning else { return process.terminationStatus }
        process.terminate()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            return nil
        }
        return process.terminationStatus
    }
}

/// A connection to a Unix socket made by hand, for lines no well-behaved client would send.
final class RawUnixConnection {
    private let descriptor: Int32

    init?(path: String) {
        descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            buffer.copyBytes(from: Array(path.utf8) + [0])
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        guard connected == 0 else {
            close(descriptor)
            return nil
        }
    }

    deinit { close(descriptor) }

    func send(_ text: String) {
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard written > 0 else { return }
            offset += written
        }
    }

    /// The next `count` lines the server sent (fewer if it closed or went quiet for 10 s).
    func lines(_ count: Int) -> [String] {
        var text = ""
        var buffer = [UInt8](repeating: 0, count: 65536)
        while text.filter({ $0 == "\n" }).count < count {
            let read = recv(descriptor, &buffer, buffer.count, 0)
            guard read > 0 else { break }
            text += String(decoding: buffer[..<read], as: UTF8.self)
        }
        return text.split(separator: "\n").prefix(count).map(String.init)
    }
}
