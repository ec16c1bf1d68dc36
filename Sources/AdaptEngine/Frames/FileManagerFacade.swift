import Foundation

/// The few file-system reads the frame sources need, kept in one place.
enum FileManagerFacade {
    static func contents(of directory: String) throws -> [String] {
        do {
            return try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw FrameSourceError(path: directory, message: "cannot list the folder (\(error.localizedDescription))")
        }
    }

    static func text(at path: String) -> String? {
        try? String(contentsOfFile: path, encoding: .utf8)
    }
}
