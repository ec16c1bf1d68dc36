/// One interface's cumulative counters from `proc/net/dev`, since the interface came up.
public struct NetworkInterfaceCounters: Sendable, Equatable {
    public var name: String
    public var rxBytes: UInt64
    public var rxPackets: UInt64
    public var txBytes: UInt64
    public var txPackets: UInt64

    public init(name: String, rxBytes: UInt64, rxPackets: UInt64, txBytes: UInt64, txPackets: UInt64) {
        self.name = name
        self.rxBytes = rxBytes
        self.rxPackets = rxPackets
        self.txBytes = txBytes
        self.txPackets = txPackets
    }
}

/// One interface's traffic between two readings.
public struct InterfaceThroughput: Sendable, Equatable {
    public var name: String
    /// Nil when a counter went backwards (the interface was reset or re-created): the interval's traffic is unknown.
    public var rxBytesPerSecond: Double?
    public var txBytesPerSecond: Double?
}

/// The device's traffic between two readings of `proc/net/dev`.
public struct NetworkThroughput: Sendable, Equatable {
    /// Interfaces present in both readings, in the later reading's order.
    public var interfaces: [InterfaceThroughput]
    /// Sums over every interface but `lo` (loopback traffic never leaves the device); nil when one of them is nil.
    public var rxBytesPerSecond: Double?
    public var txBytesPerSecond: Double?
}

/// The network interfaces of `proc/net/dev` and their counters.
public struct NetworkDevices: Sendable, Equatable {
    /// In the kernel's order; empty when `proc/net/dev` is missing.
    public var interfaces: [NetworkInterfaceCounters]

    public init(interfaces: [NetworkInterfaceCounters]) {
        self.interfaces = interfaces
    }

    public static func read(from root: SystemRoot) -> NetworkDevices {
        root.read("proc/net/dev").map(parse) ?? NetworkDevices(interfaces: [])
    }

    /// The interfaces of `proc/net/dev`'s text. The two header lines (they hold `|`) are skipped; each other line is
    /// `name: 8 receive counters 8 transmit counters`, where the first counter may follow the colon without a space
    /// (`eth0:1234 …`, once it is wide enough). A line without all 16 numbers (a read cut short) is skipped rather
    /// than read wrong.
    public static func parse(_ text: String) -> NetworkDevices {
        var interfaces: [NetworkInterfaceCounters] = []
        // Lines split on bytes: Character-wise splitting cost the sampler ~60 µs a read.
        for bytes in text.utf8.split(separator: UInt8(ascii: "\n")) {
            let line = Substring(bytes)
            if line.utf8.contains(UInt8(ascii: "|")) { continue }
            // Interface names cannot contain ':' (the kernel refuses them), so the first one ends the name.
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].trimmingPrefix { $0.isWhitespace }
            let fields = line[line.index(after: colon)...].utf8.split(separator: UInt8(ascii: " ")).map { UInt64(Substring($0)) }
            guard !name.isEmpty, fields.count == 16, !fields.contains(nil) else { continue }
            interfaces.append(NetworkInterfaceCounters(
                name: String(name), rxBytes: fields[0]!, rxPackets: fields[1]!, txBytes: fields[8]!,
                txPackets: fields[9]!))
        }
        return NetworkDevices(interfaces: interfaces)
    }

    /// Bytes per second per interface and in total between two readings `seconds` apart; nil when `seconds` is
    /// not positive. An interface in only one reading (plugged or unplugged between them) is left out.
    public static func throughput(from earlier: NetworkDevices, to later: NetworkDevices,
                                  seconds: Double) -> NetworkThroughput? {
        guard seconds > 0 else { return nil }
        var rates: [InterfaceThroughput] = []
        for now in later.interfaces {
            guard let before = earlier.interfaces.first(where: { $0.name == now.name }) else { continue }
            let wentBack = now.rxBytes < before.rxBytes || now.txBytes < before.txBytes
                || now.rxPackets < before.rxPackets || now.txPackets < before.txPackets
            rates.append(InterfaceThroughput(
                name: now.name,
                rxBytesPerSecond: wentBack ? nil : Double(now.rxBytes - before.rxBytes) / seconds,
                txBytesPerSecond: wentBack ? nil : Double(now.txBytes - before.txBytes) / seconds))
        }
        let counted = rates.filter { $0.name != "lo" }
        func total(_ rate: (InterfaceThroughput) -> Double?) -> Double? {
            let values = counted.compactMap(rate)
            return values.count == counted.count ? values.reduce(0, +) : nil
        }
        return NetworkThroughput(interfaces: rates, rxBytesPerSecond: total(\.rxBytesPerSecond),
                                 txBytesPerSecond: total(\.txBytesPerSecond))
    }
}
