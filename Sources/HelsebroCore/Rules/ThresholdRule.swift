/// Which side of a threshold a value is on, and how far.
///
/// Thresholds use warning and critical; NEWS2 uses all three (RCP 2017 chart 2: a single parameter scoring 3 →
/// warning, 5–6 urgent, 7 or more critical). Escalation moves one step up.
public enum AlertSeverity: Int, Sendable, Comparable, CaseIterable {
    case warning = 1
    case urgent = 2
    case critical = 3

    public var name: String {
        switch self {
        case .warning: "warning"
        case .urgent: "urgent"
        case .critical: "critical"
        }
    }

    public init?(name: String) {
        guard let s = AlertSeverity.allCases.first(where: { $0.name == name }) else { return nil }
        self = s
    }

    /// One step up, at most critical.
    public var escalated: AlertSeverity { AlertSeverity(rawValue: min(rawValue + 1, 3)) ?? .critical }

    public static func < (a: AlertSeverity, b: AlertSeverity) -> Bool { a.rawValue < b.rawValue }
}

/// The condition one reading meets against a metric's thresholds.
public struct ThresholdCrossing: Sendable, Equatable {
    public enum Direction: String, Sendable { case low, high }
    public var direction: Direction
    public var severity: AlertSeverity
    /// The threshold crossed.
    public var threshold: DecimalValue
}

extension AlertThresholds {
    /// The crossing of `value`, if any: critical bounds first. A value equal to a low bound or high bound counts as
    /// crossing it (thresholds are the first abnormal value, as NEWS2 bands are written).
    public func crossing(_ value: Double) -> ThresholdCrossing? {
        if let c = criticalLow, value <= c.double {
            return ThresholdCrossing(direction: .low, severity: .critical, threshold: c)
        }
        if let c = criticalHigh, value >= c.double {
            return ThresholdCrossing(direction: .high, severity: .critical, threshold: c)
        }
        if let l = low, value <= l.double {
            return ThresholdCrossing(direction: .low, severity: .warning, threshold: l)
        }
        if let h = high, value >= h.double {
            return ThresholdCrossing(direction: .high, severity: .warning, threshold: h)
        }
        return nil
    }
}

/// Whether crossings have lasted long enough to alert: for `duration` seconds, or in `k` of the last `n` readings.
///
/// One tracker per patient and metric; a plain value, no allocation per reading.
public struct ConditionTracker: Sendable, Equatable {
    public var durationSeconds: Int64?
    /// Alert when at least `k` of the last `n` readings crossed (`repeat: k` in a profile means k of k).
    public var k: Int
    public var n: Int
    var history: UInt64 = 0
    var seen = 0
    var crossingSince: Timestamp?

    public init(durationSeconds: Int64? = nil, k: Int = 1, n: Int = 1) {
        self.durationSeconds = durationSeconds
        self.k = max(1, min(k, 64))
        self.n = max(self.k, min(n, 64))
    }

    /// Records one reading's outcome; true when the condition is established.
    public mutating func record(crossed: Bool, at time: Timestamp) -> Bool {
        history = (history << 1 | (crossed ? 1 : 0)) & (n == 64 ? ~0 : (1 << UInt64(n)) - 1)
        seen = min(seen + 1, n)
        if crossed {
            if crossingSince == nil { crossingSince = time }
        } else {
            crossingSince = nil
        }
        guard history.nonzeroBitCount >= k else { return false }
        if let d = durationSeconds {
            guard let since = crossingSince, time.microseconds - since.microseconds >= d * 1_000_000 else {
                return false
            }
        }
        return crossed
    }
}
