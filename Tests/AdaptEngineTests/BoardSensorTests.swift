import Foundation
import Testing
@testable import AdaptEngine

/// A throwaway root holding `files` (relative path → text), removed when the test ends.
private final class TemporaryRoot {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("board-\(UUID().uuidString)")
    var root: SystemRoot { SystemRoot(url.path) }

    init(_ files: [String: String]) throws {
        for (relative, text) in files {
            let file = url.appendingPathComponent(relative)
            try FileManager.default.createDirectory(at: file.deletingLastPathComponent(),
                                                    withIntermediateDirectories: true)
            try Data(text.utf8).write(to: file)
        }
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }
}

private func board(_ name: String) -> SystemRoot {
    SystemRoot(Fixtures.path("context/\(name)"))
}

@Suite struct ThermalZoneTests {
    @Test func raspberryPi() throws {
        let thermal = ThermalZones.read(from: board("raspberry-pi"))
        let zone = try #require(thermal.zones.first)
        #expect(thermal.zones.count == 1)
        #expect(zone.number == 0)
        #expect(zone.type == "cpu-thermal")
        #expect(zone.celsius == 52.582)
        #expect(zone.trips.map(\.kind) == [.critical, .active, .active, .active, .active])
        #expect(zone.trips.map(\.celsius) == [110, 50, 60, 67.5, 75])
        #expect(thermal.hottest == zone)
        // The fan's active trips are left out by default: the next throttling-relevant trip is critical.
        let headroom = try #require(thermal.headroom())
        #expect(headroom.trip.kind == .critical)
        #expect(abs(headroom.degrees - 57.418) < 1e-9)
        let fan = try #require(thermal.headroom(kinds: [.active, .passive, .hot, .critical]))
        #expect(fan.trip.celsius == 60)
        #expect(abs(fan.degrees - 7.418) < 1e-9)
    }

    @Test func laptop() throws {
        let thermal = ThermalZones.read(from: board("laptop"))
        #expect(thermal.zones.map(\.type) == ["acpitz", "x86_pkg_temp"])  // cooling_device0 is not a zone
        #expect(thermal.zones.map(\.celsius) == [48, 61])
        #expect(thermal.hottest?.type == "x86_pkg_temp")
        // x86_pkg_temp's trips are at 0 °C (disabled), so the nearest trip is acpitz's passive one.
        let headroom = try #require(thermal.headroom())
        #expect(headroom.zone.type == "acpitz")
        #expect(headroom.trip == ThermalTrip(index: 1, kind: .passive, celsius: 95))
        #expect(headroom.degrees == 47)
    }

    @Test func missingDirectoryIsEmpty() throws {
        let empty = try TemporaryRoot([:])
        let thermal = ThermalZones.read(from: empty.root)
        #expect(thermal.zones.isEmpty)
        #expect(thermal.hottest == nil)
        #expect(thermal.headroom() == nil)
        #expect(ThermalZones.read(from: board("this-vm-board")).zones.isEmpty)
    }

    @Test func unreadableTemperatureIsNil() throws {
        let tree = try TemporaryRoot([
            "sys/class/thermal/thermal_zone0/type": "iwlwifi_1\n",
            "sys/class/thermal/thermal_zone0/temp": "",
            "sys/class/thermal/thermal_zone1/type": "acpitz\n",
            "sys/class/thermal/thermal_zone1/trip_point_0_type": "critical\n",
            "sys/class/thermal/thermal_zone1/trip_point_0_temp": "",  // a trip without a temperature is dropped
            "sys/class/thermal/thermal_zone1/trip_point_1_type": "passive\n",  // its temp file is missing
        ])
        let thermal = ThermalZones.read(from: tree.root)
        #expect(thermal.zones.map(\.celsius) == [nil, nil])
        #expect(thermal.zones[1].trips.isEmpty)
        #expect(thermal.hottest == nil)
        #expect(thermal.headroom() == nil)
        #expect(ThermalZone.celsius(millidegrees: "") == nil)
        #expect(ThermalZone.celsius(millidegrees: "-5000\n") == -5)
    }

    @Test func zonesSortByNumber() throws {
        var files: [String: String] = [:]
        for number in [10, 2, 1, 0, 9] {
            files["sys/class/thermal/thermal_zone\(number)/temp"] = "\(40_000 + number * 1000)\n"
        }
        let tree = try TemporaryRoot(files)
        let thermal = ThermalZones.read(from: tree.root)
        #expect(thermal.zones.map(\.number) == [0, 1, 2, 9, 10])
        #expect(thermal.zones.map(\.type) == [nil, nil, nil, nil, nil])
        #expect(thermal.hottest?.number == 10)
        #expect(ThermalZones.zoneNumber("thermal_zone10") == 10)
        #expect(ThermalZones.zoneNumber("cooling_device0") == nil)
    }

