import Foundation

/// The themes in a folder, for the `t` key to cycle through: `default` first (built in, whether or not the folder
/// has a `default.theme`), then the other `*.theme` files by name.
public struct ThemeCatalog: Sendable, Equatable {
    /// Where the theme files are; nil for a catalog of the built-in theme only.
    public var folder: String?
    /// Theme names (file names without `.theme`).
    public private(set) var names: [String]

    /// A catalog of `fileNames` (any names; only `*.theme` count) in `folder`.
    public init(folder: String?, fileNames: [String]) {
        self.folder = folder
        let others = Set(fileNames.filter { $0.hasSuffix(".theme") }.map { ThemeFile.themeName(fromPath: $0) })
            .subtracting(["default", ""])
        names = ["default"] + others.sorted()
    }

    /// The catalog of the `*.theme` files in `folder`; just the built-in default if it cannot be listed.
    public init(contentsOf folder: String) {
        let fileNames = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        self.init(folder: folder, fileNames: fileNames)
    }

    /// The theme after `name`, wrapping round; the first when `name` is not in the catalog.
    public func name(after name: String) -> String {
        guard let index = names.firstIndex(of: name) else { return names[0] }
        return names[(index + 1) % names.count]
    }

    /// The theme called `name`: its file merged over the built-in dark theme. A missing or bad file gives the
    /// built-in theme and one warning. `default` without a file is the built-in theme.
    public func load(_ name: String) -> (theme: Theme, warning: ThemeWarning?) {
        guard let folder else {
            return name == "default" ? (.dark, nil)
                : (.dark, ThemeWarning.theme(file: "\(name).theme", line: nil, message: "no themes folder"))
        }
        let path = (folder as NSString).appendingPathComponent("\(name).theme")
        guard FileManager.default.fileExists(atPath: path) else {
            return name == "default" ? (.dark, nil)
                : (.dark, ThemeWarning.theme(file: path, line: nil, message: "no such theme file"))
        }
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8)
        else {
            return (.dark, ThemeWarning.theme(file: path, line: nil, message: "cannot read the file as UTF-8 text"))
        }
        return Theme.loading(text, file: path)
    }
}

extension Theme {
    /// `text` (the contents of `file`) merged over `base`; on a bad line, `base` itself and the warning.
    public static func loading(_ text: String, file: String, over base: Theme = .dark)
        -> (theme: Theme, warning: ThemeWarning?)
    {
        switch ThemeFile.parse(text, file: file) {
        case .success(let parsed): (base.merging(parsed), nil)
        case .failure(let warning): (base, warning)
        }
    }
}
