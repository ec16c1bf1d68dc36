/// One trip point of a thermal zone: the temperature at which the kernel acts (`trip_point_N_{type,temp}`).
public struct ThermalTrip: Sendable, Equatable {
    /// What the kernel does when the zone reaches the trip.
    public enum Kind: Sendable, Hashable {
        /// Slows the CPU (cpufreq) down: the trip that costs inference latency.
        case passive
        /// Starts or speeds up a fan; nothing slows down.
        case active
        /// Notifies user space that the device is about to overheat.
        case hot
        /// Shuts the device down.
        case critical
        /// A type this code does not know, kept as the kernel wrote it.
        case other(String)

        init(_ text: String) {
            switch text {
            case "passive": self = .passive
            case "active": self = .active
            case "hot": self = .hot
            case "critical": self = .critical
            default: self = .other(text)
            }
        }
    }

    /// N in `trip_point_N_*`.
    public var index: Int
    public var kind: Kind
    public var celsius: Double

    public init(index: Int, kind: Kind, celsius: Double) {
        self.index = index
        self.kind = kind
        self.celsius = celsius
    }
}

/// One `sys/class/thermal/thermal_zoneN/`: a temperature sensor and the trip points the kernel watches on it.
public struct ThermalZone: Sendable, Equatable {
    /// N in `thermal_zoneN`.
    public var number: Int
    /// The sensor's name (`cpu-thermal`, `x86_pkg_temp`, `acpitz`); nil when `type` is missing.
    public var type: String?
    /// The temperature; nil when `temp` is missing, empty or failed to read (some sensors answer EIO).
    public var celsius: Double?
    /// Trip points with a readable type and temperature, by index.
    public var trips: [ThermalTrip]

    public init(number: Int, type: String?, celsius: Double?, trips: [ThermalTrip]) {
        self.number = number
        self.type = type
        self.celsius = celsius
        self.trips = trips
    }

    /// The zone parsed from its files' text, keyed by file name (`type`, `temp`, `trip_point_0_type`, …); a file
    /// that is absent from `files` is one the zone lacks or that failed to read.
    public static func parse(number: Int, files: [String: String]) -> ThermalZone {
        let type = files["type"].flatMap(KernelText.value)
        var trips: [ThermalTrip] = []
        for name in files.keys {
            guard let index = tripIndex(name, suffix: "_type"),
                  let kind = files[name].flatMap(KernelText.value),
                  let temp = files["trip_point_\(index)_temp"].flatMap(celsius(millidegrees:))
            else { continue }
            trips.append(ThermalTrip(index: index, kind: ThermalTrip.Kind(kind), celsius: temp))
        }
        trips.sort { $0.index < $1.index }
        return ThermalZone(number: number, type: type, celsius: files["temp"].flatMap(celsius(millidegrees:)),
                           trips: trips)
    }

    /// Degrees Celsius from the kernel's millidegrees (`52582` → 52.582); nil for empty or non-numeric text.
    public static func celsius(millidegrees text: String) -> Double? {
        KernelText.integer(text).map { Double($0) / 1000 }
    }

    /// N in `trip_point_N_<suffix>`, or nil for any other name.
    static func tripIndex(_ name: String, suffix: String) -> Int? {
        guard name.hasPrefix("trip_point_"), name.hasSuffix(suffix) else { return nil }
        return Int(name.dropFirst("trip_point_".count).dropLast(suffix.count))
    }
}

/// How far a zone is from its next trip point.
public struct ThermalHeadroom: Sendable, Equatable {
    public var zone: ThermalZone
    /// The lowest of the zone's trips above its temperature.
    public var trip: ThermalTrip
    /// `trip.celsius - zone.celsius`, > 0.
    public var degrees: Double
}

/// All thermal zones of the device (`sys/class/thermal/thermal_zone*`), by zone number.
public struct ThermalZones: Sendable, Equatable {
    /// Empty when the device exposes no thermal zones (a VM, a container without /sys).
    public var zones: [ThermalZone]

    public init(zones: [ThermalZone]) {
        self.zones = zones.sorted { $0.number < $1.number }
    }

    static let directory = "sys/class/thermal"

    /// Reads every `thermal_zoneN` under `root`; zones sort by number, so `thermal_zone10` comes after `thermal_zone9`.
    public static func read(from root: SystemRoot) -> ThermalZones {
        var zones: [ThermalZone] = []
        for entry in root.list(directory) {
            guard let number = zoneNumber(entry) else { continue }
            let zoneDirectory = directory + "/" + entry
            var files: [String: String] = [:]
            // Only the files the parser uses: other sysfs attributes (`mode`, `policy`, …) are never opened.
            for name in root.list(zoneDirectory)
            where name == "type" || name == "temp" || ZoneFile.isTrip(name) {
                if let text = root.read(zoneDirectory + "/" + name) { files[name] = text }
            }
            zones.append(ThermalZone.parse(number: number, files: files))
        }
        return ThermalZones(zones: zones)
    }

    /// N in `thermal_zoneN`, or nil for other entries (`cooling_device0`).
    public static func zoneNumber(_ entry: String) -> Int? {
        guard entry.hasPrefix("thermal_zone") else { return nil }
        return Int(entry.dropFirst("thermal_zone".count))
    }

    /// The zone with the highest readable temperature; nil when no zone has one.
    public var hottest: ThermalZone? {
        zones.compactMap { zone in zone.celsius.map { (zone, $0) } }.max { $0.1 < $1.1 }?.0
    }

    /// The zone closest to one of its own trips of `kinds`: the smallest distance from a zone's temperature to the
    /// lowest of its trips above it. Each zone is compared with its own trips only, because trips are set per sensor
    /// (an `acpitz` trip says nothing about `x86_pkg_temp`). Active trips are left out by default: they start a fan,
    /// they do not slow inference down. Nil when no zone has a temperature and such a trip above it.
    public func headroom(kinds: Set<ThermalTrip.Kind> = [.passive, .hot, .critical]) -> ThermalHeadroom? {
        var best: ThermalHeadroom?
        for zone in zones {
            guard let celsius = zone.celsius,
                  let trip = zone.trips.filter({ kinds.contains($0.kind) && $0.celsius > celsius })
                      .min(by: { $0.celsius < $1.celsius })
            else { continue }
            let degrees = trip.celsius - celsius
            if best.map({ degrees < $0.degrees }) ?? true {
                best = ThermalHeadroom(zone: zone, trip: trip, degrees: degrees)
            }
        }
        return best
    }
}

private enum ZoneFile {
    static func isTrip(_ name: String) -> Bool {
        ThermalZone.tripIndex(name, suffix: "_type") != nil || ThermalZone.tripIndex(name, suffix: "_temp") != nil
    }
}
