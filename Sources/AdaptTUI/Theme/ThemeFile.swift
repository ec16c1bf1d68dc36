/// A parsed theme file: its name and the roles it sets. Merged over a base theme (`Theme.merging`), so it may set
/// as few roles as it likes.
public struct ThemeFile: Sendable, Equatable {
    public var name: String
    public var styles: [ColorRole: RoleStyle]

    public init(name: String, styles: [ColorRole: RoleStyle] = [:]) {
        (self.name, self.styles) = (name, styles)
    }
}

/// What was wrong with a theme file; the file is then ignored as a whole and the default theme used.
public typealias ThemeWarning = FileWarning

extension FileWarning {
    /// A theme file's mistake: the default theme is used instead.
    static func theme(file: String, line: Int?, message: String) -> FileWarning {
        FileWarning(file: file, line: line, message: message, consequence: "using the default theme")
    }
}

extension ThemeFile {
    /// Parses theme-file text (format: themes/README.md). `file` names the file in the warning and, without its
    /// folder and `.theme`, is the theme's name unless a `name =` line gives one. Stops at the first bad line:
    /// a half-applied theme would be harder to notice than one warning.
    public static func parse(_ text: String, file: String) -> Result<ThemeFile, ThemeWarning> {
        var result = ThemeFile(name: themeName(fromPath: file))
        var lineOfRole: [ColorRole: Int] = [:]
        for line in KeyValueLine.lines(of: text) {
            let number = line.number
            func fail(_ message: String) -> Result<ThemeFile, ThemeWarning> {
                .failure(ThemeWarning.theme(file: file, line: number, message: message))
            }
            guard let key = line.key, let value = line.value else {
                return fail("expected 'role = colour [on colour] [attributes]', found '\(line.text)'")
            }
            if key == "name" {
                guard !value.isEmpty else { return fail("'name =' needs a name") }
                result.name = value
                continue
            }
            guard let role = ColorRole(rawValue: key) else {
                return fail("unknown role '\(key)' (roles: \(ColorRole.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            if let earlier = lineOfRole[role] {
                return fail("role '\(key)' already set on line \(earlier)")
            }
            do {
                result.styles[role] = try RoleStyle(parsing: value)
                lineOfRole[role] = number
            } catch {
                return fail("\(key): \(error.message)")
            }
        }
        return .success(result)
    }

    /// `themes/light.theme` → `light`.
    static func themeName(fromPath path: String) -> String {
        let base = path.split(separator: "/").last.map(String.init) ?? path
        return base.hasSuffix(".theme") ? String(base.dropLast(6)) : base
    }
}

/// Why a role's value did not parse; the file parser adds the file and line.
struct StyleParseError: Error {
    var message: String
}

extension RoleStyle {
    /// Parses `fg [on bg] [bold] [reverse] [dim] [underline]`; the foreground may be left out (attributes only).
    init(parsing value: String) throws(StyleParseError) {
        self.init()
        var words = value.split(whereSeparator: \.isWhitespace).map { String($0).lowercased() }[...]
        guard !words.isEmpty else { throw StyleParseError(message: "no colour or attribute given") }
        var sawForeground = false, sawBackground = false
        while let word = words.popFirst() {
            if let attribute = TextAttributes.words.first(where: { $0.0 == word })?.1 {
                attributes.insert(attribute)
            } else if word == "on" {
                guard !sawBackground else { throw StyleParseError(message: "two backgrounds ('on' twice)") }
                guard let next = words.popFirst() else {
                    throw StyleParseError(message: "'on' needs a background colour after it")
                }
                guard let color = ThemeColor(parsing: next) else { throw Self.unknownColor(next) }
                background = color
                sawBackground = true
            } else if let color = ThemeColor(parsing: word) {
                guard !sawForeground, !sawBackground else {
                    throw StyleParseError(message: "unexpected colour '\(word)': write 'foreground on background'")
                }
                foreground = color
                sawForeground = true
            } else {
                throw Self.unknownColor(word)
            }
        }
    }

    private static func unknownColor(_ word: String) -> StyleParseError {
        if word == "#" {
            return StyleParseError(message: "'#' starts a comment only at the start of a line")
        }
        if word.hasPrefix("#") {
            return StyleParseError(message: "bad hex colour '\(word)' (expected #rrggbb)")
        }
        if word.hasPrefix("color") {
            return StyleParseError(message: "bad colour index '\(word)' (expected color0 to color255)")
        }
        return StyleParseError(message: "unknown colour or attribute '\(word)' (colours: default, black, red, "
            + "green, yellow, blue, magenta, cyan, white, bright-<colour>, color0-color255, #rrggbb; "
            + "attributes: bold, reverse, dim, underline)")
    }
}

extension StringProtocol {
    func trimmingWhitespace() -> String {
        String(drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }
}
