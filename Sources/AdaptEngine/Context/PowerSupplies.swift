/// One battery of the device (`sys/class/power_supply/<name>/` with `type` = `Battery`).
public struct Battery: Sendable, Equatable {
    /// `status` as the kernel writes it.
    public enum Status: String, Sendable, Equatable {
        case charging = "Charging"
        case discharging = "Discharging"
        case full = "Full"
        case notCharging = "Not charging"
        case unknown = "Unknown"
    }

    /// The directory name (`BAT0`).
    public var name: String
    /// nil when `status` is missing or holds a value this code does not know.
    public var status: Status?
    /// `present`: false for an empty battery bay; nil when the driver has no such file.
    public var present: Bool?
    /// `capacity` as reported by the driver, in percent.
    public var reportedPercent: Double?
    /// `energy_now` / `energy_full` (µWh in sysfs) in Wh; drivers that count charge instead leave these nil.
    public var energyNowWh: Double?
    public var energyFullWh: Double?
    /// `charge_now` / `charge_full` (µAh in sysfs) in Ah.
    public var chargeNowAh: Double?
    public var chargeFullAh: Double?
    /// The power flowing in or out, in W: `power_now` (µW), else `current_now` (µA) × `voltage_now` (µV). Always
    /// the magnitude, because drivers disagree on the sign; `status` says the direction.
    public var powerW: Double?

    public init(name: String, status: Status? = nil, present: Bool? = nil, reportedPercent: Double? = nil,
                energyNowWh: Double? = nil, energyFullWh: Double? = nil, chargeNowAh: Double? = nil,
                chargeFullAh: Double? = nil, powerW: Double? = nil) {
        self.name = name
        self.status = status
        self.present = present
        self.reportedPercent = reportedPercent
        self.energyNowWh = energyNowWh
        self.energyFullWh = energyFullWh
        self.chargeNowAh = chargeNowAh
        self.chargeFullAh = chargeFullAh
        self.powerW = powerW
    }

    /// The charge level in percent: `capacity` when the driver reports it, else measured from `energy_now` /
    /// `energy_full` (or `charge_now` / `charge_full`): the same two counters the kernel's own `capacity` comes
    /// from, so this is a measurement, not an estimate. Nil when neither is available.
    public var percent: Double? {
        if let reportedPercent { return reportedPercent }
        if let ratio = Self.ratio(energyNowWh, energyFullWh) { return ratio * 100 }
        if let ratio = Self.ratio(chargeNowAh, chargeFullAh) { return ratio * 100 }
        return nil
    }

    static func ratio(_ now: Double?, _ full: Double?) -> Double? {
        guard let now, let full, full > 0 else { return nil }
        return min(now / full, 1)
    }

    /// The battery parsed from its files' text keyed by file name (`status`, `capacity`, …); absent keys are files
    /// the driver does not provide.
    public static func parse(name: String, files: [String: String]) -> Battery {
        func micro(_ key: String) -> Double? { files[key].flatMap(KernelText.integer).map { Double($0) / 1e6 } }
        var power = micro("power_now").map(abs)
        if power == nil, let current = micro("current_now"), let voltage = micro("voltage_now") {
            power = abs(current * voltage)
        }
        return Battery(
            name: name,
            status: files["status"].flatMap(KernelText.value).flatMap(Status.init(rawValue:)),
            present: files["present"].flatMap(KernelText.integer).map { $0 != 0 },
            reportedPercent: files["capacity"].flatMap(KernelText.integer).map(Double.init),
            energyNowWh: micro("energy_now"), energyFullWh: micro("energy_full"),
            chargeNowAh: micro("charge_now"), chargeFullAh: micro("charge_full"),
            powerW: power)
    }
}

/// An external supply (`type` = `Mains` or `USB`): a wall adapter or a USB port that can power the device.
public struct PowerAdapter: Sendable, Equatable {
    public enum Kind: String, Sendable, Equatable {
        case mains = "Mains"
        case usb = "USB"
    }

    public var name: String
    public var kind: Kind
    /// `online`: whether it supplies power now; nil when the file is missing or unreadable.
    public var online: Bool?

    public init(name: String, kind: Kind, online: Bool?) {
        self.name = name
        self.kind = kind
        self.online = online
    }
}

/// The device's power supplies (`sys/class/power_supply/*`): its batteries and its adapters.
public struct PowerSupplies: Sendable, Equatable {
    /// Empty on a device without a battery (a Raspberry Pi, a VM, a desktop).
    public var batteries: [Battery]
    public var adapters: [PowerAdapter]

    public init(batteries: [Battery], adapters: [PowerAdapter]) {
        self.batteries = batteries
        self.adapters = adapters
    }

    static let directory = "sys/class/power_supply"

    /// The files the parser reads; nothing else in a supply's directory is opened.
    static let fileNames = [
        "type", "scope", "status", "present", "capacity", "online", "energy_now", "energy_full", "charge_now",
        "charge_full", "power_now", "current_now", "voltage_now",
    ]

    /// Every supply under `root`, by directory name.
    public static func read(from root: SystemRoot) -> PowerSupplies {
        var supplies: [String: [String: String]] = [:]
        for entry in root.list(directory) {
            var files: [String: String] = [:]
            for name in fileNames {
                if let text = root.read(directory + "/" + entry + "/" + name) { files[name] = text }
            }
            supplies[entry] = files
        }
        return parse(supplies: supplies)
    }

    /// The supplies from each directory's files' text, keyed by directory name then file name. Supplies with
    /// `scope` = `Device` (the battery of a wireless mouse or keyboard) are not the device's own power and are
    /// left out, as are types this code does not use (`UPS`, `Wireless`, …).
    public static func parse(supplies: [String: [String: String]]) -> PowerSupplies {
        var batteries: [Battery] = []
        var adapters: [PowerAdapter] = []
        for (name, files) in supplies.sorted(by: { $0.key < $1.key }) {
            if files["scope"].flatMap(KernelText.value) == "Device" { continue }
            switch files["type"].flatMap(KernelText.value) {
            case "Battery":
                batteries.append(Battery.parse(name: name, files: files))
            case let type?:
                guard let kind = PowerAdapter.Kind(rawValue: type) else { continue }
                adapters.append(PowerAdapter(
                    name: name, kind: kind, online: files["online"].flatMap(KernelText.integer).map { $0 != 0 }))
            case nil:
                continue
            }
        }
        return PowerSupplies(batteries: batteries, adapters: adapters)
    }

    /// The device's battery level in percent; nil when it has no battery present, or when the level is unknown.
    /// With several batteries it is their summed energy (or charge) now over their summed full energy, since their
    /// percentages cannot be averaged without their sizes.
    public var batteryPercent: Double? {
        let present = batteries.filter { $0.present != false }
        if present.count == 1 { return present[0].percent }
        guard present.count > 1 else { return nil }
        func summed(_ now: KeyPath<Battery, Double?>, _ full: KeyPath<Battery, Double?>) -> Double? {
            let nows = present.compactMap { $0[keyPath: now] }, fulls = present.compactMap { $0[keyPath: full] }
            guard nows.count == present.count, fulls.count == present.count else { return nil }
            return Battery.ratio(nows.reduce(0, +), fulls.reduce(0, +)).map { $0 * 100 }
        }
        return summed(\.energyNowWh, \.energyFullWh) ?? summed(\.chargeNowAh, \.chargeFullAh)
    }

    /// Whether any adapter supplies power now; nil when the device reports no adapter state at all.
    public var onExternalPower: Bool? {
        let states = adapters.compactMap(\.online)
        return states.isEmpty ? nil : states.contains(true)
    }
}
