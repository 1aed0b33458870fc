/// Decision support per reading: threshold, duration, k-of-n and rate-of-change rules per metric, device status and
/// missing data per device, and NEWS2 per patient, each through one `AlertStateMachine` per patient, metric, kind
/// (and device, for device rules).
///
/// Pure and synchronous: the ingest thread calls it per reading and once a second (`tick`). No clock, no I/O; state is
/// kept in memory and restored from the journal's open alerts after a restart (`restore`).
public struct AlertEngine: Sendable {
    /// The kinds of alert.
    public enum Kind {
        public static let thresholdLow = "threshold-low"
        public static let thresholdHigh = "threshold-high"
        public static let rateRise = "rate-rise"
        public static let rateFall = "rate-fall"
        public static let deviceStatus = "device-status"
        public static let missingData = "missing-data"
        public static let news2 = "news2"
    }

    /// Who made a transition the engine made itself.
    public static let system = "helsebro"

    public struct Key: Hashable, Sendable {
        public let patient: String
        public let metric: String
        public let kind: String
        /// The device, for device-status and missing-data alerts; empty otherwise.
        public let device: String
        /// FNV-1a of the four fields, computed once per key. Keys are looked up several times per reading, and the
        /// standard hashing of four Strings cost about 900 instructions per lookup, a quarter of all rule work.
        let digest: UInt64

        public init(patient: String, metric: String, kind: String, device: String = "") {
            self.patient = patient
            self.metric = metric
            self.kind = kind
            self.device = device
            var d: UInt64 = 0xcbf2_9ce4_8422_2325
            Self.mix(patient, into: &d)
            Self.mix(metric, into: &d)
            Self.mix(kind, into: &d)
            Self.mix(device, into: &d)
            digest = d
        }

