/// Count, minimum, maximum, mean, standard deviation and last value of one metric over a period.
///
/// The standard deviation is the sample one (n − 1), nil for a single value.
public struct PeriodStatistics: Sendable, Equatable {
    public var count: Int
    public var min: Double
    public var max: Double
    public var mean: Double
    public var standardDeviation: Double?
    public var last: Double

    /// `values` in time order; nil when empty.
    public init?(_ values: [Double]) {
        guard let first = values.first, let last = values.last else { return nil }
        count = values.count
        var lo = first
        var hi = first
        var sum = 0.0
        for v in values {
            lo = Swift.min(lo, v)
            hi = Swift.max(hi, v)
            sum += v
        }
        min = lo
        max = hi
        mean = sum / Double(values.count)
        self.last = last
        if values.count > 1 {
            let m = mean
            let squares = values.reduce(0.0) { $0 + ($1 - m) * ($1 - m) }
            standardDeviation = (squares / Double(values.count - 1)).squareRoot()
        }
    }
}

/// The international consensus CGM metrics (Battelino et al., Diabetes Care 2019;42:1593) over a period, in mg/dL.
///
/// Times in ranges are shares of readings (each CGM reading stands for the same interval): very low < 54, low 54–69,
/// target 70–180, high 181–250, very high > 250, and the consensus' cumulative "below 70" (includes < 54) and
/// "above 180" (includes > 250). GMI (%) = 3.31 + 0.02392 × mean (Bergenstal et al. 2018). CV = SD / mean × 100,
/// with the sample SD.
public struct CGMMetrics: Sendable, Equatable {
    public var readings: Int
    public var periodDays: Double
    /// Local days with at least one reading.
    public var daysWorn: Int
    /// Share of the period the sensor was producing readings: readings × interval / period, at most 100.
    public var activePercent: Double
    public var mean: Double
    public var gmi: Double
    public var cv: Double
    public var veryLowPercent: Double
    public var lowPercent: Double
    public var targetPercent: Double
    public var highPercent: Double
    public var veryHighPercent: Double
    public var below70Percent: Double { veryLowPercent + lowPercent }
    public var above180Percent: Double { highPercent + veryHighPercent }

    /// Each consensus target and whether it is met (targets for most adults with type 1 or type 2 diabetes).
    public var targets: [(name: String, met: Bool)] {
        [
            ("time-in-range > 70 %", targetPercent > 70),
            ("time-below-70 < 4 %", below70Percent < 4),
            ("time-below-54 < 1 %", veryLowPercent < 1),
            ("time-above-180 < 25 %", above180Percent < 25),
            ("time-above-250 < 5 %", veryHighPercent < 5),
            ("cv <= 36 %", cv <= 36),
            ("sensor-active >= 70 %", activePercent >= 70),
        ]
    }

    /// `values` in mg/dL with their times, all within [from, to); nil without readings.
    public init?(
        times: [Timestamp], values: [Double], from: Timestamp, to: Timestamp, intervalSeconds: Int64 = 300,
        clock: DeviceClock = .oslo
    ) {
        guard let stats = PeriodStatistics(values), stats.mean > 0, to > from else { return nil }
        readings = values.count
        let seconds = Double(to.microseconds - from.microseconds) / 1_000_000
        periodDays = seconds / 86_400
        daysWorn = Set(times.map(clock.localDay)).count
        activePercent = Swift.min(100, Double(values.count) * Double(intervalSeconds) / seconds * 100)
        mean = stats.mean
        gmi = 3.31 + 0.02392 * stats.mean
        cv = (stats.standardDeviation ?? 0) / stats.mean * 100
        let n = Double(values.count)
        func share(_ include: (Double) -> Bool) -> Double { Double(values.count(where: include)) / n * 100 }
        veryLowPercent = share { $0 < 54 }
        lowPercent = share { $0 >= 54 && $0 < 70 }
        targetPercent = share { $0 >= 70 && $0 <= 180 }
        highPercent = share { $0 > 180 && $0 <= 250 }
        veryHighPercent = share { $0 > 250 }
    }
}

/// Home blood pressure over the last days: the means of morning (04:00–11:59) and evening (17:00–23:59) readings in
/// local time, and of both together, as the ESH home-monitoring protocol asks (twice daily for 7 days).
public struct HomeBloodPressure: Sendable, Equatable {
    public var morning: PeriodStatistics?
    public var evening: PeriodStatistics?
    public var both: PeriodStatistics?

    public init(times: [Timestamp], values: [Double], clock: DeviceClock = .oslo) {
        var m: [Double] = []
        var e: [Double] = []
        for (t, v) in zip(times, values) {
            let minute = clock.minuteOfDay(t)
            if minute >= 4 * 60 && minute < 12 * 60 { m.append(v) }
            if minute >= 17 * 60 { e.append(v) }
        }
        morning = PeriodStatistics(m)
        evening = PeriodStatistics(e)
        both = PeriodStatistics(m + e)
    }
}
