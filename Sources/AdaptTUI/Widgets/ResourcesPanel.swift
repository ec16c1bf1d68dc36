internal import Foundation
public import AdaptEngine

/// What the device has left, with history: kept by the dashboard from the snapshots it receives, so it works the
/// same attached to a service.
public struct ResourceHistory: Sendable {
    public let capacity: Int
    public private(set) var cpu: RingBuffer<Double?>
    /// Memory in use (total − available), as htop's bar shows it.
    public private(set) var memoryUsed: RingBuffer<Double?>
    public private(set) var cpuPressure: RingBuffer<Double?>
    public private(set) var temperature: RingBuffer<Double?>
    public private(set) var battery: RingBuffer<Double?>
    public private(set) var throughput: RingBuffer<Double?>
    private var lastSequence = -1

    public init(capacity: Int = 120) {
        self.capacity = capacity
        (cpu, memoryUsed, cpuPressure) = (RingBuffer(capacity: capacity), RingBuffer(capacity: capacity), RingBuffer(capacity: capacity))
        (temperature, battery, throughput) = (RingBuffer(capacity: capacity), RingBuffer(capacity: capacity), RingBuffer(capacity: capacity))
    }

    /// Adds a snapshot's figures (once per snapshot).
    public mutating func record(_ snapshot: EngineSnapshot) {
        guard snapshot.sequence != lastSequence else { return }
        lastSequence = snapshot.sequence
        let context = snapshot.context
        cpu.append(context.cpuUtil)
        memoryUsed.append(context.memTotalMb.flatMap { total in context.memAvailableMb.map { total - $0 } })
        cpuPressure.append(context.cpuPressureAvg10)
        temperature.append(context.temperatureC)
        battery.append(context.batteryPercent)
        throughput.append(snapshot.inference.throughputIps)
    }
}

/// Per-core CPU bars, memory, pressure, thermal and battery, each with a sparkline of its history; "n/a" where the
/// device has no such sensor, injected values marked.
public struct ResourcesPanel {
    public var ascii: Bool

    public init(ascii: Bool = false) {
        self.ascii = ascii
    }

    public func draw(_ snapshot: EngineSnapshot, history: ResourceHistory, in rect: Rect, on buffer: inout ScreenBuffer) {
        let inner = Box(title: "resources", ascii: ascii).draw(in: rect, on: &buffer)
        guard inner.width >= 12, inner.height >= 1 else { return }
        let context = snapshot.context
        let labelWidth = 5
        let valueWidth = 12
        let graphWidth = max(0, inner.width - labelWidth - valueWidth - 2)
        var y = inner.y
        func row(_ label: String, _ value: String, _ role: ColorRole, spark: [Double?], range: ClosedRange<Double>?) {
            guard y < inner.maxY else { return }
            buffer.put(Units.pad(label, labelWidth), x: inner.x, y: y, style: CellStyle(.dim), clip: inner)
            buffer.put(Units.pad(value, valueWidth, right: true), x: inner.x + labelWidth, y: y, style: CellStyle(role, bold: true), clip: inner)
            if graphWidth > 0 {
                Sparkline(ascii: ascii).draw(spark.suffix(graphWidth).map { $0 }, range: range,
                                             at: (inner.x + labelWidth + valueWidth + 2, y), width: graphWidth, on: &buffer, clip: inner)
            }
            y += 1
        }
        // One bar per core where there is room for them, else the total.
        let cores = context.coreUtil
        if !cores.isEmpty, inner.height >= cores.count + 4 {
            for (index, busy) in cores.enumerated() {
                guard y < inner.maxY else { break }
                buffer.put(Units.pad("cpu\(index)", labelWidth), x: inner.x, y: y, style: CellStyle(.dim), clip: inner)
                Bar(ascii: ascii).draw(busy, at: (inner.x + labelWidth, y), width: inner.width - labelWidth, on: &buffer, clip: inner)
                y += 1
            }
        }
        row("cpu", Units.percent(context.cpuUtil, decimals: 0), Self.role(context.cpuUtil), spark: history.cpu.values, range: 0...1)
        // Used of total, as htop writes it; just what is available when the total is unknown.
        let memory = context.memAvailableMb.map { available in
            context.memTotalMb.map { "\(Units.megabytes($0 - available))/\(Units.megabytes($0))" } ?? "\(Units.megabytes(available)) free"
        } ?? Units.unavailable
        row("mem", memory, .text, spark: history.memoryUsed.values, range: context.memTotalMb.map { 0...$0 })
        row("psi", context.cpuPressureAvg10.map { Units.fixed($0, 1) + "%" } ?? Units.unavailable,
            Self.role(context.cpuPressureAvg10.map { $0 / 100 }), spark: history.cpuPressure.values, range: 0...100)
        row("temp", context.temperatureC.map { Units.fixed($0, 0) + "°C" } ?? Units.unavailable, .text,
            spark: history.temperature.values, range: 20...100)
        row("batt", context.batteryPercent.map { Units.fixed($0, 0) + "%" + (context.batteryInjected ? "*" : "") } ?? Units.unavailable,
            context.batteryInjected ? .injected : .text, spark: history.battery.values, range: 0...100)
        if !context.injected.isEmpty, y < inner.maxY {
            buffer.put(Units.fit("injected: " + context.injected.joined(separator: ", "), inner.width), x: inner.x, y: y,
                       style: CellStyle(.injected), clip: inner)
        }
    }