        private static func mix(_ field: String, into d: inout UInt64) {
            var text = field
            text.withUTF8 { bytes in
                for byte in bytes { d = (d ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
            }
            // 0xFF never occurs in UTF-8: ("ab", "c") and ("a", "bc") differ.
            d = (d ^ 0xFF) &* 0x0000_0100_0000_01B3
        }

        /// The seeded hasher still mixes the digest, so the table's layout is not predictable from outside.
        public func hash(into hasher: inout Hasher) { hasher.combine(digest) }

        public static func == (a: Key, b: Key) -> Bool {
            a.digest == b.digest && a.patient == b.patient && a.metric == b.metric && a.kind == b.kind
                && a.device == b.device
        }
    }

    /// One alert transition, for the journal and the alerts topic.
    public struct Event: Sendable, Equatable {
        /// The alert's id in the journal; set when the transition is written.
        public var id: Int64?
        public var key: Key
        public var severity: AlertSeverity
        /// `raised`, `updated`, `escalated`, `reopened`, `acknowledged`, `snoozed`, `resolved`, or `unpaired` (a device
        /// alert ended because its device no longer belongs to the patient).
        public var transition: String
        /// The alert's state after the transition: `open`, `acknowledged`, `snoozed` or `resolved`.
        public var state: String
        public var value: DecimalValue
        public var unit: UCUMUnit
        public var threshold: DecimalValue?
        public var time: Timestamp
        /// Who made the transition: `helsebro`, or the clinician who acknowledged or snoozed.
        public var actor: String
        /// Until when a snoozed alert is silent.
        public var until: Timestamp?

        public init(
            id: Int64? = nil, key: Key, severity: AlertSeverity, transition: String, state: String,
            value: DecimalValue, unit: UCUMUnit, threshold: DecimalValue?, time: Timestamp,
            actor: String = AlertEngine.system, until: Timestamp? = nil
        ) {
            self.id = id
            self.key = key
            self.severity = severity
            self.transition = transition
            self.state = state
            self.value = value
            self.unit = unit
            self.threshold = threshold
            self.time = time
            self.actor = actor
            self.until = until
        }

        public var patient: String { key.patient }
        public var metric: String { key.metric }
        public var kind: String { key.kind }
    }

    public struct Settings: Sendable, Equatable {
        /// In-range readings needed before a value alert resolves (device alerts resolve on the first good message).
        public var resolveAfter = 2
        public var escalateAfterSeconds: Int64 = 900
        /// NEWS2 uses each vital sign's latest reading no older than this.
        public var news2WindowSeconds: Int64 = 3600
        /// A clinician's consciousness and oxygen observation counts for this long (RCP: at least 12-hourly).
        public var observationValidSeconds: Int64 = 12 * 3600
        /// A NEWS2 alert resolves only once the score has stayed below its trigger this long (and for `resolveAfter`
        /// scores): monitors re-score every few seconds, and a score hovering at 4–5 must not raise and resolve each
        /// time.
        public var news2ResolveHoldSeconds: Int64 = 600

        public init() {}
    }

    struct Entry: Sendable {
        var tracker: ConditionTracker
        var machine: AlertStateMachine
        var severity: AlertSeverity = .warning
        var threshold: DecimalValue?
        var value = DecimalValue(mantissa: 0, exponent: 0)
        var unit = UCUMUnit.none
    }

    public let settings: Settings
    var entries: [Key: Entry] = [:]
    /// How many of `entries` each patient has. A patient with none, whose reading crosses nothing, needs no key
    /// built and no lookup: most readings of most patients (`store` keeps the count).
    var entriesPerPatient: [String: Int] = [:]
    var histories: [Key: RateHistory] = [:]
    var vitals: [String: News2Inputs] = [:]

    public init(settings: Settings = Settings()) { self.settings = settings }

    /// Open alerts held in memory.
    public var openCount: Int { entries.values.count { $0.machine.state != .inactive } }

    // MARK: Transitions

    /// Feeds one outcome to the key's machine and turns its action into an event.
    mutating func step(
        _ key: Key, condition: AlertSeverity?, threshold: DecimalValue?, value: DecimalValue, unit: UCUMUnit,
        at time: Timestamp, resolveAfter: Int, tracker: ConditionTracker = ConditionTracker(),
        into events: inout [Event]
    ) {
        if condition == nil && entries[key] == nil { return }
        var entry =
            entries[key]
            ?? Entry(
                tracker: tracker,
                machine: AlertStateMachine(
                    resolveAfter: resolveAfter, escalateAfterSeconds: settings.escalateAfterSeconds,
                    resolveHoldSeconds: key.kind == Kind.news2 ? settings.news2ResolveHoldSeconds : 0))
        let established = entry.tracker.record(crossed: condition != nil, at: time)
        let action = entry.machine.reading(established ? condition : nil, at: time)
        if established {
            entry.threshold = threshold
            entry.value = value
            entry.unit = unit
        }
        if let e = Self.event(key, &entry, action, time: time, value: value) { events.append(e) }
        store(key, entry.machine.state == .inactive && condition == nil ? nil : entry)
    }

    /// Sets or removes the key's entry, keeping `entriesPerPatient`.
    mutating func store(_ key: Key, _ entry: Entry?) {
        if let entry {
            if entries.updateValue(entry, forKey: key) == nil { entriesPerPatient[key.patient, default: 0] += 1 }
        } else if entries.removeValue(forKey: key) != nil {
            let left = (entriesPerPatient[key.patient] ?? 1) - 1
            entriesPerPatient[key.patient] = left > 0 ? left : nil
        }
    }

    /// The patient has no alert entry at all: a rule whose condition is not met has nothing to move.
    func isQuiet(_ patient: String) -> Bool { entriesPerPatient[patient] == nil }

    static func event(
        _ key: Key, _ entry: inout Entry, _ action: AlertStateMachine.Action, time: Timestamp,
        value: DecimalValue? = nil,
        actor: String = AlertEngine.system
    ) -> Event? {
        let transition: String
        var until: Timestamp?
        switch action {
        case .raise: transition = "raised"
        case .update: transition = "updated"
        case .escalate: transition = "escalated"
        case .reopen: transition = "reopened"
        case .acknowledge: transition = "acknowledged"
        case .snooze(let u):
            transition = "snoozed"
            until = u
        case .resolve: transition = "resolved"
        case .refuse, .none: return nil
        }
        if let s = entry.machine.severity { entry.severity = s }
        return Event(
            key: key, severity: entry.severity, transition: transition, state: entry.machine.stateName,
            value: value ?? entry.value, unit: entry.unit, threshold: entry.threshold, time: time, actor: actor,
            until: until)
    }

    // MARK: Rules per metric

    /// Evaluates one reading of `metric` for `patient` against `thresholds` (the profile's, with the patient's
    /// overrides applied): threshold, sustained or k-of-n, and rate of change. Returns the transitions it causes.
    public mutating func evaluate(
        patient: String, metric: MetricDefinition, thresholds a: AlertThresholds, value: DecimalValue,
        at time: Timestamp
    ) -> [Event] {
        guard !a.isEmpty else { return [] }
        var events: [Event] = []
        let quiet = isQuiet(patient)
        if a.low != nil || a.high != nil || a.criticalLow != nil || a.criticalHigh != nil,
            case let crossing = a.crossing(value.double), crossing != nil || !quiet
        {
            let tracker = ConditionTracker(
                durationSeconds: a.durationSeconds.map(Int64.init), k: a.repeatCount ?? 1, n: a.repeatCount ?? 1)
            for direction in [ThresholdCrossing.Direction.low, .high] {
                let here = crossing?.direction == direction ? crossing : nil
                step(
                    Key(
                        patient: patient, metric: metric.key,
                        kind: direction == .low ? Kind.thresholdLow : Kind.thresholdHigh),
                    condition: here?.severity, threshold: here?.threshold, value: value, unit: metric.unit, at: time,
                    resolveAfter: settings.resolveAfter, tracker: tracker, into: &events)
            }
        }
        if a.rise != nil || a.fall != nil {
            let hkey = Key(patient: patient, metric: metric.key, kind: "rate")
            let window = max(a.rise?.withinSeconds ?? 0, a.fall?.withinSeconds ?? 0)
            var history = histories[hkey] ?? RateHistory()
            for (rule, kind) in [(a.rise, Kind.rateRise), (a.fall, Kind.rateFall)] {
                guard let rule else { continue }
                let change = history.change(
                    to: value.double, at: time, within: rule.withinSeconds, rising: kind == Kind.rateRise)
                let crossed = change.map { abs($0) >= rule.by.double } ?? false
                if quiet && !crossed { continue }
                let shown =
                    DecimalValue(rounding: change ?? 0, places: max(metric.decimals, rule.by.decimalPlaces)) ?? value
                step(
                    Key(patient: patient, metric: metric.key, kind: kind), condition: crossed ? .warning : nil,
                    threshold: rule.by, value: shown, unit: metric.unit, at: time, resolveAfter: settings.resolveAfter,
                    into: &events)
            }
            history.append(value.double, at: time, keeping: window)
            histories[hkey] = history
        }
        return events
    }

    // MARK: Rules per device

    /// A device's status in one message: each watched flag it reports opens (or keeps open) a warning; a message
    /// without it resolves.
    public mutating func deviceStatus(
        patient: String, device: String, status: StatusSet, watched: [StatusFlag], at time: Timestamp
    ) -> [Event] {
        var events: [Event] = []
        let quiet = isQuiet(patient)
        for flag in watched {
            let on = status.contains(flag)
            if quiet && !on { continue }
            step(
                Key(patient: patient, metric: flag.name, kind: Kind.deviceStatus, device: device),
                condition: on ? .warning : nil, threshold: nil, value: DecimalValue(mantissa: on ? 1 : 0, exponent: 0),
                unit: .none, at: time, resolveAfter: 1, into: &events)
        }
        return events
    }

    /// A device expected every `expectedSeconds` and last heard from at `lastSeen`: silent longer opens a warning
    /// (value: minutes silent); hearing from it again resolves.
    public mutating func silence(
        patient: String, device: String, lastSeen: Timestamp, expectedSeconds: Int64, now: Timestamp
    ) -> [Event] {
        var events: [Event] = []
        let silent = max(0, now.seconds - lastSeen.seconds)
        if silent <= expectedSeconds && isQuiet(patient) { return [] }
        step(
            Key(patient: patient, metric: "readings", kind: Kind.missingData, device: device),
            condition: silent > expectedSeconds ? .warning : nil,
            threshold: DecimalValue(mantissa: expectedSeconds / 60, exponent: 0),
            value: DecimalValue(mantissa: silent / 60, exponent: 0), unit: .minute, at: now, resolveAfter: 1,
            into: &events)
        return events
    }

    /// Ends the device alerts (device status, missing data) of `devices` (nil: of every device) whose patient the
    /// device no longer belongs to, as `belongs` says: a device unpaired, or paired with someone else, reports
    /// nothing more for the old patient, so nothing would ever resolve those alerts, and they would escalate to the
    /// old patient's clinicians about a device that is no longer theirs. Transition `unpaired`, state `resolved`.
    public mutating func endDeviceAlerts(
        of devices: Set<String>?, at time: Timestamp, belongs: (_ device: String, _ patient: String) -> Bool
    ) -> [Event] {
        var events: [Event] = []
        var ended: [Key] = []
        for (key, entry) in entries where !key.device.isEmpty {
            guard devices?.contains(key.device) ?? true, !belongs(key.device, key.patient) else { continue }
            ended.append(key)
            guard entry.machine.state != .inactive else { continue }
            events.append(
                Event(
                    key: key, severity: entry.severity, transition: "unpaired", state: "resolved", value: entry.value,
                    unit: entry.unit, threshold: entry.threshold, time: time))
        }
        for key in ended { store(key, nil) }
        return events
    }

    // MARK: NEWS2

    /// Records a vital sign for the patient's NEWS2; an older reading than the one held is ignored.
    public mutating func recordVital(_ p: News2Parameter, patient: String, value: Double, at time: Timestamp) {
        vitals[patient, default: News2Inputs()].record(p, value, at: time)
    }

    /// Records a clinician's observation: consciousness (ACVPU), air or oxygen, and optionally the SpO2 scale.
    public mutating func recordObservation(
        patient: String, consciousness: News2Score.Consciousness?, onOxygen: Bool?, scale: News2Score.SpO2Scale?,
        at time: Timestamp
    ) {
        var v = vitals[patient] ?? News2Inputs()
        if let c = consciousness, v.consciousness.map({ $0.time <= time }) ?? true { v.consciousness = (c, time) }
        if let o = onOxygen, v.oxygen.map({ $0.time <= time }) ?? true { v.oxygen = (o, time) }
        if let s = scale { v.scale = s }
        vitals[patient] = v
    }

    /// The patient's NEWS2 at `now` from the latest vital signs within the window and a current observation.
    public func news2(patient: String, now: Timestamp) -> News2Score.Result {
        let (observations, scale) = news2Inputs(patient: patient, now: now)
        return News2Score.score(observations, scale: scale)
    }

    private func news2Inputs(patient: String, now: Timestamp) -> (News2Score.Observations, News2Score.SpO2Scale) {
        let v = vitals[patient] ?? News2Inputs()
        return (
            v.observations(now: now, window: settings.news2WindowSeconds, valid: settings.observationValidSeconds),
            v.scale
        )
    }

    /// Re-scores the patient's NEWS2 and moves its alert: a single 3 → warning, 5–6 → urgent, 7 or more → critical.
    /// An incomplete set changes nothing (missing data is not an improvement).
    public mutating func evaluateNEWS2(patient: String, now: Timestamp) -> [Event] {
        let (observations, scale) = news2Inputs(patient: patient, now: now)
        guard let s = News2Score.complete(observations, scale: scale) else { return [] }
        let level: (AlertSeverity, Int64)? =
            switch s.risk {
            case .high: (.critical, 7)
            case .medium: (.urgent, 5)
            case .lowMedium: (.warning, 3)
            case .low: nil
            }
        if level == nil && isQuiet(patient) { return [] }
        var events: [Event] = []
        step(
            Key(patient: patient, metric: "news2", kind: Kind.news2), condition: level?.0,
            threshold: level.map { DecimalValue(mantissa: $0.1, exponent: 0) },
            value: DecimalValue(mantissa: Int64(s.total), exponent: 0), unit: .score, at: now,
            resolveAfter: settings.resolveAfter, into: &events)
        return events
    }

    // MARK: Clinicians and time

    /// Advances time: escalates alerts not acknowledged in time and reopens snoozes that ended.
    public mutating func tick(_ now: Timestamp) -> [Event] {
        var events: [Event] = []
        // In place, by index: iterating `entries.keys` while assigning `entries[key]` held a second reference to the
        // storage, so every tick copied the whole dictionary (8 MB a second with 100,000 devices).
        var index = entries.startIndex
        while index != entries.endIndex {
            if entries.values[index].machine.state != .inactive {
                let key = entries.keys[index]
                let action = entries.values[index].machine.tick(now)
                if let e = Self.event(key, &entries.values[index], action, time: now) { events.append(e) }
            }
            entries.formIndex(after: &index)
        }
        return events
    }

    /// A clinician acknowledged the alert at `severity` (recorded in the journal). A worse severity raised since is
    /// not covered by it, and stays open.
    public mutating func acknowledge(_ key: Key, severity: AlertSeverity, by who: String, at time: Timestamp) {
        guard var entry = entries[key], let s = entry.machine.severity, s <= severity else { return }
        _ = entry.machine.acknowledge(by: who, at: time)
        entries[key] = entry
    }

    /// A clinician snoozed the alert until `until`.
    public mutating func snooze(_ key: Key, until: Timestamp, at time: Timestamp) {
        guard var entry = entries[key] else { return }
        _ = entry.machine.snooze(until: until, at: time)
        entries[key] = entry
    }

    /// Reinstates alerts the journal holds open (after a restart), so they resolve, escalate and suppress storms as
    /// before. Condition trackers start again.
    public mutating func restore(_ alerts: [AlertRecord]) {
        for a in alerts {
            let state: AlertStateMachine.State
            switch a.state {
            case "acknowledged":
                state = .acknowledged(
                    severity: a.severity, by: a.acknowledgedBy ?? "", at: a.acknowledgedAt ?? a.updated)
            case "snoozed": state = .snoozed(severity: a.severity, until: a.snoozedUntil ?? a.updated)
            case "open": state = .open(severity: a.severity, since: a.raised, escalated: a.escalated)
            default: continue
            }
            let device = a.key.kind == Kind.deviceStatus || a.key.kind == Kind.missingData
            store(
                a.key,
                Entry(
                    tracker: ConditionTracker(),
                    machine: AlertStateMachine(
                        restoring: state, resolveAfter: device ? 1 : settings.resolveAfter,
                        escalateAfterSeconds: settings.escalateAfterSeconds,
                        resolveHoldSeconds: a.key.kind == Kind.news2 ? settings.news2ResolveHoldSeconds : 0),
                    severity: a.severity, threshold: a.threshold, value: a.value, unit: a.unit))
        }
    }
}

/// An alert as the journal holds it: its current state and its last values.
public struct AlertRecord: Sendable, Equatable {
    public var id: Int64
    public var key: AlertEngine.Key
    public var severity: AlertSeverity
    /// `open`, `acknowledged`, `snoozed` or `resolved`.
    public var state: String
    public var value: DecimalValue
    public var unit: UCUMUnit
    public var threshold: DecimalValue?
    public var raised: Timestamp
    public var updated: Timestamp
    public var escalated: Bool
    public var acknowledgedBy: String?
    public var acknowledgedAt: Timestamp?
    public var snoozedUntil: Timestamp?
    public var resolved: Timestamp?

