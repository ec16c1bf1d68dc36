import Foundation
import Testing
@testable import AdaptTUI

@Suite struct ThemeTests {
    static let themesFolder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("themes").path
    static let shippedNames = ["default", "high-contrast", "light", "monochrome"]

    static func shippedText(_ name: String) throws -> String {
        try String(contentsOfFile: "\(themesFolder)/\(name).theme", encoding: .utf8)
    }

    @Test func catalogListsTheShippedThemesDefaultFirst() {
        #expect(ThemeCatalog(contentsOf: Self.themesFolder).names == Self.shippedNames)
    }

    @Test(arguments: shippedNames)
    func shippedThemeParsesCleanAndCoversEveryRole(name: String) throws {
        let parsed = try ThemeFile.parse(Self.shippedText(name), file: "\(name).theme").get()
        #expect(parsed.name == name)
        // Shipped themes spell out every role, so a user copying one sees them all.
        #expect(Set(parsed.styles.keys) == Set(ColorRole.allCases))
        let (theme, warning) = ThemeCatalog(contentsOf: Self.themesFolder).load(name)
        #expect(warning == nil)
        #expect(theme.name == name)
    }

    @Test func shippedCopiesMatchTheBuiltInThemes() throws {
        // Role by role, so a drift names the role instead of printing two whole themes.
        for (name, builtIn) in [("default", Theme.dark), ("monochrome", Theme.monochrome)] {
            let file = try ThemeFile.parse(Self.shippedText(name), file: "\(name).theme").get()
            #expect(file.name == builtIn.name)
            for role in ColorRole.allCases {
                #expect(file.styles[role] == builtIn[role], "\(name).theme: \(role.rawValue)")
            }
        }
        #expect(Theme.monochrome.isColorless)
        #expect(!Theme.dark.isColorless)
    }

    @Test func writtenOutThemesParseBackToThemselves() throws {
        for theme in [Theme.dark, Theme.monochrome] {
            let parsed = try ThemeFile.parse(theme.themeFileText, file: "x.theme").get()
            #expect(Theme.dark.merging(parsed) == theme)
        }
    }

    @Test func mergingKeepsRolesTheFileLeavesOut() throws {
        let text = """
            # only two roles
            name = mine
              warn = bright-red on color17 bold underline

            selected = reverse
            """
        let (theme, warning) = Theme.loading(text, file: "themes/mine.theme")
        #expect(warning == nil)
        #expect(theme.name == "mine")
        #expect(theme[.warn] == RoleStyle(.ansi(9), on: .indexed(17), [.bold, .underline]))
        #expect(theme[.selected] == RoleStyle(.terminalDefault, [.reverse]))
        for role in ColorRole.allCases where role != .warn && role != .selected {
            #expect(theme[role] == Theme.dark[role], "\(role)")
        }
    }

    @Test func nameDefaultsToTheFileNameAndCRLFIsAccepted() throws {
        let parsed = try ThemeFile.parse("text = red\r\ndim = blue\r\n", file: "/x/y/solar.theme").get()
        #expect(parsed.name == "solar")
        #expect(parsed.styles == [.text: RoleStyle(.ansi(1)), .dim: RoleStyle(.ansi(4))])
    }

    @Test(arguments: [
        ("warn = red\nfoo = blue\n", 2, "unknown role 'foo'"),
        ("\n\ntext = orang\n", 3, "text: unknown colour or attribute 'orang'"),
        ("text = #12345\n", 1, "text: bad hex colour '#12345'"),
        ("text = color300\n", 1, "text: bad colour index 'color300'"),
        ("# fine\nthis is not a setting\n", 2, "expected 'role = colour"),
        ("text = red on\n", 1, "text: 'on' needs a background colour"),
        ("text = red blue\n", 1, "text: unexpected colour 'blue'"),
        ("text = red on blue on green\n", 1, "text: two backgrounds"),
        ("text = red\ndim = blue\ntext = green\n", 3, "role 'text' already set on line 3"),
        ("text =\n", 1, "text: no colour or attribute given"),
        ("name =\n", 1, "'name =' needs a name"),
        ("front = cyan # the front\n", 1, "front: '#' starts a comment only at the start of a line"),
    ])
    func badLineGivesOneWarningWithFileAndLineAndTheDefault(text: String, line: Int, message: String) throws {
        // Two good lines first: a bad line anywhere discards the whole file.
        let (theme, warning) = Theme.loading("name = broken\ntitle = red\n" + text, file: "themes/broken.theme")
        #expect(theme == Theme.dark)
        let found = try #require(warning)
        #expect(found.file == "themes/broken.theme")
        #expect(found.line == line + 2)
        #expect(found.message.hasPrefix(message), "\(found.message)")
        #expect(found.description.hasPrefix("themes/broken.theme:\(line + 2): "))
    }

    @Test func catalogCyclesAndLoadsWithWarnings() throws {
        let folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("adapt-top-themes-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try "text = red\n".write(toFile: "\(folder)/zeta.theme", atomically: true, encoding: .utf8)
        try "text = nope\n".write(toFile: "\(folder)/bad.theme", atomically: true, encoding: .utf8)
        try "ignored".write(toFile: "\(folder)/notes.txt", atomically: true, encoding: .utf8)

        let catalog = ThemeCatalog(contentsOf: folder)
        #expect(catalog.names == ["default", "bad", "zeta"])
        #expect(catalog.name(after: "default") == "bad")
        #expect(catalog.name(after: "zeta") == "default")
        #expect(catalog.name(after: "gone") == "default")

        let builtIn = catalog.load("default")
        #expect(builtIn.theme == Theme.dark && builtIn.warning == nil)
        #expect(catalog.load("zeta").theme[.text] == RoleStyle(.ansi(1)))
        let bad = catalog.load("bad")
        #expect(bad.theme == Theme.dark)
        #expect(bad.warning?.line == 1)
        #expect(bad.warning?.file.hasSuffix("/bad.theme") == true)
        #expect(catalog.load("missing").warning?.message == "no such theme file")
        #expect(ThemeCatalog(contentsOf: "\(folder)/nowhere").names == ["default"])
    }
}