    @Test func parseKeepsUnknownTripTypes() {
        let zone = ThermalZone.parse(number: 3, files: [
            "type": "soc_thermal\n", "temp": "45000\n",
            "trip_point_1_type": "critical\n", "trip_point_1_temp": "115000\n",
            "trip_point_0_type": "weird\n", "trip_point_0_temp": "90000\n",
        ])
        #expect(zone.trips == [ThermalTrip(index: 0, kind: .other("weird"), celsius: 90),
                               ThermalTrip(index: 1, kind: .critical, celsius: 115)])
    }
}

@Suite struct PowerSupplyTests {
    @Test func laptop() throws {
        let power = PowerSupplies.read(from: board("laptop"))
        let battery = try #require(power.batteries.first)
        #expect(power.batteries.count == 1)
        #expect(battery.name == "BAT0")
        #expect(battery.status == .discharging)
        #expect(battery.present == true)
        #expect(battery.reportedPercent == 76)
        #expect(battery.energyNowWh == 43.89)
        #expect(battery.energyFullWh == 57.75)
        #expect(battery.powerW == 9.262)
        #expect(battery.chargeNowAh == nil)
        #expect(power.batteryPercent == 76)
        #expect(power.adapters == [PowerAdapter(name: "AC", kind: .mains, online: false)])
        #expect(power.onExternalPower == false)
    }

    @Test func noBatteryAnywhere() throws {
        for name in ["raspberry-pi", "this-vm-board"] {
            let power = PowerSupplies.read(from: board(name))
            #expect(power.batteries.isEmpty)
            #expect(power.adapters.isEmpty)
            #expect(power.batteryPercent == nil)
            #expect(power.onExternalPower == nil)
        }
    }

    @Test func chargeInsteadOfEnergy() {
        let battery = Battery.parse(name: "battery", files: [
            "type": "Battery\n", "status": "Charging\n", "capacity": "41\n",
            "charge_now": "1230000\n", "charge_full": "3000000\n",
            "current_now": "-850000\n", "voltage_now": "3900000\n",
        ])
        #expect(battery.status == .charging)
        #expect(battery.energyNowWh == nil)
        #expect(battery.chargeNowAh == 1.23)
        #expect(battery.chargeFullAh == 3)
        #expect(abs(battery.powerW! - 3.315) < 1e-9)  // |−0.85 A| × 3.9 V, sign conventions differ by driver
        #expect(battery.percent == 41)
        #expect(battery.present == nil)
    }

    @Test func percentMeasuredWhenCapacityMissing() {
        let energy = Battery.parse(name: "BAT0", files: ["energy_now": "30000000\n", "energy_full": "60000000\n"])
        #expect(energy.reportedPercent == nil)
        #expect(energy.percent == 50)
        let charge = Battery.parse(name: "BAT1", files: ["charge_now": "750000", "charge_full": "3000000"])
        #expect(charge.percent == 25)
        let nothing = Battery.parse(name: "BAT2", files: ["energy_now": "30000000\n", "energy_full": "0\n"])
        #expect(nothing.percent == nil)
        #expect(nothing.powerW == nil)
    }

    @Test func supplies() {
        let power = PowerSupplies.parse(supplies: [
            "BAT1": ["type": "Battery\n", "energy_now": "10000000\n", "energy_full": "20000000\n", "present": "1\n",
                     "status": "Not charging\n"],
            "BAT0": ["type": "Battery\n", "energy_now": "40000000\n", "energy_full": "60000000\n", "present": "1\n",
                     "status": "Full\n"],
            "BAT2": ["type": "Battery\n", "present": "0\n"],  // an empty bay
            "hidpp_battery_0": ["type": "Battery\n", "scope": "Device\n", "capacity": "5\n"],  // a wireless mouse
            "ucsi-source-psy-USBC000:001": ["type": "USB\n", "online": "1\n"],
            "ups": ["type": "UPS\n"],
            "broken": [:],
        ])
        #expect(power.batteries.map(\.name) == ["BAT0", "BAT1", "BAT2"])
        #expect(power.batteries.map(\.status) == [.full, .notCharging, nil])
        // Summed energy, not the mean of 66.7 % and 50 %: the batteries differ in size.
        #expect(power.batteryPercent == 62.5)
        #expect(power.adapters == [PowerAdapter(name: "ucsi-source-psy-USBC000:001", kind: .usb, online: true)])
        #expect(power.onExternalPower == true)
    }

    @Test func oneBatteryWithoutLevel() {
        let power = PowerSupplies.parse(supplies: ["BAT0": ["type": "Battery\n", "status": "Unknown\n"]])
        #expect(power.batteries.first?.status == .unknown)
        #expect(power.batteryPercent == nil)
    }
}

