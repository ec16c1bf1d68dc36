import Testing
@testable import AdaptEngine

private let thisVM = SystemRoot(Fixtures.path("context/this-vm"))

@Suite struct CPUTimesTests {
    @Test func capturedStat() throws {
        let times = try #require(CPUTimes.read(from: thisVM))
        #expect(times.total == CPUJiffies(user: 3345415, nice: 17, system: 166123, idle: 2580679,
                                          iowait: 7727, irq: 0, softirq: 1677, steal: 9375))
        #expect(times.cores.map(\.cpu) == [0, 1])
        #expect(times.cores[1].jiffies == CPUJiffies(user: 1771051, nice: 17, system: 88384, idle: 1184607,
                                                     iowait: 5914, irq: 0, softirq: 1411, steal: 4639))
    }

    /// guest and guest_nice are already inside user and nice: adding them would count guest time twice.
    @Test func guestColumnsAreLeftOut() throws {
        let times = try #require(CPUTimes.parse("cpu  100 10 20 500 5 1 2 3 40 4\n"))
        #expect(times.total.total == 100 + 10 + 20 + 500 + 5 + 1 + 2 + 3)
    }

    /// Kernels before 2.5.41 printed four columns, 2.6.0 seven: the missing ones count as 0 (their time is in the four).
    @Test func oldKernelsShorterLines() throws {
        let four = try #require(CPUTimes.parse("cpu 10 0 5 85\ncpu0 10 0 5 85\n"))
        #expect(four.total == CPUJiffies(user: 10, nice: 0, system: 5, idle: 85))
        #expect(four.cores.count == 1)
        let seven = try #require(CPUTimes.parse("cpu 10 0 5 80 2 1 2\n"))
        #expect(seven.total == CPUJiffies(user: 10, nice: 0, system: 5, idle: 80, iowait: 2, irq: 1, softirq: 2))
    }

    @Test func malformedInputs() {
        #expect(CPUTimes.parse("") == nil)
        #expect(CPUTimes.parse("cpu 10 0 5\n") == nil)               // fewer than four columns
        #expect(CPUTimes.parse("cpu 10 x 5 80\n") == nil)
        #expect(CPUTimes.parse("intr 1 2 3\nctxt 5\n") == nil)       // no aggregate line
        #expect(CPUTimes.read(from: SystemRoot("/nonexistent-root")) == nil)
        // A broken per-core line is skipped, the rest is kept.
        let times = CPUTimes.parse("cpu 10 0 5 85\ncpu0 1 2\ncpu1 5 0 2 43\n")
        #expect(times?.cores.map(\.cpu) == [1])
    }

    /// Offline CPUs have no line, so core numbers can skip.
    @Test func offlineCoreLeavesAGap() throws {
        let times = try #require(CPUTimes.parse("cpu 20 0 0 180\ncpu0 10 0 0 90\ncpu2 10 0 0 90\n"))
        #expect(times.cores.map(\.cpu) == [0, 2])
    }

    @Test func utilizationBetweenTwoReadings() throws {
        let earlier = try #require(CPUTimes.parse("cpu 100 0 100 800 0 0 0 0\ncpu0 50 0 50 400\ncpu1 50 0 50 400\n"))
        // cpu0: 100 busy of 100; cpu1: 0 busy of 100 (50 idle, 50 iowait, which counts as idle).
        let later = try #require(CPUTimes.parse("cpu 180 0 120 850 50 0 0 0\ncpu0 130 0 70 400 0\ncpu1 50 0 50 450 50\n"))
        let utilization = CPUTimes.utilization(from: earlier, to: later)
        #expect(utilization.total == 0.5)
        #expect(utilization.cores == [CoreUtilization(cpu: 0, busy: 1), CoreUtilization(cpu: 1, busy: 0)])
    }

    @Test func utilizationNilWhenNoTimePassed() throws {
        let times = try #require(CPUTimes.read(from: thisVM))
        let utilization = CPUTimes.utilization(from: times, to: times)
        #expect(utilization.total == nil)
        #expect(utilization.cores.allSatisfy { $0.busy == nil })
    }

    /// A CPU unplugged and plugged back starts its counters again; the aggregate can drop too.
    @Test func utilizationNilWhenCountersWentBackwards() throws {
        let earlier = try #require(CPUTimes.parse("cpu 200 0 0 1800\ncpu0 100 0 0 900\ncpu1 100 0 0 900\n"))
        let later = try #require(CPUTimes.parse("cpu 150 0 0 1300\ncpu0 110 0 0 990\ncpu1 40 0 0 310\n"))
        let utilization = CPUTimes.utilization(from: earlier, to: later)
        #expect(utilization.total == nil)
        #expect(utilization.cores[0].busy == 0.1)
        #expect(utilization.cores[1].busy == nil)
    }

    /// iowait may dip on tickless kernels: one column going backwards is floored, not a reset.
    @Test func singleColumnDipIsFloored() throws {
        let earlier = try #require(CPUTimes.parse("cpu 100 0 0 100 50\n"))
        let later = try #require(CPUTimes.parse("cpu 150 0 0 200 45\n"))
        let busy = try #require(CPUTimes.utilization(from: earlier, to: later).total)
        #expect(abs(busy - 50.0 / 150.0) < 1e-12)
    }

    @Test func coreMissingEarlierHasNoFraction() throws {
        let earlier = try #require(CPUTimes.parse("cpu 10 0 0 90\ncpu0 10 0 0 90\n"))
        let later = try #require(CPUTimes.parse("cpu 30 0 0 170\ncpu0 20 0 0 180\ncpu1 10 0 0 90\n"))
        let utilization = CPUTimes.utilization(from: earlier, to: later)
        #expect(utilization.cores.map(\.cpu) == [0, 1])
        #expect(utilization.cores[1].busy == nil)
    }
}

