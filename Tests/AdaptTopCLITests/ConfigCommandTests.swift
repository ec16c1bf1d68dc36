import Foundation
import Testing

/// `adapt-top config init|path|show` on the built binary, with XDG_CONFIG_HOME in a fresh temporary folder: the
/// real ~/.config is never touched.
@Suite struct ConfigCommandTests {
    /// A fresh, not yet existing XDG_CONFIG_HOME; `body` gets the environment and the config file's path.
    func withConfigHome(_ body: ([String: String], String) throws -> Void) throws {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("adapt-top-config-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: home) }
        try body(["XDG_CONFIG_HOME": home], home + "/adapt-top/adapt-top.conf")
    }

    @Test func initWritesACommentedFileOnceAndShowReadsItAsTheDefaults() throws {
        try withConfigHome { environment, path in
            let path1 = try CLIRunner.run(["config", "path"], environment: environment)
            #expect(path1.status == 0 && path1.standardOutput == path + "\n", "\(path1)")

            let first = try CLIRunner.run(["config", "init"], environment: environment)
            #expect(first.status == 0, "\(first.standardError)")
            #expect(first.standardOutput.contains(path))
            let written = try Data(contentsOf: URL(fileURLWithPath: path))
            let lines = String(decoding: written, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
            #expect(lines.allSatisfy { $0.isEmpty || $0.hasPrefix("#") }, "every line a comment or blank")
            for key in ["refresh_seconds", "theme", "themes_folder", "mouse", "latency_axis", "readonly"] {
                #expect(lines.contains { $0.hasPrefix("# \(key) = ") }, "the template lists \(key)")
            }

            // It parses with no warnings, every setting at its built-in default.
            let show = try CLIRunner.run(["config", "show"], environment: environment)
            #expect(show.status == 0 && show.standardError.isEmpty, "\(show.standardError)")
            #expect(show.standardOutput.hasPrefix("file: \(path)\n"), "\(show.standardOutput)")
            let settings = show.standardOutput.split(separator: "\n").dropFirst().prefix(6)
            #expect(settings.count == 6 && settings.allSatisfy { $0.hasSuffix("(default)") }, "\(show.standardOutput)")
            #expect(show.standardOutput.contains("refresh_seconds = 1.0 "))
            #expect(show.standardOutput.contains("latency_axis = log "))

            // A second init refuses, names the file, and leaves it byte for byte as it was.
            let second = try CLIRunner.run(["config", "init"], environment: environment)
            #expect(second.status == 1)
            #expect(second.standardError.contains(path) && second.standardError.contains("remove it first"), "\(second.standardError)")
            #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == written)
        }
    }

    @Test func showReflectsTheFileAndNamesBadLines() throws {
        try withConfigHome { environment, path in
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                    withIntermediateDirectories: true)
            try "# mine\nrefresh_seconds = 2.5\ntheme = \"light\"\nmouse = maybe\n".write(toFile: path, atomically: true, encoding: .utf8)
            let show = try CLIRunner.run(["config", "show"], environment: environment)
            #expect(show.status == 0)
            #expect(show.standardOutput.contains("refresh_seconds = 2.5"), "\(show.standardOutput)")
            #expect(show.standardOutput.contains("(line 2)") && show.standardOutput.contains("theme = \"light\""))
            #expect(show.standardOutput.contains("mouse = true"), "the bad line is ignored: \(show.standardOutput)")
            #expect(show.standardError == "adapt-top: warning: \(path):4: mouse must be true or false, got \"maybe\"\n")
        }
    }

    @Test func withoutXDGConfigHomeTheFileIsUnderHome() throws {
        let result = try CLIRunner.run(["config", "path"], environment: ["XDG_CONFIG_HOME": "", "HOME": "/home/someone"])
        #expect(result.status == 0 && result.standardOutput == "/home/someone/.config/adapt-top/adapt-top.conf\n")
    }
}
