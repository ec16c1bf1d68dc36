/// The dashboard settings a user keeps between runs, as read from the config file (`adapt-top.conf`). A flag on the
/// command line wins over the file, and the file over these built-in defaults; adapt-top never writes the file
/// except `adapt-top config init`, which refuses to overwrite one.
public struct DashboardConfig: Sendable, Equatable {
    public enum LatencyAxis: String, Sendable, CaseIterable {
        case log, linear
    }

    public static let minimumRefreshSeconds = 0.1

    /// Seconds between redraws (`-d` at launch; `+`/`-` while running).
    public var refreshSeconds = 1.0
    /// The theme to start with: a `*.theme` file's name in the themes folder.
    public var theme = "default"
    /// The themes folder as the file spells it (`~` and relative paths are resolved by
    /// `themesFolder(commandLine:config:environment:executablePath:isDirectory:)`); nil when the file leaves it out.
    public var themesFolder: String?
    /// Whether clicks select a variant.
    public var mouse = true
    /// Same default as `DashboardState.logLatencyAxis`: latencies of a family span decades.
    public var latencyAxis = LatencyAxis.log
    public var readOnly = false

    public init() {}
}

/// A bad line of the config file (or a file that could not be read): the line is ignored, the rest applies.
public typealias ConfigWarning = FileWarning

extension FileWarning {
    /// The dashboard's one message line for `warnings`: the first, and how many more `config show` lists.
    public static func summary(_ warnings: [String]) -> String? {
        guard let first = warnings.first else { return nil }
        return warnings.count == 1 ? first : "\(first) (+\(warnings.count - 1) more, see adapt-top config show)"
    }
}

extension DashboardConfig {
    /// What parsing a file gave: the settings, one warning per ignored line, and which line set each key.
    public struct Parsed: Sendable, Equatable {
        public var config: DashboardConfig
        public var warnings: [ConfigWarning]
        /// Key name → the line that set it; keys the file leaves out are absent.
        public var lineOfKey: [String: Int]

        public init(config: DashboardConfig = DashboardConfig(), warnings: [ConfigWarning] = [], lineOfKey: [String: Int] = [:]) {
            (self.config, self.warnings, self.lineOfKey) = (config, warnings, lineOfKey)
        }
    }

    /// One key of the file. The parser, the template and `config show` all read `keys`, so a key cannot be added
    /// to one and forgotten in another.
    struct Key: Sendable {
        let name: String
        /// For the template: what the key does (a line of its own per `\n`).
        let help: String
        /// What a value must be, for the warning: "refresh_seconds must be <requirement>, got …".
        let requirement: String
        /// The value as the file spells it (strings quoted); nil when unset.
        let text: @Sendable (DashboardConfig) -> String?
        /// Sets the key from its unquoted value; false when the value is not one it takes.
        let apply: @Sendable (inout DashboardConfig, String) -> Bool

        /// A true/false key.
        static func flag(_ name: String, _ setting: any WritableKeyPath<DashboardConfig, Bool> & Sendable, help: String) -> Key {
            Key(name: name, help: help, requirement: "true or false", text: { "\($0[keyPath: setting])" },
                apply: { config, value in
                    guard let flag = boolean(value) else { return false }
                    config[keyPath: setting] = flag
                    return true
                })
        }
    }

    static let keys: [Key] = [
        Key(name: "refresh_seconds",
            help: "Seconds between redraws, at least 0.1 (-d at launch; + and - while running).",
            requirement: "a number ≥ \(minimumRefreshSeconds)",
            text: { "\($0.refreshSeconds)" },
            apply: { config, value in
                guard let seconds = Double(value), seconds.isFinite, seconds >= minimumRefreshSeconds else { return false }
                config.refreshSeconds = seconds
                return true
            }),
        Key(name: "theme",
            help: "The colour theme to start with: a *.theme file's name in the themes folder (t cycles them).",
            requirement: "a theme name (a *.theme file's name without .theme)",
            text: { quoted($0.theme) },
            apply: { config, value in
                guard !value.isEmpty, !value.contains("/") else { return false }
                config.theme = value
                return true
            }),
        Key(name: "themes_folder",
            help: "Folder of *.theme files; ~ is your home, a relative path starts at this file's folder.\n"
                + "Unset: the themes folder next to this file if there is one, else the themes adapt-top came with.",
            requirement: "a folder path",
            text: { $0.themesFolder.map(quoted) },
            apply: { config, value in
                guard !value.isEmpty else { return false }
                config.themesFolder = value
                return true
            }),
        .flag("mouse", \.mouse, help: "true: a click selects a variant; false: the terminal keeps the mouse (for copying text)."),
        Key(name: "latency_axis",
            help: "The Pareto plot's latency axis: log or linear (g switches it while running).",
            requirement: LatencyAxis.allCases.map(\.rawValue).joined(separator: " or "),
            text: { $0.latencyAxis.rawValue },
            apply: { config, value in
                guard let axis = LatencyAxis(rawValue: value.lowercased()) else { return false }
                config.latencyAxis = axis
                return true
            }),
        .flag("readonly", \.readOnly,
              help: "true: watch only, every key that changes the engine is off (pins, budgets, mode, pause, injections)."),
    ]