@Suite struct NetworkDeviceTests {
    @Test func raspberryPi() {
        let network = NetworkDevices.read(from: board("raspberry-pi"))
        #expect(network.interfaces.map(\.name) == ["lo", "eth0", "wlan0"])
        #expect(network.interfaces[1] == NetworkInterfaceCounters(
            name: "eth0", rxBytes: 18_342_779, rxPackets: 21987, txBytes: 2_264_310, txPackets: 11530))
    }

    @Test func laptopCounterRightAfterTheColon() {
        let network = NetworkDevices.read(from: board("laptop"))
        #expect(network.interfaces.map(\.name) == ["lo", "wlp0s20f3", "enp0s31f6"])
        #expect(network.interfaces[1].rxBytes == 1_843_209_874)
        #expect(network.interfaces[1].txPackets == 672_940)
    }

    @Test func capturedVM() {
        let network = NetworkDevices.read(from: board("this-vm-board"))
        #expect(network.interfaces.contains { $0.name == "lo" })
        #expect(network.interfaces.contains { $0.name == "eth0" && $0.rxBytes > 0 })
    }

    @Test func awkwardText() {
        let text = """
            Inter-|   Receive                                                |  Transmit
             face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
                lo:     100       2    0    0    0     0          0         0      100       2    0    0    0     0       0          0
              eth0:1234 5 0 0 0 0 0 0 678 9 0 0 0 0 0 0
              wlan0:  5000      40    0    0    0     0
            """
        let network = NetworkDevices.parse(text)
        #expect(network.interfaces.map(\.name) == ["lo", "eth0"])  // the truncated wlan0 line is skipped
        #expect(network.interfaces[1] == NetworkInterfaceCounters(
            name: "eth0", rxBytes: 1234, rxPackets: 5, txBytes: 678, txPackets: 9))
        #expect(NetworkDevices.parse("").interfaces.isEmpty)
    }

    @Test func missingFileIsEmpty() throws {
        let empty = try TemporaryRoot([:])
        #expect(NetworkDevices.read(from: empty.root).interfaces.isEmpty)
    }

    private func devices(_ counters: [(String, UInt64, UInt64)]) -> NetworkDevices {
        NetworkDevices(interfaces: counters.map {
            NetworkInterfaceCounters(name: $0.0, rxBytes: $0.1, rxPackets: $0.1 / 100, txBytes: $0.2,
                                     txPackets: $0.2 / 100)
        })
    }

    @Test func throughput() throws {
        let earlier = devices([("lo", 1000, 1000), ("eth0", 10_000, 2_000), ("wlan0", 0, 0)])
        let later = devices([("lo", 9000, 9000), ("eth0", 30_000, 6_000), ("wlan0", 2_000, 1_000), ("usb0", 5, 5)])
        let rates = try #require(NetworkDevices.throughput(from: earlier, to: later, seconds: 2))
        #expect(rates.interfaces.map(\.name) == ["lo", "eth0", "wlan0"])  // usb0 appeared: no interval for it
        #expect(rates.interfaces[1] == InterfaceThroughput(name: "eth0", rxBytesPerSecond: 10_000,
                                                           txBytesPerSecond: 2_000))
        #expect(rates.rxBytesPerSecond == 11_000)  // lo's 4000 B/s is not counted
        #expect(rates.txBytesPerSecond == 2_500)
        #expect(NetworkDevices.throughput(from: earlier, to: later, seconds: 0) == nil)
    }

    @Test func countersGoingBackwards() throws {
        let earlier = devices([("lo", 1000, 1000), ("eth0", 50_000, 9_000), ("wlan0", 100, 100)])
        let later = devices([("lo", 2000, 2000), ("eth0", 300, 200), ("wlan0", 200, 300)])  // eth0 was reset
        let rates = try #require(NetworkDevices.throughput(from: earlier, to: later, seconds: 1))
        #expect(rates.interfaces[1] == InterfaceThroughput(name: "eth0", rxBytesPerSecond: nil,
                                                           txBytesPerSecond: nil))
        #expect(rates.interfaces[2].rxBytesPerSecond == 100)
        #expect(rates.rxBytesPerSecond == nil)
        #expect(rates.txBytesPerSecond == nil)
    }
}

/// This machine (a VM): no thermal zones, no batteries, but network interfaces.
@Suite struct LiveBoardTests {
    @Test func thisMachine() {
        let root = SystemRoot()
        #expect(ThermalZones.read(from: root).zones.isEmpty == root.list("sys/class/thermal").isEmpty)
        #expect(ThermalZones.read(from: root).zones.isEmpty)
        #expect(PowerSupplies.read(from: root).batteries.isEmpty)
        #expect(PowerSupplies.read(from: root).batteryPercent == nil)
        #expect(!NetworkDevices.read(from: root).interfaces.isEmpty)
    }
}
