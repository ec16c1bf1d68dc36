public import AdaptInference
public import Foundation

/// Profiles measured before, kept between runs: one JSON file per variant and measuring conditions under the XDG
/// cache directory. The key holds everything the figures depend on — the model's bytes, the transform, the CPU,
/// the thread count, the backend, the adapt-top build, the evaluation images and the timed runs — so a changed
/// model, machine or build simply misses. Files are written atomically (a temporary file renamed into place); a
/// file that does not parse is reported and measured again.
public struct ProfileCache: Sendable {
    public let directory: String

    public init(directory: String) {
        self.directory = directory
    }

    /// `$XDG_CACHE_HOME/adapt-top/profiles`, else `$HOME/.cache/adapt-top/profiles` (the XDG base directory
    /// rule); nil when neither variable is set.
    public static func defaultDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        if let cache = environment["XDG_CACHE_HOME"], cache.hasPrefix("/") { return cache + "/adapt-top/profiles" }
        if let home = environment["HOME"], !home.isEmpty { return home + "/.cache/adapt-top/profiles" }
        return nil
    }

    /// Everything a measured profile depends on.
    public struct Key: Codable, Sendable, Equatable {
        /// Fingerprint of the ONNX file's bytes.
        public var model: String
        public var transform: String
        public var machine: Machine
        public var backend: String
        /// Fingerprint of the evaluation images and labels, and how many were evaluated.
        public var images: String
        public var imageCount: Int
        public var iterations: Int

        public init(model: String, transform: String, machine: Machine, backend: String, images: String,
                    imageCount: Int, iterations: Int) {
            (self.model, self.transform, self.machine, self.backend) = (model, transform, machine, backend)
            (self.images, self.imageCount, self.iterations) = (images, imageCount, iterations)
        }
    }

    /// Where the measuring runs: CPU model, thread count and the adapt-top build.
    public struct Machine: Codable, Sendable, Equatable {
        public var cpu: String
        public var threads: Int
        /// Size and modification time of the running executable: a rebuilt adapt-top (new kernels) measures again.
        public var engine: String

        public init(cpu: String, threads: Int, engine: String) {
            (self.cpu, self.threads, self.engine) = (cpu, threads, engine)
        }

        /// This process on this machine: the CPU model from `/proc/cpuinfo` (or the architecture where it has none).
        public static func current(threads: Int, cpuinfo: String = "/proc/cpuinfo", executable: String = "/proc/self/exe") -> Machine {
            Machine(cpu: cpuModel(cpuinfo: cpuinfo), threads: threads, engine: engineIdentity(executable: executable))
        }

        static func cpuModel(cpuinfo path: String) -> String {
            let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
            for line in text.split(separator: "\n") where line.hasPrefix("model name") || line.hasPrefix("Model") {
                if let colon = line.firstIndex(of: ":") {
                    return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                }
            }
            var system = utsname()
            uname(&system)
            return withUnsafeBytes(of: system.machine) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        }

        static func engineIdentity(executable: String) -> String {
            let path = (try? FileManager.default.destinationOfSymbolicLink(atPath: executable)) ?? executable
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
                  let size = attributes[.size] as? Int, let modified = attributes[.modificationDate] as? Date
            else { return "unknown" }
            return "\(size)-\(Int(modified.timeIntervalSince1970))"
        }
    }

    /// What was measured for one variant.
    public struct Figures: Codable, Sendable, Equatable {
        public var correct: Int
        public var total: Int
        public var latency: Latency
        public var memoryBytes: Int
        /// The process's resident-memory growth while the variant was built, kept for derived variants, which a
        /// warm cache does not build again.
        public var residentGrowthBytes: Int?
        /// The backend that ran the variant; for a key of backend `auto`, the one the race chose (nil in files
        /// written before backends were chosen: then the key's backend).
        public var backend: String?

        public struct Latency: Codable, Sendable, Equatable {
            public var iterations: Int
            public var p50Ns: Int64, p95Ns: Int64, p99Ns: Int64, meanNs: Int64, totalNs: Int64
            /// The process's CPU time over the timed runs, when the clock was available.
            public var cpuNs: Int64?
        }

        public init(accuracy: AccuracyEvaluation, latency: LatencyStatistics, memoryBytes: Int, residentGrowthBytes: Int? = nil,
                    backend: String? = nil) {
            let ns = LatencyStatistics.nanoseconds
            (correct, total) = (accuracy.correct, accuracy.total)
            self.latency = Latency(
                iterations: latency.iterations, p50Ns: ns(latency.p50), p95Ns: ns(latency.p95), p99Ns: ns(latency.p99),
                meanNs: ns(latency.mean), totalNs: ns(latency.total), cpuNs: latency.cpuTime.map(ns))
            self.memoryBytes = memoryBytes
            self.residentGrowthBytes = residentGrowthBytes
            self.backend = backend
        }

        public var accuracy: AccuracyEvaluation { AccuracyEvaluation(correct: correct, total: total) }

        public var latencyStatistics: LatencyStatistics {
            LatencyStatistics(
                iterations: latency.iterations, p50: .nanoseconds(latency.p50Ns), p95: .nanoseconds(latency.p95Ns),
                p99: .nanoseconds(latency.p99Ns), mean: .nanoseconds(latency.meanNs), total: .nanoseconds(latency.totalNs),
                cpuTime: latency.cpuNs.map { .nanoseconds($0) })
        }
    }

    /// One cache file: the key it was measured under (checked on reading) and the figures.
    public struct Entry: Codable, Sendable, Equatable {
        public var key: Key
        public var figures: Figures

        public init(key: Key, figures: Figures) {
            (self.key, self.figures) = (key, figures)
        }
    }

    public enum Lookup: Sendable, Equatable {
        case hit(Entry)
        case miss
        /// A file for this key exists but does not parse: the reason names the file.
        case corrupt(String)
    }

    /// The file a key's entry lives in: the fingerprint of the key itself.
    public func path(for key: Key) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let canonical = (try? encoder.encode(key)) ?? Data()
        return directory + "/" + ContentHash.hex(canonical) + ".json"
    }

    public func lookup(_ key: Key) -> Lookup {
        let path = path(for: key)
        guard let data = FileManager.default.contents(atPath: path) else { return .miss }
        do {
            let entry = try JSONDecoder().decode(Entry.self, from: data)
            return entry.key == key ? .hit(entry) : .miss  // another key with the same fingerprint
        } catch {
            return .corrupt("\(path): not a profile cache entry (\(Self.describe(error)))")
        }
    }

    /// Writes `entry` to a temporary file next to its place, then renames it there: readers see the old file or
    /// the new one, never half of one.
    public func store(_ entry: Entry) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        let destination = path(for: entry.key)
        let temporary = destination + ".\(ProcessInfo.processInfo.processIdentifier).tmp"
        try encoder.encode(entry).write(to: URL(fileURLWithPath: temporary))
        guard rename(temporary, destination) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(atPath: temporary)
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: destination, NSLocalizedDescriptionKey: reason])
        }
    }

    private static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.dataCorrupted(let context): context.debugDescription
        case DecodingError.keyNotFound(let key, _): "missing \(key.stringValue)"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            "\(context.codingPath.map(\.stringValue).joined(separator: ".")): \(context.debugDescription)"
        default: "\(error)"
        }
    }
}