    /// Every key, in the file's order.
    public static var keyNames: [String] { keys.map(\.name) }

    /// Parses config-file text: `key = value` lines, `#` comments, blank lines; a value may be in double quotes.
    /// Each bad line gives one warning naming `file` and the line and is ignored; the rest applies, because one
    /// typo should not cost a user every other setting.
    public static func parse(text: String, file: String) -> Parsed {
        var parsed = Parsed()
        for line in KeyValueLine.lines(of: text) {
            func warn(_ message: String) {
                parsed.warnings.append(ConfigWarning(file: file, line: line.number, message: message))
            }
            guard let name = line.key, let rawValue = line.value else {
                warn("expected 'key = value', found '\(line.text)'")
                continue
            }
            guard let key = keys.first(where: { $0.name == name }) else {
                warn("unknown key '\(name)' (keys: \(keyNames.joined(separator: ", ")))")
                continue
            }
            if let earlier = parsed.lineOfKey[name] {
                warn("\(name) is already set on line \(earlier)")
                continue
            }
            guard let value = unquoted(rawValue) else {
                warn("\(name): the value starts with a double quote but does not end with one")
                continue
            }
            guard key.apply(&parsed.config, value) else {
                // A trailing comment is the likeliest reason a good-looking value fails.
                let hint = value.contains("#") ? " ('#' starts a comment only at the start of a line)" : ""
                warn("\(name) must be \(key.requirement), got \"\(value)\"\(hint)")
                continue
            }
            parsed.lineOfKey[name] = line.number
        }
        return parsed
    }

    /// The value of each key as the file would spell it, in the file's order; nil for an unset key.
    public var settings: [(key: String, value: String?)] {
        Self.keys.map { ($0.name, $0.text(self)) }
    }

    /// The file `adapt-top config init` writes: every key commented out at its default, under a line saying what
    /// it does, so the file changes nothing until the user uncomments a line.
    public static var template: String {
        let defaults = DashboardConfig()
        var lines = [
            "# adapt-top dashboard settings, written by `adapt-top config init`.",
            "#",
            "# Every key below is commented out and shows its built-in default: remove the leading \"# \" to change it.",
            "# Format: key = value, one per line; a value may be in double quotes; # starts a comment line.",
            "# A command-line flag wins over this file. adapt-top never writes this file: changes made with keys",
            "# while it runs (t, +/-, g) are not saved. `adapt-top config show` prints what it reads from here and",
            "# any line it ignores. Batch mode (--batch) ignores this file.",
        ]
        for key in keys {
            lines.append("")
            lines += key.help.split(separator: "\n").map { "# \($0)" }
            // A key without a default shows an example of its value instead.
            let value = key.text(defaults) ?? quoted("~/themes")
            lines.append("# \(key.name) = \(value)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func quoted(_ text: String) -> String {
        "\"\(text)\""
    }

    /// The value without its double quotes; nil for an opening quote without a closing one.
    static func unquoted(_ value: String) -> String? {
        guard value.hasPrefix("\"") else { return value }
        guard value.count >= 2, value.hasSuffix("\"") else { return nil }
        return String(value.dropFirst().dropLast())
    }

    static func boolean(_ value: String) -> Bool? {
        switch value.lowercased() {
        case "true": true
        case "false": false
        default: nil
        }
    }
}
