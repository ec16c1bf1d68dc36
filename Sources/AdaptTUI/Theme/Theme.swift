/// Text attributes a role can carry besides its colours.
public struct TextAttributes: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let bold = TextAttributes(rawValue: 1 << 0)
    public static let reverse = TextAttributes(rawValue: 1 << 1)
    public static let dim = TextAttributes(rawValue: 1 << 2)
    public static let underline = TextAttributes(rawValue: 1 << 3)

    /// The theme-file words, in the order they are written out.
    static let words: [(String, TextAttributes)] = [
        ("bold", .bold), ("reverse", .reverse), ("dim", .dim), ("underline", .underline),
    ]
}

/// How a theme draws one role.
public struct RoleStyle: Sendable, Hashable {
    public var foreground: ThemeColor
    public var background: ThemeColor
    public var attributes: TextAttributes

    public init(_ foreground: ThemeColor = .terminalDefault, on background: ThemeColor = .terminalDefault,
                _ attributes: TextAttributes = []) {
        (self.foreground, self.background, self.attributes) = (foreground, background, attributes)
    }

    /// True when the style names no colour at all, only attributes.
    public var isColorless: Bool { foreground == .terminalDefault && background == .terminalDefault }

    /// The right-hand side of a theme-file line: `fg [on bg] [attributes…]`.
    public var themeFileValue: String {
        var words = [foreground.themeFileWord]
        if background != .terminalDefault { words += ["on", background.themeFileWord] }
        words += TextAttributes.words.filter { attributes.contains($0.1) }.map(\.0)
        return words.joined(separator: " ")
    }
}

/// A complete mapping from every `ColorRole` to a style. Theme files only override roles of a base theme, so a
/// `Theme` always has every role.
public struct Theme: Sendable, Equatable {
    public var name: String
    private var styles: [ColorRole: RoleStyle]

    /// A theme with `styles` for the roles given and the terminal's plain text for any role left out.
    public init(name: String, styles: [ColorRole: RoleStyle]) {
        self.name = name
        self.styles = styles
    }

    public subscript(role: ColorRole) -> RoleStyle {
        get { styles[role] ?? RoleStyle() }
        set { styles[role] = newValue }
    }

    /// This theme with the file's roles overriding ours; roles the file leaves out keep our style.
    public func merging(_ file: ThemeFile) -> Theme {
        Theme(name: file.name, styles: styles.merging(file.styles) { _, fromFile in fromFile })
    }

    /// True when no role names a colour (a theme for monochrome terminals, told apart by attributes).
    public var isColorless: Bool { ColorRole.allCases.allSatisfy { self[$0].isColorless } }

    /// The theme written out in the theme-file format, one line per role in `ColorRole` order.
    public var themeFileText: String {
        (["name = \(name)"] + ColorRole.allCases.map { "\($0.rawValue) = \(self[$0].themeFileValue)" })
            .joined(separator: "\n") + "\n"
    }
}

extension Theme {
    /// The built-in dark theme, used when no theme file is given and under every file. Hex colours were picked so
    /// their 8-colour fallbacks stay distinct where it matters and none is black on the terminal background.
    public static let dark = Theme(name: "default", styles: [
        .text: RoleStyle(.rgb(0xd0d0d0)),
        .dim: RoleStyle(.rgb(0x8a8a8a)),
        .title: RoleStyle(.rgb(0x5fafff), [.bold]),
        .border: RoleStyle(.rgb(0x5f87af)),
        .header: RoleStyle(.rgb(0xffd75f), [.bold]),
        .front: RoleStyle(.rgb(0x5fd7ff)),
        .active: RoleStyle(.rgb(0x00d700), [.bold]),
        .pinned: RoleStyle(.rgb(0xd75fd7), [.bold]),
        .budget: RoleStyle(.rgb(0xffd700)),
        .floor: RoleStyle(.rgb(0x5f87ff)),
        .good: RoleStyle(.rgb(0x5faf5f)),
        .warn: RoleStyle(.rgb(0xffaf00)),
        .critical: RoleStyle(.rgb(0xff5f5f), [.bold]),
        .selected: RoleStyle(.rgb(0x000000), on: .rgb(0x5fafd7)),
        .graphLow: RoleStyle(.rgb(0x5faf5f)),
        .graphMid: RoleStyle(.rgb(0xd7af00)),
        .graphHigh: RoleStyle(.rgb(0xd75f5f)),
        .injected: RoleStyle(.rgb(0xff8700), [.underline]),
        .keyBar: RoleStyle(.rgb(0xffffff), [.bold]),
        .keyLabel: RoleStyle(.rgb(0x000000), on: .rgb(0x5fafd7)),
    ])

    /// The built-in colourless theme: roles told apart by attributes alone. Used for every theme when the
    /// terminal has no colours or `NO_COLOR` is set, because a colour theme's attributes assume its colours.
    public static let monochrome = Theme(name: "monochrome", styles: [
        .text: RoleStyle(),
        .dim: RoleStyle(.terminalDefault, [.dim]),
        .title: RoleStyle(.terminalDefault, [.bold]),
        .border: RoleStyle(.terminalDefault, [.dim]),
        .header: RoleStyle(.terminalDefault, [.bold]),
        .front: RoleStyle(.terminalDefault, [.bold]),
        .active: RoleStyle(.terminalDefault, [.bold, .underline]),
        .pinned: RoleStyle(.terminalDefault, [.underline]),
        .budget: RoleStyle(.terminalDefault, [.bold]),
        .floor: RoleStyle(.terminalDefault, [.bold]),
        .good: RoleStyle(),
        .warn: RoleStyle(.terminalDefault, [.bold]),
        .critical: RoleStyle(.terminalDefault, [.bold, .reverse]),
        .selected: RoleStyle(.terminalDefault, [.reverse]),
        .graphLow: RoleStyle(.terminalDefault, [.dim]),
        .graphMid: RoleStyle(),
        .graphHigh: RoleStyle(.terminalDefault, [.bold]),
        .injected: RoleStyle(.terminalDefault, [.underline]),
        .keyBar: RoleStyle(.terminalDefault, [.bold]),
        .keyLabel: RoleStyle(.terminalDefault, [.reverse]),
    ])
}
