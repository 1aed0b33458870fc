/// Threshold alerts per patient and metric: the profile's default thresholds, sustained or k-of-n where the profile
/// asks, through one `AlertStateMachine` per patient, metric and direction.
///
/// Pure and synchronous: the ingest thread calls it per reading. State is kept per key in memory.
public struct AlertEngine: Sendable {
    public struct Key: Hashable, Sendable {
        public var patient: String
        public var metric: String
        /// `threshold-low` or `threshold-high`.
        public var kind: String
    }

    /// One alert transition, for the journal and the alerts topic.
    public struct Event: Sendable, Equatable {
        public var patient: String
        public var metric: String
        public var kind: String
        public var severity: AlertSeverity
        /// `raised`, `updated`, `escalated`, `resolved`.
        public var transition: String
        /// The alert's state after the transition: `open` or `resolved`.
        public var state: String
        public var value: DecimalValue
        public var unit: UCUMUnit
        public var threshold: DecimalValue?
        public var time: Timestamp

        public init(
            patient: String, metric: String, kind: String, severity: AlertSeverity, transition: String, state: String,
            value: DecimalValue, unit: UCUMUnit, threshold: DecimalValue?, time: Timestamp
        ) {
            self.patient = patient
            self.metric = metric
            self.kind = kind
            self.severity = severity
            self.transition = transition
            self.state = state
            self.value = value
            self.unit = unit
            self.threshold = threshold
            self.time = time
        }
    }

    struct Entry: Sendable {
        var tracker: ConditionTracker
        var machine: AlertStateMachine
        var severity: AlertSeverity = .warning
        var threshold: DecimalValue?
    }

    var entries: [Key: Entry] = [:]

    public init() {}

    /// Evaluates one reading of `metric` for `patient`; returns the transitions it causes.
    public mutating func evaluate(patient: String, metric: MetricDefinition, value: DecimalValue, at time: Timestamp)
        -> [Event]
    {
        let a = metric.alerts
        guard a.low != nil || a.high != nil || a.criticalLow != nil || a.criticalHigh != nil else { return [] }
        let crossing = a.crossing(value.double)
        var events: [Event] = []
        for direction in [ThresholdCrossing.Direction.low, .high] {
            let key = Key(patient: patient, metric: metric.key, kind: "threshold-" + direction.rawValue)
            let here = crossing?.direction == direction ? crossing : nil
            if here == nil && entries[key] == nil { continue }
            var entry =
                entries[key]
                ?? Entry(
                    tracker: ConditionTracker(
                        durationSeconds: a.durationSeconds.map(Int64.init), k: a.repeatCount ?? 1, n: a.repeatCount ?? 1
                    ),
                    machine: AlertStateMachine())
            let established = entry.tracker.record(crossed: here != nil, at: time)
            let action = entry.machine.reading(established ? here?.severity : nil, at: time)
            if let here, established {
                entry.severity = max(entry.severity, here.severity)
                entry.threshold = here.threshold
            }
            let transition: String?
            switch action {
            case .raise(let s):
                entry.severity = s
                transition = "raised"
            case .update(let s):
                entry.severity = s
                transition = "updated"
            case .escalate(let s):
                entry.severity = s
                transition = "escalated"
            case .resolve: transition = "resolved"
            default: transition = nil
            }
            if let transition {
                events.append(
                    Event(
                        patient: patient, metric: metric.key, kind: key.kind, severity: entry.severity,
                        transition: transition,
                        state: transition == "resolved" ? "resolved" : "open", value: value, unit: metric.unit,
                        threshold: entry.threshold, time: time))
            }
            if entry.machine.state == .inactive && here == nil {
                entries[key] = nil
            } else {
                entries[key] = entry
            }
        }
        return events
    }
}

extension AlertEngine.Event {
    /// The JSON published on `helsebro/v1/alerts/{patientId}`.
    public var json: String {
        let text = JSONText.string
        return "{\"patient\": \(text(patient)), \"metric\": \(text(metric)), \"kind\": \(text(kind)), "
            + "\"severity\": \(text(severity.name)), \"value\": \(value), \"unit\": \(text(unit.code)), "
            + "\"threshold\": \(threshold.map { "\($0)" } ?? "null"), \"time\": \(text(time.rfc3339)), "
            + "\"transition\": \(text(transition)), \"state\": \(text(state))}"
    }
}
