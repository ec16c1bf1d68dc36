import Foundation
import Testing
@testable import AdaptService

@Suite struct UnixSocketTests {
    func temporaryPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("adapt-top-\(UUID().uuidString.prefix(8)).sock").path
    }

    /// The socket file is 0600 whatever the umask, the kernel names the peer, and closing removes the file.
    @Test func listensPrivatelyAndKnowsItsPeer() throws {
        let path = temporaryPath()
        let previous = umask(0)
        defer { umask(previous) }
        let server = try UnixSocket.listen(at: path)
        let mode = try #require(FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
        #expect(mode & 0o777 == 0o600, "mode \(String(mode, radix: 8))")
        let client = try UnixSocket.connect(to: path)
        let connection = try #require(server.accept())
        let peer = try connection.peer()
        #expect(peer.uid == getuid() && peer.pid == getpid() && peer.gid == getgid())
        client.close()
        server.close()
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    /// With a group named, the file is the group's and 0660 (members need write access to connect).
    @Test func aNamedGroupGetsTheFile() throws {
        let path = temporaryPath()
        let server = try UnixSocket.listen(at: path, group: getgid())
        defer { server.close() }
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? Int).map { $0 & 0o777 } == 0o660)
        #expect((attributes[.groupOwnerAccountID] as? Int).map(UInt32.init) == getgid())
    }

    /// A second service on a live path is refused; a stale file (its service gone without removing it) is replaced.
    @Test func aLivePathIsRefusedAStaleOneReplaced() throws {
        let path = temporaryPath()
        let first = try UnixSocket.listen(at: path)
        #expect(throws: SocketError("\(path): another service is listening there")) { try UnixSocket.listen(at: path) }
        first.close()
        // A file left behind: a socket bound and closed without unlink.
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8) + [0]) }
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        close(descriptor)
        #expect(FileManager.default.fileExists(atPath: path))
        let second = try UnixSocket.listen(at: path)
        second.close()
    }

    @Test func badPathsAreNamed() {
        let long = "/tmp/" + String(repeating: "x", count: 200)
        #expect(throws: SocketError("\(long): a socket path must be 1 to 107 bytes long")) { try UnixSocket.listen(at: long) }
        #expect(throws: SocketError.self) { try UnixSocket.connect(to: "/nonexistent/adapt-top.sock") }
    }
}
