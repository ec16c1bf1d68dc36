internal import Foundation

/// Where the control socket lives unless `--socket` says otherwise: `$XDG_RUNTIME_DIR/adapt-top.sock` (the
/// user's private runtime folder, made by the login manager), else `/tmp/adapt-top-UID/control.sock` in a folder
/// of its own, mode 0700 — as tmux does, so another user can neither squat the path nor reach the socket.
public enum ControlSocketPath {
    public static func defaultPath(environment: [String: String]) -> String {
        if let runtime = environment["XDG_RUNTIME_DIR"], runtime.hasPrefix("/") {
            return (runtime as NSString).appendingPathComponent("adapt-top.sock")
        }
        return fallbackFolder + "/control.sock"
    }

    static var fallbackFolder: String { "/tmp/adapt-top-\(getuid())" }

    /// Makes the socket's folder ready for `serve`: the fallback folder is created 0700 (and refused if someone
    /// else owns it or it is open to others); any other folder must exist.
    public static func prepareFolder(of path: String) throws(SocketError) {
        let folder = (path as NSString).deletingLastPathComponent
        if folder == fallbackFolder {
            if mkdir(folder, 0o700) != 0, errno != EEXIST { throw SocketError("\(folder): cannot create the folder", errno: errno) }
            var status = stat()
            guard lstat(folder, &status) == 0 else { throw SocketError("\(folder): cannot read", errno: errno) }
            guard status.st_mode & S_IFMT == S_IFDIR, status.st_uid == getuid(), status.st_mode & 0o077 == 0 else {
                throw SocketError("\(folder) is not a private folder of uid \(getuid()) (owner uid \(status.st_uid), mode "
                                  + "\(String(status.st_mode & 0o7777, radix: 8))); remove it or pass --socket")
            }
            return
        }
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.isEmpty ? "." : folder, isDirectory: &isFolder), isFolder.boolValue else {
            throw SocketError("\(path): the folder \(folder) does not exist")
        }
    }
}
