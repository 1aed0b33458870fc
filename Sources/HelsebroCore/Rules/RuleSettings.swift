/// A change of at least `by` (in the metric's unit) within `withinSeconds`.
public struct RateRule: Hashable, Sendable {
    public var by: DecimalValue
    public var withinSeconds: Int64

    public init(by: DecimalValue, withinSeconds: Int64) {
        self.by = by
        self.withinSeconds = withinSeconds
    }
}

/// A daily window of local time, `from` inclusive to `to` exclusive, in minutes after midnight; it runs past midnight
/// when `from` is later than `to` (22:00–07:00).
public struct DailyWindow: Hashable, Sendable {
    public var fromMinute: Int
    public var toMinute: Int

    public init?(fromMinute: Int, toMinute: Int) {
        guard (0..<1440).contains(fromMinute), (0..<1440).contains(toMinute), fromMinute != toMinute else { return nil }
        self.fromMinute = fromMinute
        self.toMinute = toMinute
    }

    /// `HH:MM`–`HH:MM`.
    public init?(from: String, to: String) {
        guard let f = DailyWindow.minutes(from), let t = DailyWindow.minutes(to) else { return nil }
        self.init(fromMinute: f, toMinute: t)
    }

    static func minutes(_ text: String) -> Int? {
        let b = Array(text.utf8)
        guard b.count == 5, b[2] == UInt8(ascii: ":"), [b[0], b[1], b[3], b[4]].allSatisfy({ $0 >= 48 && $0 <= 57 })
        else { return nil }
        let h = Int(b[0] - 48) * 10 + Int(b[1] - 48)
        let m = Int(b[3] - 48) * 10 + Int(b[4] - 48)
        guard h < 24, m < 60 else { return nil }
        return h * 60 + m
    }

    public func contains(minuteOfDay m: Int) -> Bool {
        fromMinute < toMinute ? (m >= fromMinute && m < toMinute) : (m >= fromMinute || m < toMinute)
    }

    public var text: String {
        func hhmm(_ m: Int) -> String {
            let h = m / 60
            let mm = m % 60
            return (h < 10 ? "0" : "") + "\(h):" + (mm < 10 ? "0" : "") + "\(mm)"
        }
        return hhmm(fromMinute) + "-" + hhmm(toMinute)
    }
}

/// Thresholds a clinician set for one patient and metric, replacing the profile's for the bounds given, all day or
/// in a daily window of local time. Who set them, when and why is kept with them.
public struct ThresholdOverride: Hashable, Sendable {
    public var id: Int64
    public var patient: String
    public var metric: String
    public var low: DecimalValue?
    public var high: DecimalValue?
    public var criticalLow: DecimalValue?
    public var criticalHigh: DecimalValue?
    public var window: DailyWindow?
    public var setBy: String
    public var setAt: Timestamp
    public var reason: String

    public init(
        id: Int64 = 0, patient: String, metric: String, low: DecimalValue? = nil, high: DecimalValue? = nil,
        criticalLow: DecimalValue? = nil, criticalHigh: DecimalValue? = nil, window: DailyWindow? = nil, setBy: String,
        setAt: Timestamp, reason: String
    ) {
        self.id = id
        self.patient = patient
        self.metric = metric
        self.low = low
        self.high = high
        self.criticalLow = criticalLow
        self.criticalHigh = criticalHigh
        self.window = window
        self.setBy = setBy
        self.setAt = setAt
        self.reason = reason
    }
}

extension AlertThresholds {
    /// These thresholds with the bounds `o` gives replaced.
    public func overridden(by o: ThresholdOverride) -> AlertThresholds {
        var t = self
        if let v = o.low { t.low = v }
        if let v = o.high { t.high = v }
        if let v = o.criticalLow { t.criticalLow = v }
        if let v = o.criticalHigh { t.criticalHigh = v }
        return t
    }

    /// The thresholds in force at local minute-of-day `minute`: the profile's, then the latest all-day override, then
    /// the latest override whose window contains the minute (a night setting beats an all-day one). `overrides` are in
    /// the order they were set.
    public func effective(_ overrides: [ThresholdOverride], minuteOfDay minute: Int) -> AlertThresholds {
        var t = self
        if let allDay = overrides.last(where: { $0.window == nil }) { t = t.overridden(by: allDay) }
        if let timed = overrides.last(where: { $0.window?.contains(minuteOfDay: minute) ?? false }) {
            t = t.overridden(by: timed)
        }
        return t
    }

    /// Why these thresholds cannot be used, or nil: each bound must be inside the next (critical low ≤ low < high ≤
    /// critical high).
    public var inconsistency: String? {
        let ordered = [("critical-low", criticalLow), ("low", low), ("high", high), ("critical-high", criticalHigh)]
            .compactMap { name, v in v.map { (name, $0) } }
        for (a, b) in zip(ordered, ordered.dropFirst()) where a.1.double > b.1.double {
            return "\(a.0) (\(a.1)) is above \(b.0) (\(b.1))"
        }
        if let l = low, let h = high, l.double >= h.double { return "low (\(l)) must be below high (\(h))" }
        return nil
    }
}

extension DeviceClock {
    /// Local minutes after midnight at `t` on this clock (Helsebro reads time-of-day rules in Europe/Oslo time).
    public func minuteOfDay(_ t: Timestamp) -> Int {
        let local = t.seconds + Int64(offsetMinutes(at: t) * 60)
        return Int(((local % 86_400) + 86_400) % 86_400 / 60)
    }

    /// The local calendar day number (days since 1970-01-01 in local time) at `t`.
    public func localDay(_ t: Timestamp) -> Int64 {
        let local = t.seconds + Int64(offsetMinutes(at: t) * 60)
        return local >= 0 ? local / 86_400 : (local - 86_399) / 86_400
    }

    /// The instant local day `day` starts (local midnight).
    public func startOfLocalDay(_ day: Int64) -> Timestamp {
        place(wallClock: Timestamp(seconds: day * 86_400)).time
    }

    /// Minutes east of UTC in force at `t`.
    public func offsetMinutes(at t: Timestamp) -> Int {
        switch self {
        case .utc: 0
        case .fixedOffset(let m): m
        case .euSummerTime(let standard): standard + (DeviceClock.isEUSummerTime(t) ? 60 : 0)
        }
    }

    /// Europe/Oslo, where Helsebro's clinical days and time-of-day rules are counted.
    public static let oslo = DeviceClock.euSummerTime(standardOffsetMinutes: 60)
}
