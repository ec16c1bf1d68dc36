import Foundation
import Testing
@testable import AdaptTUI

@Suite struct DashboardConfigTests {
    static let file = "~/.config/adapt-top/adapt-top.conf"

    func parse(_ text: String) -> DashboardConfig.Parsed {
        DashboardConfig.parse(text: text, file: Self.file)
    }

    @Test func everyKeyIsRead() {
        let parsed = parse("""
            refresh_seconds = 2.5
            theme = light
            themes_folder = /srv/themes
            mouse = false
            latency_axis = linear
            readonly = true
            """)
        #expect(parsed.warnings == [])
        var expected = DashboardConfig()
        expected.refreshSeconds = 2.5
        expected.theme = "light"
        expected.themesFolder = "/srv/themes"
        expected.mouse = false
        expected.latencyAxis = .linear
        expected.readOnly = true
        #expect(parsed.config == expected)
        #expect(parsed.lineOfKey == ["refresh_seconds": 1, "theme": 2, "themes_folder": 3, "mouse": 4, "latency_axis": 5,
                                     "readonly": 6])
    }

    @Test func defaultsMatchTheDashboardsOwn() {
        let defaults = DashboardConfig()
        let state = DashboardState()
        #expect(defaults.refreshSeconds == state.refreshSeconds)
        #expect(defaults.readOnly == state.readOnly)
        #expect((defaults.latencyAxis == .log) == state.logLatencyAxis)
        let options = DashboardApp.Options()
        #expect(defaults.mouse == options.mouse && defaults.theme == options.theme)
        #expect(defaults.themesFolder == nil)
        #expect(parse("").config == defaults && parse("").warnings.isEmpty)
    }

    @Test func quotesWhitespaceCommentsAndBlankLines() {
        let parsed = parse("""
            # a comment line
              # an indented comment

            \t theme   =   "high-contrast"  \t
            themes_folder = "/home/me/my themes"
            refresh_seconds="0.5"
            mouse = TRUE
            latency_axis = Linear
            """)
        #expect(parsed.warnings == [])
        #expect(parsed.config.theme == "high-contrast")
        #expect(parsed.config.themesFolder == "/home/me/my themes")
        #expect(parsed.config.refreshSeconds == 0.5)
        #expect(parsed.config.mouse == true)
        #expect(parsed.config.latencyAxis == .linear)
        #expect(parsed.lineOfKey["theme"] == 4, "lines count blanks and comments")
    }

    @Test func eachBadLineGivesOneWarningAndTheRestApplies() {
        let parsed = parse("""
            theme = light
            refresh_seconds = fast
            mouse
            colour = red
            readonly = yes
            latency_axis = lin
            refresh_seconds = 0.05
            themes_folder = "/unterminated
            readonly =
            theme = dark
            refresh_seconds = 2 # seconds
            refresh_seconds = 3
            """)
        #expect(parsed.warnings.map(\.description) == [
            "\(Self.file):2: refresh_seconds must be a number ≥ 0.1, got \"fast\"",
            "\(Self.file):3: expected 'key = value', found 'mouse'",
            "\(Self.file):4: unknown key 'colour' (keys: refresh_seconds, theme, themes_folder, mouse, latency_axis, readonly)",
            "\(Self.file):5: readonly must be true or false, got \"yes\"",
            "\(Self.file):6: latency_axis must be log or linear, got \"lin\"",
            "\(Self.file):7: refresh_seconds must be a number ≥ 0.1, got \"0.05\"",
            "\(Self.file):8: themes_folder: the value starts with a double quote but does not end with one",
            "\(Self.file):9: readonly must be true or false, got \"\"",
            "\(Self.file):10: theme is already set on line 1",
            "\(Self.file):11: refresh_seconds must be a number ≥ 0.1, got \"2 # seconds\" ('#' starts a comment only at the start of a line)",
        ])
        // The good lines still count, the first of a key winning.
        #expect(parsed.config.theme == "light")
        #expect(parsed.config.refreshSeconds == 3)
        #expect(parsed.config.readOnly == false && parsed.config.mouse == true && parsed.config.latencyAxis == .log)
        #expect(parsed.config.themesFolder == nil)
        #expect(parsed.lineOfKey == ["theme": 1, "refresh_seconds": 12])
    }

    @Test func valuesAKeyDoesNotTakeAreRefused() {
        for text in ["refresh_seconds = inf", "refresh_seconds = nan", "refresh_seconds = 1e999", "refresh_seconds = \"",
                     "theme = ../x", "theme = \"\"", "themes_folder =", "themes_folder = \"\"", "mouse = 1",
                     "latency_axis = \"\""] {
            #expect(parse(text).warnings.count == 1, "\(text)")
            #expect(parse(text).config == DashboardConfig(), "\(text)")
        }
    }

    @Test func theTemplateChangesNothingAndEveryKeyUncommentedParsesClean() {
        let template = DashboardConfig.template
        let lines = template.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.allSatisfy { $0.isEmpty || $0.hasPrefix("#") })
        #expect(parse(template) == DashboardConfig.Parsed())
        // Each key appears once as "# key = value", right under its description.
        let keyLines = lines.filter { line in DashboardConfig.keyNames.contains { line.hasPrefix("# \($0) = ") } }
        #expect(keyLines.count == DashboardConfig.keyNames.count)
        let uncommented = keyLines.map { $0.dropFirst(2) }.joined(separator: "\n")
        let parsed = parse(uncommented)
        #expect(parsed.warnings == [])
        var expected = DashboardConfig()
        expected.themesFolder = "~/themes"  // the one key without a default shows an example
        #expect(parsed.config == expected)
    }

    @Test func warningSummaryForTheMessageLine() {
        #expect(ConfigWarning.summary([]) == nil)
        #expect(ConfigWarning.summary(["a:1: bad"]) == "a:1: bad")
        #expect(ConfigWarning.summary(["a:1: bad", "a:2: worse", "a:3: worst"])
            == "a:1: bad (+2 more, see adapt-top config show)")
    }

    @Test func fileFollowsTheXDGRule() {
        #expect(DashboardConfig.filePath(environment: ["XDG_CONFIG_HOME": "/x/config", "HOME": "/home/me"])
            == "/x/config/adapt-top/adapt-top.conf")
        #expect(DashboardConfig.filePath(environment: ["XDG_CONFIG_HOME": "/x/config/", "HOME": "/home/me"])
            == "/x/config/adapt-top/adapt-top.conf")
        // Unset, empty or relative: ignored, as the XDG base directory spec says.
        for xdg in [nil, "", "relative/config"] {
            var environment = ["HOME": "/home/me"]
            environment["XDG_CONFIG_HOME"] = xdg
            #expect(DashboardConfig.filePath(environment: environment) == "/home/me/.config/adapt-top/adapt-top.conf")
        }
        #expect(DashboardConfig.filePath(environment: [:]) == nil)
        #expect(DashboardConfig.displayPath("/home/me/.config/adapt-top/adapt-top.conf", environment: ["HOME": "/home/me"])
            == "~/.config/adapt-top/adapt-top.conf")
        #expect(DashboardConfig.displayPath("/home/meg/x", environment: ["HOME": "/home/me"]) == "/home/meg/x")
        #expect(DashboardConfig.displayPath("/x", environment: ["HOME": "/"]) == "/x")
    }

    @Test func themesFolderFirstMatchWins() {
        let environment = ["XDG_CONFIG_HOME": "/cfg", "HOME": "/home/me"]
        var folders: Set<String> = []
        func resolve(flag: String? = nil, config: DashboardConfig = DashboardConfig(),
                     executable: String? = "/repo/.build/x86_64-unknown-linux-gnu/debug/adapt-top") -> ThemesLocation {
            DashboardConfig.resolveThemesFolder(commandLine: flag, config: config, environment: environment,
                                                executablePath: executable, isDirectory: { folders.contains($0) })
        }
        #expect(resolve() == ThemesLocation(path: "themes", source: .workingDirectory))
        folders.insert("/repo/themes")
        #expect(resolve() == ThemesLocation(path: "/repo/themes", source: .installation))
        #expect(resolve(executable: "/repo/.build/debug/adapt-top") == ThemesLocation(path: "/repo/themes", source: .installation))
        folders.insert("/usr/share/adapt-top/themes")
        #expect(resolve(executable: "/usr/bin/adapt-top") == ThemesLocation(path: "/usr/share/adapt-top/themes", source: .installation))
        folders.insert("/themes")
        folders.insert("/usr/themes")
        #expect(resolve(executable: "/opt/bin/adapt-top").source == .workingDirectory, "only a .build looks above bin")
        folders.insert("/cfg/adapt-top/themes")
        #expect(resolve() == ThemesLocation(path: "/cfg/adapt-top/themes", source: .userFolder))
        var config = DashboardConfig()
        for (written, path) in [("/abs", "/abs"), ("~/t", "/home/me/t"), ("~", "/home/me"), ("mine", "/cfg/adapt-top/mine")] {
            config.themesFolder = written
            #expect(resolve(config: config) == ThemesLocation(path: path, source: .configFile), "\(written)")
        }
        #expect(resolve(flag: "elsewhere", config: config) == ThemesLocation(path: "elsewhere", source: .commandLine))
    }

    /// A fresh folder under the system's temporary folder, standing in for $XDG_CONFIG_HOME.
    func temporaryFolder() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("adapt-top-config-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test func loadingAMissingFileIsQuietAndAFolderInItsPlaceWarnsOnce() throws {
        let root = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let environment = ["XDG_CONFIG_HOME": root, "HOME": "/nonexistent"]
        let missing = DashboardConfig.loadUserFile(environment: environment)
        #expect(missing.path == root + "/adapt-top/adapt-top.conf")
        #expect(missing.parsed == DashboardConfig.Parsed())
        try FileManager.default.createDirectory(atPath: root + "/adapt-top/adapt-top.conf", withIntermediateDirectories: true)
        let folder = DashboardConfig.loadUserFile(environment: environment).parsed
        #expect(folder.config == DashboardConfig())
        #expect(folder.warnings.map(\.description)
            == ["\(root)/adapt-top/adapt-top.conf: is a folder, not a file; using the built-in defaults"])
    }

    @Test func loadingReadsTheFileAndNamesItAsGivenInWarnings() throws {
        let root = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let path = root + "/adapt-top.conf"
        try Data("theme = light\nbogus\n".utf8).write(to: URL(fileURLWithPath: path))
        let parsed = DashboardConfig.load(path: path, file: "~/x.conf")
        #expect(parsed.config.theme == "light")
        #expect(parsed.warnings.map(\.description) == ["~/x.conf:2: expected 'key = value', found 'bogus'"])
        try Data([0x74, 0x68, 0xFF, 0xFE]).write(to: URL(fileURLWithPath: path))
        #expect(DashboardConfig.load(path: path, file: "f").warnings.map(\.description)
            == ["f: is not UTF-8 text; using the built-in defaults"])
    }

    @Test func theTemplateIsWrittenOnceAndNeverOverwritten() throws {
        let root = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let path = root + "/new/folder/adapt-top.conf"
        try DashboardConfig.writeTemplate(toPath: path)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == DashboardConfig.template)
        try Data("theme = light\n".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: ConfigFileError.exists(path: path)) { try DashboardConfig.writeTemplate(toPath: path) }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "theme = light\n")
    }
}