    public init(
        id: Int64, key: AlertEngine.Key, severity: AlertSeverity, state: String, value: DecimalValue, unit: UCUMUnit,
        threshold: DecimalValue?, raised: Timestamp, updated: Timestamp, escalated: Bool = false,
        acknowledgedBy: String? = nil, acknowledgedAt: Timestamp? = nil, snoozedUntil: Timestamp? = nil,
        resolved: Timestamp? = nil
    ) {
        self.id = id
        self.key = key
        self.severity = severity
        self.state = state
        self.value = value
        self.unit = unit
        self.threshold = threshold
        self.raised = raised
        self.updated = updated
        self.escalated = escalated
        self.acknowledgedBy = acknowledgedBy
        self.acknowledgedAt = acknowledgedAt
        self.snoozedUntil = snoozedUntil
        self.resolved = resolved
    }
}

extension AlertStateMachine {
    /// The journal's name for the state.
    public var stateName: String {
        switch state {
        case .inactive: "resolved"
        case .open: "open"
        case .acknowledged: "acknowledged"
        case .snoozed: "snoozed"
        }
    }
}

/// The recent values of one patient's metric, for rate-of-change rules: at most 64, none older than the window.
struct RateHistory: Sendable {
    static let capacity = 64
    var times: [Int64] = []
    var values: [Double] = []

