internal import Foundation

/// Why `adapt-top config init` wrote no file.
public enum ConfigFileError: Error, Sendable, Equatable, CustomStringConvertible {
    case noLocation
    case exists(path: String)
    case cannotWrite(path: String, reason: String)

    public var description: String {
        switch self {
        case .noLocation:
            "no place for the config file: neither XDG_CONFIG_HOME nor HOME is set to an absolute path"
        case .exists(let path):
            // Never overwritten, not even on request: the file is the user's, edits and all.
            "\(path) already exists; adapt-top never overwrites it (remove it first to write a fresh template)"
        case .cannotWrite(let path, let reason):
            "cannot write \(path): \(reason)"
        }
    }
}

/// Where the dashboard reads themes from, and which rule chose it (`config show` says so).
public struct ThemesLocation: Sendable, Equatable {
    public enum Source: String, Sendable {
        case commandLine = "--themes"
        case configFile = "themes_folder in the config file"
        case userFolder = "the themes folder next to the config file"
        case installation = "the themes adapt-top came with"
        case workingDirectory = "the working directory"
    }

    public var path: String
    public var source: Source

    public init(path: String, source: Source) {
        (self.path, self.source) = (path, source)
    }
}

extension DashboardConfig {
    public static let fileName = "adapt-top.conf"

    /// `$XDG_CONFIG_HOME/adapt-top`, else `$HOME/.config/adapt-top`: the XDG base directory rule, under which an
    /// unset, empty or relative XDG_CONFIG_HOME is ignored. Nil when neither variable gives a folder.
    public static func folder(environment: [String: String]) -> String? {
        if let config = environment["XDG_CONFIG_HOME"], config.hasPrefix("/") {
            return (config as NSString).appendingPathComponent("adapt-top")
        }
        if let home = environment["HOME"], !home.isEmpty {
            return (home as NSString).appendingPathComponent(".config/adapt-top")
        }
        return nil
    }

    /// The config file: `adapt-top.conf` in `folder(environment:)`.
    public static func filePath(environment: [String: String]) -> String? {
        folder(environment: environment).map { ($0 as NSString).appendingPathComponent(fileName) }
    }

    /// `~/…` for a path under $HOME, as people write it: shorter in the dashboard's one message line.
    public static func displayPath(_ path: String, environment: [String: String]) -> String {
        guard let home = environment["HOME"], home.count > 1 else { return path }
        let prefix = home.hasSuffix("/") ? home : home + "/"
        return path.hasPrefix(prefix) ? "~/" + path.dropFirst(prefix.count) : path
    }

    /// The config file at `path`, named `file` in warnings. A missing file is no mistake: the defaults, silently.
    /// One that exists but cannot be used gives one warning and the defaults.
    public static func load(path: String, file: String) -> Parsed {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else { return Parsed() }
        func unusable(_ problem: String) -> Parsed {
            Parsed(warnings: [ConfigWarning(file: file, line: nil, message: "\(problem); using the built-in defaults")])
        }
        if isFolder.boolValue { return unusable("is a folder, not a file") }
        guard let data = FileManager.default.contents(atPath: path) else {
            return unusable(FileManager.default.isReadableFile(atPath: path) ? "cannot be read" : "cannot be read (permission denied)")
        }
        guard let text = String(data: data, encoding: .utf8) else { return unusable("is not UTF-8 text") }
        return parse(text: text, file: file)
    }

    /// The user's config file as the dashboard and `config show` read it; `path` is nil (and the settings the
    /// defaults) when the environment names no config folder.
    public static func loadUserFile(environment: [String: String]) -> (path: String?, parsed: Parsed) {
        guard let path = filePath(environment: environment) else { return (nil, Parsed()) }
        return (path, load(path: path, file: displayPath(path, environment: environment)))
    }

    /// Writes `template` to `path`, creating its folder. Refuses an existing file, so the only write adapt-top
    /// ever makes to a config file is the first one.
    public static func writeTemplate(toPath path: String) throws(ConfigFileError) {
        if FileManager.default.fileExists(atPath: path) { throw .exists(path: path) }
        do {
            let folder = (path as NSString).deletingLastPathComponent
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            // withoutOverwriting (O_EXCL) closes the gap between the check above and the write.
            try Data(template.utf8).write(to: URL(fileURLWithPath: path), options: .withoutOverwriting)
        } catch let error as CocoaError where error.code == .fileWriteFileExists {
            throw .exists(path: path)
        } catch {
            throw .cannotWrite(path: path, reason: error.localizedDescription)
        }
    }

    /// Where the themes are, first match wins:
    /// 1. `--themes` (`commandLine`), as given;
    /// 2. the config file's `themes_folder` (`~` is $HOME; a relative path starts at the config file's folder);
    /// 3. `themes` next to the config file, if it is a folder;
    /// 4. the themes installed with the executable: `<prefix>/share/adapt-top/themes` for `<prefix>/bin/adapt-top`,
    ///    or the repository's `themes` for a build in its `.build` (`.build/debug/…` or `.build/<triple>/debug/…`);
    /// 5. `themes` in the working directory (where there is none, only the built-in theme is offered).
    public static func resolveThemesFolder(commandLine: String?, config: DashboardConfig, environment: [String: String],
                                           executablePath: String?, isDirectory: (String) -> Bool) -> ThemesLocation {
        if let commandLine { return ThemesLocation(path: commandLine, source: .commandLine) }
        let configFolder = folder(environment: environment)
        if let written = config.themesFolder {
            return ThemesLocation(path: expand(written, home: environment["HOME"], relativeTo: configFolder), source: .configFile)
        }
        if let configFolder, isDirectory(configFolder + "/themes") {
            return ThemesLocation(path: configFolder + "/themes", source: .userFolder)
        }
        if let executablePath, let installed = installedThemes(executablePath: executablePath).first(where: isDirectory) {
            return ThemesLocation(path: installed, source: .installation)
        }
        return ThemesLocation(path: "themes", source: .workingDirectory)
    }

    /// Whether `path` is a folder (following symlinks), for `resolveThemesFolder`.
    public static func directoryExists(_ path: String) -> Bool {
        var isFolder: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) && isFolder.boolValue
    }

    /// Candidate themes folders for an executable at `executablePath` (symlinks already resolved).
    static func installedThemes(executablePath: String) -> [String] {
        func parent(_ path: String) -> String { (path as NSString).deletingLastPathComponent }
        func name(_ path: String) -> String { (path as NSString).lastPathComponent }
        let binFolder = parent(executablePath)
        var candidates = [parent(binFolder) + "/share/adapt-top/themes"]
        // Only inside a `.build`, so an executable in /usr/bin never looks at /usr/themes or /themes.
        if name(parent(binFolder)) == ".build" {
            candidates.append(parent(parent(binFolder)) + "/themes")
        } else if name(parent(parent(binFolder))) == ".build" {
            candidates.append(parent(parent(parent(binFolder))) + "/themes")
        }
        return candidates
    }

    /// `~` and `~/…` under `home`; a relative path under `folder`; an absolute path as it is.
    static func expand(_ path: String, home: String?, relativeTo folder: String?) -> String {
        if let home, !home.isEmpty {
            if path == "~" { return home }
            if path.hasPrefix("~/") { return (home as NSString).appendingPathComponent(String(path.dropFirst(2))) }
        }
        if path.hasPrefix("/") { return path }
        guard let folder else { return path }
        return (folder as NSString).appendingPathComponent(path)
    }
}
