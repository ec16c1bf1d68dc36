import Testing
@testable import AdaptTUI

@Suite struct ThemeResolveTests {
    @Test func noColorGivesNoColourNumbersAndTheMonochromeAttributes() {
        for theme in [Theme.dark, Theme.monochrome] {
            for colors in [0, 8, 256] {
                let styles = theme.resolved(colors: colors, noColor: true)
                #expect(styles.count == ColorRole.allCases.count)
                for role in ColorRole.allCases {
                    #expect(styles[role]?.foreground == nil && styles[role]?.background == nil, "\(role)")
                    #expect(styles[role]?.attributes == Theme.monochrome[role].attributes, "\(role)")
                }
                #expect(ColorPairs(styles).pairs.isEmpty)
            }
        }
    }

    @Test func aTerminalWithoutColoursBehavesLikeNoColor() {
        #expect(Theme.dark.resolved(colors: 0, noColor: false) == Theme.dark.resolved(colors: 256, noColor: true))
        #expect(Theme.dark.resolved(colors: 2, noColor: false) == Theme.dark.resolved(colors: 256, noColor: true))
    }

    @Test func aColourlessThemeKeepsItsOwnAttributes() {
        let file = ThemeFile(name: "mine", styles: [.text: RoleStyle(.terminalDefault, [.underline])])
        let custom = Theme.monochrome.merging(file)
        #expect(custom.resolved(colors: 0, noColor: true)[.text]?.attributes == [.underline])
    }

    @Test func twoHundredFiftySixColoursUseXtermIndices() {
        let styles = Theme.dark.resolved(colors: 256, noColor: false)
        #expect(styles[.text] == ResolvedStyle(foreground: 252))
        #expect(styles[.selected] == ResolvedStyle(foreground: 16, background: 74))
        #expect(styles[.critical] == ResolvedStyle(foreground: 203, attributes: [.bold]))
    }

    @Test func eightColoursUseBasicColoursAndBoldForBright() {
        let styles = Theme.dark.resolved(colors: 8, noColor: false)
        #expect(styles[.selected] == ResolvedStyle(foreground: 0, background: 6))
        #expect(styles[.critical] == ResolvedStyle(foreground: 1, attributes: [.bold]))
        let bright = Theme.dark.merging(ThemeFile(name: "b", styles: [.warn: RoleStyle(.ansi(11))]))
        #expect(bright.resolved(colors: 8, noColor: false)[.warn] == ResolvedStyle(foreground: 3, attributes: [.bold]))
        #expect(bright.resolved(colors: 16, noColor: false)[.warn] == ResolvedStyle(foreground: 11))
    }

    /// On the terminal's own (dark) background, black text would vanish; at 8 colours the default theme must
    /// not fall back to it, and no role's colours may collapse into one.
    @Test func defaultThemeStaysLegibleAtEightColours() {
        for (role, style) in Theme.dark.resolved(colors: 8, noColor: false) {
            if style.background == nil { #expect(style.foreground != 0, "\(role)") }
            #expect(style.foreground != style.background, "\(role)")
        }
    }

    /// A light terminal background: white text would vanish there.
    @Test func lightThemeStaysLegibleAtEightColours() throws {
        let (light, warning) = ThemeCatalog(contentsOf: ThemeTests.themesFolder).load("light")
        #expect(warning == nil)
        for (role, style) in light.resolved(colors: 8, noColor: false) where style.background == nil {
            #expect(style.foreground != 7, "\(role)")
        }
    }

    @Test(arguments: ["default", "light", "high-contrast"], [8, 16, 256])
    func noShippedRoleDrawsInItsOwnBackgroundColour(name: String, colors: Int) {
        let (theme, _) = ThemeCatalog(contentsOf: ThemeTests.themesFolder).load(name)
        for (role, style) in theme.resolved(colors: colors, noColor: false) where style.background != nil {
            #expect(style.foreground != style.background, "\(role)")
        }
    }

    @Test func colourPairsAreSharedAndNumberedFromOne() {
        let styles = Theme.dark.resolved(colors: 8, noColor: false)
        let pairs = ColorPairs(styles)
        #expect(pairs.pairs.map(\.number) == Array(1...pairs.pairs.count))
        #expect(pairs.number(for: .selected) == pairs.number(for: .keyLabel))
        #expect(pairs.number(for: .good) == pairs.number(for: .graphLow))
        #expect(pairs.number(for: .text) == 1)
        let first = pairs.pairs[0]
        #expect((first.foreground, first.background) == (7, -1))
        for role in ColorRole.allCases {
            let pair = pairs.pairs[pairs.number(for: role) - 1]
            #expect(pair.foreground == styles[role]?.foreground ?? -1, "\(role)")
            #expect(pair.background == styles[role]?.background ?? -1, "\(role)")
        }
        #expect(ColorPairs(Theme.monochrome.resolved(colors: 256, noColor: false)).number(for: .text) == 0)
    }

    @Test func noColorIsSetOnlyWhenNotEmpty() {
        #expect(Theme.noColorRequested(environment: ["NO_COLOR": "1"]))
        #expect(!Theme.noColorRequested(environment: ["NO_COLOR": ""]))
        #expect(!Theme.noColorRequested(environment: [:]))
    }
}