    /// The largest rise (or fall, negative) from a value held within `within` seconds before `time` to `value`.
    func change(to value: Double, at time: Timestamp, within: Int64, rising: Bool) -> Double? {
        let from = time.microseconds - within * 1_000_000
        var best: Double?
        for i in 0..<times.count where times[i] >= from && times[i] <= time.microseconds {
            let d = value - values[i]
            if rising ? d > (best ?? 0) : d < (best ?? 0) { best = d }
        }
        return best
    }

    mutating func append(_ value: Double, at time: Timestamp, keeping window: Int64) {
        let from = time.microseconds - window * 1_000_000
        if times.count < RateHistory.capacity {
            if let i = times.firstIndex(where: { $0 < from }) {
                times[i] = time.microseconds
                values[i] = value
            } else {
                times.append(time.microseconds)
                values.append(value)
            }
        } else {
            // Full: replace the oldest.
            let i = times.indices.min(by: { times[$0] < times[$1] }) ?? 0
            times[i] = time.microseconds
            values[i] = value
        }
    }
}

/// The NEWS2 vital signs Helsebro reads from devices, by LOINC code.
public enum News2Parameter: Sendable, CaseIterable {
    case respiration, spo2, systolic, pulse, temperature

    public init?(loinc: String?) {
        switch loinc {
        case "9279-1": self = .respiration
        case "2708-6", "59408-5": self = .spo2
        case "8480-6": self = .systolic
        case "8867-4": self = .pulse
        case "8310-5": self = .temperature
        default: return nil
        }
    }
}

/// One patient's latest NEWS2 inputs with their times.
struct News2Inputs: Sendable {
    var values: [(value: Double, time: Timestamp)?] = Array(repeating: nil, count: 5)
    var consciousness: (value: News2Score.Consciousness, time: Timestamp)?
    var oxygen: (value: Bool, time: Timestamp)?
    var scale = News2Score.SpO2Scale.scale1

