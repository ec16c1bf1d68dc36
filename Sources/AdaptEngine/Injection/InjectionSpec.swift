/// An injection as the command line names it (`--inject`): `cpu=THREADS[@DUTY]`, `mem=MB`, `drift=KIND:SEVERITY`,
/// `battery=PCT`.
public enum InjectionSpec: Sendable, Equatable {
    case command(EngineCommand)
    /// A battery level where the device has none (not an engine command: the sampler reports it).
    case battery(percent: Double)

    public static func parse(_ text: String) throws(InjectionError) -> InjectionSpec {
        let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
        guard parts.count == 2, !parts[1].isEmpty else {
            throw .invalid("'\(text)' is not an injection: use cpu=THREADS[@DUTY], mem=MB, drift=KIND:SEVERITY or battery=PCT")
        }
        let (kind, value) = (parts[0], parts[1])
        switch kind {
        case "cpu":
            let fields = value.split(separator: "@", maxSplits: 1).map(String.init)
            guard let threads = Int(fields[0]), threads >= 1 else {
                throw .invalid("cpu=\(value): the thread count must be a whole number ≥ 1")
            }
            var duty = 1.0
            if fields.count == 2 {
                let text = fields[1].hasSuffix("%") ? String(fields[1].dropLast()) : fields[1]
                guard let parsed = Double(text) else { throw .invalid("cpu=\(value): the duty must be a number like 0.5 or 50%") }
                duty = fields[1].hasSuffix("%") ? parsed / 100 : parsed
            }
            guard duty > 0, duty <= 1 else { throw .invalid("cpu=\(value): the duty must be in (0, 1]") }
            return .command(.startCPULoad(threads: threads, duty: duty))
        case "mem":
            guard let megabytes = Int(value), megabytes >= 1 else { throw .invalid("mem=\(value): give whole megabytes ≥ 1") }
            return .command(.startMemoryPressure(megabytes: megabytes))
        case "drift":
            let fields = value.split(separator: ":", maxSplits: 1).map(String.init)
            let kinds = InputDrift.Kind.allCases.map(\.rawValue).joined(separator: ", ")
            guard let driftKind = InputDrift.Kind(rawValue: fields[0]) else {
                throw .invalid("drift=\(value): unknown kind '\(fields[0])' (known: \(kinds))")
            }
            guard fields.count == 2, let severity = Int(fields[1]) else {
                throw .invalid("drift=\(value): give a severity 1…5 after the kind, e.g. drift=\(driftKind.rawValue):3")
            }
            return .command(.setDrift(try InputDrift(driftKind, severity: severity)))
        case "battery":
            guard let percent = Double(value.hasSuffix("%") ? String(value.dropLast()) : value), (0...100).contains(percent) else {
                throw .invalid("battery=\(value): give a level 0…100")
            }
            return .battery(percent: percent)
        default:
            throw .invalid("unknown injection '\(kind)' (known: cpu, mem, drift, battery)")
        }
    }
}