@Suite struct LoadAverageTests {
    @Test func captured() {
        #expect(LoadAverage.read(from: thisVM) == LoadAverage(one: 2.08, five: 2.16, fifteen: 2.12, runningTasks: 6, totalTasks: 135))
    }

    @Test func malformedInputs() {
        #expect(LoadAverage.parse("") == nil)
        #expect(LoadAverage.parse("0.59 1.98 2.06") == nil)
        #expect(LoadAverage.parse("0.59 1.98 2.06 184 19503") == nil)
        #expect(LoadAverage.parse("0.59 1.98 x 1/84 19503") == nil)
        #expect(LoadAverage.parse("0.59 1.98 2.06 1/84") != nil)   // the last PID is not needed
    }
}

@Suite struct CPUFrequencyTests {
    @Test func fourCoreBoard() throws {
        let frequencies = try #require(CPUFrequency.read(from: SystemRoot(Fixtures.path("context/cpufreq-4core"))))
        #expect(frequencies.map(\.cpu) == [0, 1, 2, 3])
        #expect(frequencies.map(\.currentMHz) == [1500, 1500, 600, 1200])
        #expect(frequencies.allSatisfy { $0.minimumMHz == 600 && $0.maximumMHz == 1500 })
    }

    /// This VM has CPUs but no cpufreq: nothing to report, never a guessed clock.
    @Test func noCpufreqIsNil() {
        #expect(CPUFrequency.read(from: thisVM) == nil)
        #expect(CPUFrequency.read(from: SystemRoot("/nonexistent-root")) == nil)
    }

    @Test func filesParse() {
        #expect(CPUFrequency.parse("1800000\n") == 1800)
        #expect(CPUFrequency.parse("") == nil)
        #expect(CPUFrequency.parse("<unknown>\n") == nil)
        #expect(CPUFrequency.parse(cpu: 0, current: "", minimum: nil, maximum: nil) == nil)
        #expect(CPUFrequency.parse(cpu: 2, current: nil, minimum: "600000", maximum: "1500000")
            == CPUFrequency(cpu: 2, currentMHz: nil, minimumMHz: 600, maximumMHz: 1500))
    }
}

@Suite struct PressureTests {
    @Test func captured() throws {
        let cpu = try #require(PressureStall.read(.cpu, from: thisVM))
        #expect(cpu.some == PressureAverages(avg10: 62.76, avg60: 28.81, avg300: 31.29, totalMicroseconds: 3854514944))
        #expect(cpu.full == PressureAverages(avg10: 0, avg60: 0, avg300: 0, totalMicroseconds: 0))
        let io = try #require(PressureStall.read(.io, from: thisVM))
        #expect(io.full?.totalMicroseconds == 55152230)
        #expect(PressureStall.read(.memory, from: thisVM)?.some.avg10 == 0)
    }

    /// CPU pressure had no `full` line before kernel 5.13.
    @Test func withoutFullLine() throws {
        let stall = try #require(PressureStall.parse("some avg10=1.50 avg60=0.75 avg300=0.20 total=123456\n"))
        #expect(stall.some.avg10 == 1.5)
        #expect(stall.full == nil)
    }

    @Test func malformedInputs() {
        #expect(PressureStall.parse("") == nil)
        #expect(PressureStall.parse("full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n") == nil)
        #expect(PressureStall.parse("some avg10=1.0 avg60=0.5 total=9\n") == nil)   // avg300 missing
        let brokenFull = PressureStall.parse("some avg10=1.0 avg60=0.5 avg300=0.1 total=9\nfull avg10=\n")
        #expect(brokenFull?.some.totalMicroseconds == 9)
        #expect(brokenFull?.full == nil)
        #expect(PressureStall.read(.cpu, from: SystemRoot("/nonexistent-root")) == nil)
    }
}