    static func index(_ p: News2Parameter) -> Int {
        switch p {
        case .respiration: 0
        case .spo2: 1
        case .systolic: 2
        case .pulse: 3
        case .temperature: 4
        }
    }

    mutating func record(_ p: News2Parameter, _ value: Double, at time: Timestamp) {
        let i = Self.index(p)
        if let held = values[i], held.time > time { return }
        values[i] = (value, time)
    }

    func observations(now: Timestamp, window: Int64, valid: Int64) -> News2Score.Observations {
        func recent(_ p: News2Parameter) -> Double? {
            guard let v = values[Self.index(p)], now.seconds - v.time.seconds <= window else { return nil }
            return v.value
        }
        let current = { (t: Timestamp) in now.seconds - t.seconds <= valid }
        return News2Score.Observations(
            respirationRate: recent(.respiration), spo2: recent(.spo2),
            onOxygen: oxygen.flatMap { current($0.time) ? $0.value : nil }, systolic: recent(.systolic),
            pulse: recent(.pulse), consciousness: consciousness.flatMap { current($0.time) ? $0.value : nil },
            temperature: recent(.temperature))
    }
}

extension AlertEngine.Event {
    /// The JSON published on `helsebro/v1/alerts/{patientId}`.
    public var json: String {
        let text = JSONText.string
        return "{\"id\": \(id.map { "\($0)" } ?? "null"), \"patient\": \(text(key.patient)), "
            + "\"metric\": \(text(key.metric)), \"kind\": \(text(key.kind)), "
            + "\"device\": \(key.device.isEmpty ? "null" : text(key.device)), "
            + "\"severity\": \(text(severity.name)), \"value\": \(value), \"unit\": \(text(unit.code)), "
            + "\"threshold\": \(threshold.map { "\($0)" } ?? "null"), \"time\": \(text(time.rfc3339)), "
            + "\"transition\": \(text(transition)), \"state\": \(text(state)), \"by\": \(text(actor))"
            + (until.map { ", \"until\": \(text($0.rfc3339))" } ?? "") + "}"
    }
}

extension AlertRecord {
    /// An alert as `helsebro alerts list --format json` and `GET /api/patients/{id}/alerts` give it.
    public var json: String {
        let t = JSONText.string
        let k = key
        return "{\"id\": \(id), \"patient\": \(t(k.patient)), \"metric\": \(t(k.metric)), \"kind\": \(t(k.kind)), "
            + "\"device\": \(k.device.isEmpty ? "null" : t(k.device)), \"severity\": \(t(severity.name)), "
            + "\"state\": \(t(state)), \"value\": \(value), \"unit\": \(t(unit.code)), "
            + "\"threshold\": \(threshold.map { "\($0)" } ?? "null"), \"raised\": \(t(raised.rfc3339)), "
            + "\"updated\": \(t(updated.rfc3339)), \"escalated\": \(escalated), "
            + "\"acknowledged-by\": \(acknowledgedBy.map(t) ?? "null"), "
            + "\"resolved\": \(resolved.map { t($0.rfc3339) } ?? "null")}"
    }
}
