import AdaptTUI
import ArgumentParser
import Foundation

/// `adapt-top config init|path|show`: the dashboard's config file. Only `init` writes, and only a file that is not
/// there yet.
struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "The dashboard's config file: write a commented one, print where it is, show what it sets.",
        discussion: """
            The file is $XDG_CONFIG_HOME/adapt-top/adapt-top.conf, or ~/.config/adapt-top/adapt-top.conf when \
            XDG_CONFIG_HOME is unset or empty. It holds `key = value` lines (a value may be in double quotes), \
            `#` comment lines and blank lines. Keys: \(DashboardConfig.keyNames.joined(separator: ", ")). \
            A flag on the command line wins over the file, the file over the built-in default; batch mode ignores \
            it. A bad line is ignored with a warning naming its line, and the rest applies.

            adapt-top never writes the file on its own: changes made with keys in the dashboard (t, + and -, g) \
            are not saved, and `config init` refuses to overwrite an existing file.
            """,
        subcommands: [ConfigInit.self, ConfigPath.self, ConfigShow.self])
}

struct ConfigInit: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Write the commented config file (every key commented out at its default), creating its folder.",
        discussion: "Refuses, with exit status 1, when the file already exists: remove it first for a fresh one.")

    func run() throws {
        do throws(ConfigFileError) {
            guard let path = DashboardConfig.filePath(environment: ProcessInfo.processInfo.environment) else {
                throw ConfigFileError.noLocation
            }
            try DashboardConfig.writeTemplate(toPath: path)
            print("wrote \(path): every key is commented out at its default; uncomment a line to change it")
        } catch {
            printError(error.description)
            throw ExitCode(1)
        }
    }
}

struct ConfigPath: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "path",
        abstract: "Print the config file's path (whether or not it exists).")

    func run() throws {
        guard let path = DashboardConfig.filePath(environment: ProcessInfo.processInfo.environment) else {
            printError(ConfigFileError.noLocation.description)
            throw ExitCode(1)
        }
        print(path)
    }
}

struct ConfigShow: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Print the settings the dashboard takes from the config file, and the lines it ignores.",
        discussion: """
            One line per key: its value and where it comes from (a line of the file, or the built-in default), then \
            the themes folder in use and why. Warnings go to stderr; the exit status is 0 even then, since the \
            dashboard starts with such a file too.
            """)

    func run() throws {
        let environment = ProcessInfo.processInfo.environment
        let (path, parsed) = DashboardConfig.loadUserFile(environment: environment)
        if let path {
            let exists = FileManager.default.fileExists(atPath: path)
            print("file: \(path)" + (exists ? "" : " (none: built-in defaults; adapt-top config init writes one)"))
        } else {
            print("file: none (\(ConfigFileError.noLocation.description))")
        }
        let rows = parsed.config.settings.map { key, value in
            (value.map { "\(key) = \($0)" } ?? "\(key) not set",
             parsed.lineOfKey[key].map { "line \($0)" } ?? "default")
        }
        let width = rows.map(\.0.count).max() ?? 0
        for (setting, source) in rows {
            print(setting.padding(toLength: width + 2, withPad: " ", startingAt: 0) + "(\(source))")
        }
        let themes = DashboardConfig.resolveThemesFolder(
            commandLine: nil, config: parsed.config, environment: environment, executablePath: executablePath(),
            isDirectory: DashboardConfig.directoryExists)
        print("themes: \(themes.path) (\(themes.source.rawValue))")
        for warning in parsed.warnings { printError("warning: \(warning)") }
    }
}

/// This executable's path, symlinks resolved: the installed themes are found relative to it.
func executablePath() -> String? {
    Bundle.main.executableURL?.resolvingSymlinksInPath().path
}