    static func role(_ fraction: Double?) -> ColorRole {
        guard let fraction else { return .dim }
        return fraction >= 0.9 ? .critical : fraction >= 0.6 ? .warn : .good
    }
}

/// A history as one row of block characters (ASCII: `_.-=#`); a gap where a value was unavailable.
struct Sparkline {
    var ascii: Bool

    func draw(_ values: [Double?], range: ClosedRange<Double>?, at origin: (x: Int, y: Int), width: Int, on buffer: inout ScreenBuffer, clip: Rect) {
        let levels: [Unicode.Scalar] = ascii ? ["_", ".", "-", "=", "#"] : ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]
        let known = values.compactMap { $0 }
        guard let low = range?.lowerBound ?? known.min(), let high = range?.upperBound ?? known.max() else { return }
        let start = origin.x + max(0, width - values.count)
        for (index, value) in values.suffix(width).enumerated() {
            guard let value else { continue }
            let fraction = high > low ? min(1, max(0, (value - low) / (high - low))) : 0.5
            let level = min(levels.count - 1, Int(fraction * Double(levels.count - 1) + 0.5))
            let role: ColorRole = fraction >= 0.9 ? .graphHigh : fraction >= 0.6 ? .graphMid : .graphLow
            buffer.put(levels[level], x: start + index, y: origin.y, style: CellStyle(role), clip: clip)
        }
    }
}

/// A horizontal bar of a fraction, with its percentage at the end, coloured by level.
struct Bar {
    var ascii: Bool

    func draw(_ fraction: Double?, at origin: (x: Int, y: Int), width: Int, on buffer: inout ScreenBuffer, clip: Rect) {
        let label = Units.pad(Units.percent(fraction, decimals: 0), 5, right: true)
        let barWidth = max(0, width - label.count - 2)
        let filled = fraction.map { Int((min(1, max(0, $0)) * Double(barWidth)).rounded()) } ?? 0
        let (full, empty) = ascii ? ("|", " ") : ("■", "·")
        var x = buffer.put("[", x: origin.x, y: origin.y, style: CellStyle(.dim), clip: clip)
        x = buffer.put(String(repeating: full, count: filled), x: x, y: origin.y, style: CellStyle(ResourcesPanel.role(fraction)), clip: clip)
        x = buffer.put(String(repeating: empty, count: barWidth - filled), x: x, y: origin.y, style: CellStyle(.dim), clip: clip)
        x = buffer.put("]", x: x, y: origin.y, style: CellStyle(.dim), clip: clip)
        buffer.put(label, x: x, y: origin.y, style: CellStyle(.text, bold: true), clip: clip)
    }
}
