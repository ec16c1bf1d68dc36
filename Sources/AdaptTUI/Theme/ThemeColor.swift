/// A colour as a theme file names it: the terminal's default, one of the 16 ANSI colours, an xterm-256 index, or
/// 24-bit hex. It stays symbolic until `Theme.resolved` knows how many colours the terminal has.
public enum ThemeColor: Sendable, Hashable {
    /// The terminal's own foreground or background (curses colour -1).
    case terminalDefault
    /// ANSI colours 0–15: `black`…`white` are 0–7, `bright-black`…`bright-white` 8–15.
    case ansi(Int)
    /// An xterm-256 palette index (`color0`…`color255`).
    case indexed(Int)
    /// `#rrggbb`.
    case rgb(red: Int, green: Int, blue: Int)

    static let ansiNames = ["black", "red", "green", "yellow", "blue", "magenta", "cyan", "white"]

    /// Parses a theme-file colour word (case-insensitive); nil when it is not one.
    public init?(parsing word: String) {
        let word = word.lowercased()
        if word == "default" {
            self = .terminalDefault
        } else if let index = Self.ansiNames.firstIndex(of: word) {
            self = .ansi(index)
        } else if word.hasPrefix("bright-"), let index = Self.ansiNames.firstIndex(of: String(word.dropFirst(7))) {
            self = .ansi(index + 8)
        } else if word.hasPrefix("color"), (1...3).contains(word.count - 5),
                  word.dropFirst(5).allSatisfy({ ("0"..."9").contains($0) }),
                  let index = Int(word.dropFirst(5)), index < 256 {
            self = .indexed(index)
        } else if word.hasPrefix("#"), word.count == 7,
                  word.dropFirst().allSatisfy(\.isHexDigit), let value = Int(word.dropFirst(), radix: 16) {
            self = .rgb(red: value >> 16, green: (value >> 8) & 0xff, blue: value & 0xff)
        } else {
            return nil
        }
    }

    /// The colour as a theme file writes it, so a theme can be written back out.
    public var themeFileWord: String {
        switch self {
        case .terminalDefault: "default"
        case .ansi(let index): (index >= 8 ? "bright-" : "") + Self.ansiNames[index & 7]
        case .indexed(let index): "color\(index)"
        case .rgb(let red, let green, let blue):
            "#" + [red, green, blue].map { String($0, radix: 16).leftPadded(to: 2) }.joined()
        }
    }

    /// The curses colour number for a terminal with `colors` colours (8, 16, 88, 256…), nil for the default colour.
    /// Needs at least 8 colours; callers handle monochrome terminals before asking.
    public func colorNumber(forTerminalWith colors: Int) -> Int? {
        switch self {
        case .terminalDefault:
            return nil
        case .ansi(let index):
            // Named colours keep their name: the terminal's palette decides what "red" looks like, and bright
            // colours fall back to their plain twin where only 8 exist (the convention terminals follow).
            return colors >= 16 ? index : index & 7
        case .indexed(let index):
            if index < 16 { return colors >= 16 ? index : index & 7 }
            if colors >= 256 { return index }
            return XtermPalette.nearest(to: XtermPalette.rgb(ofIndex: index), among: colors >= 16 ? 16 : 8)
        case .rgb(let red, let green, let blue):
            if colors >= 256 { return XtermPalette.nearestXterm256(red: red, green: green, blue: blue) }
            return XtermPalette.nearest(to: (red, green, blue), among: colors >= 16 ? 16 : 8)
        }
    }

    /// True for `bright-…` and `color8`…`color15`, which an 8-colour terminal shows as bold plain colours.
    var isBrightANSI: Bool {
        switch self {
        case .ansi(let index), .indexed(let index): index >= 8 && index < 16
        default: false
        }
    }
}

extension ThemeColor {
    /// `.rgb` from a 0xrrggbb literal, for the built-in themes and tests.
    static func rgb(_ value: Int) -> ThemeColor {
        .rgb(red: value >> 16, green: (value >> 8) & 0xff, blue: value & 0xff)
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        String(repeating: "0", count: max(0, width - count)) + self
    }
}
