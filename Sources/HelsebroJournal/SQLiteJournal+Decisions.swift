import Foundation
import HelsebroCore

/// Alerts with their lifecycle, clinicians' thresholds and observations, and summaries.
let migrationV3 = """
    CREATE TABLE alert (
        id INTEGER PRIMARY KEY,
        patient TEXT NOT NULL,
        metric TEXT NOT NULL,
        kind TEXT NOT NULL,
        device TEXT NOT NULL,
        severity TEXT NOT NULL,
        state TEXT NOT NULL,
        mantissa INTEGER NOT NULL,
        exponent INTEGER NOT NULL,
        unit TEXT NOT NULL,
        threshold TEXT,
        raised_us INTEGER NOT NULL,
        updated_us INTEGER NOT NULL,
        escalated INTEGER NOT NULL DEFAULT 0,
        acknowledged_by TEXT,
        acknowledged_us INTEGER,
        snoozed_until_us INTEGER,
        resolved_us INTEGER);
    -- One open alert per patient, metric, kind and device: the journal refuses a second.
    CREATE UNIQUE INDEX alert_open ON alert(patient, metric, kind, device) WHERE state != 'resolved';
    CREATE INDEX alert_patient ON alert(patient, id);
    CREATE TABLE alert_event_v3 (
        id INTEGER PRIMARY KEY,
        alert INTEGER REFERENCES alert(id),
        patient TEXT NOT NULL,
        metric TEXT NOT NULL,
        kind TEXT NOT NULL,
        device TEXT NOT NULL,
        severity TEXT NOT NULL,
        transition TEXT NOT NULL,
        state TEXT NOT NULL,
        mantissa INTEGER NOT NULL,
        exponent INTEGER NOT NULL,
        unit TEXT NOT NULL,
        threshold TEXT,
        time_us INTEGER NOT NULL,
        actor TEXT NOT NULL,
        until_us INTEGER,
        message TEXT REFERENCES message(identity));
    INSERT INTO alert_event_v3 (id, patient, metric, kind, device, severity, transition, state, mantissa, exponent,
        unit, threshold, time_us, actor, message)
        SELECT id, patient, metric, kind, '', severity, transition, state, mantissa, exponent, unit,
            CASE WHEN threshold_mantissa IS NULL THEN NULL
                ELSE CAST(threshold_mantissa AS TEXT) || 'e' || CAST(threshold_exponent AS TEXT) END,
            time_us, 'helsebro', message FROM alert_event;
    DROP TABLE alert_event;
    ALTER TABLE alert_event_v3 RENAME TO alert_event;
    CREATE INDEX alert_event_patient ON alert_event(patient, id);
    CREATE TABLE threshold_override (
        id INTEGER PRIMARY KEY,
        patient TEXT NOT NULL REFERENCES patient(id),
        metric TEXT NOT NULL,
        low TEXT, high TEXT, critical_low TEXT, critical_high TEXT,
        window_from INTEGER, window_to INTEGER,
        set_by TEXT NOT NULL,
        set_us INTEGER NOT NULL,
        reason TEXT NOT NULL,
        ended_by TEXT,
        ended_us INTEGER,
        end_reason TEXT);
    CREATE TABLE observation (
        id INTEGER PRIMARY KEY,
        patient TEXT NOT NULL REFERENCES patient(id),
        consciousness TEXT,
        oxygen TEXT,
        spo2_scale INTEGER,
        observed_by TEXT NOT NULL,
        time_us INTEGER NOT NULL);
    CREATE TABLE summary (
        id INTEGER PRIMARY KEY,
        patient TEXT NOT NULL,
        metric TEXT NOT NULL,
        kind TEXT NOT NULL,
        start_us INTEGER NOT NULL,
        end_us INTEGER NOT NULL,
        body TEXT NOT NULL,
        created_us INTEGER NOT NULL,
        UNIQUE (patient, metric, kind, start_us, end_us));
    """

extension SQLJournal {
    // MARK: Alerts

    /// Records one transition: opens the alert on `raised`, otherwise moves the open one; fills in `e.id`.
    static func insertAlertEvent(_ db: any SQLSession, _ e: inout AlertEngine.Event, message: String?) throws {
        let k = e.key
        try lockAlert(db, k)
        var id = try db.scalar(
            Int64.self,
            sql:
                "SELECT id FROM alert WHERE patient = ? AND metric = ? AND kind = ? AND device = ? AND state != 'resolved'",
            arguments: [k.patient, k.metric, k.kind, k.device])
        let byClinician = e.actor != AlertEngine.system
        if let id {
            try db.execute(
                sql: """
                    UPDATE alert SET severity = ?, state = ?, updated_us = ?,
                        mantissa = CASE WHEN ? = 1 THEN mantissa ELSE ? END,
                        exponent = CASE WHEN ? = 1 THEN exponent ELSE ? END,
                        threshold = CASE WHEN ? = 1 THEN threshold ELSE ? END,
                        escalated = CASE WHEN escalated = 1 OR ? = 1 THEN 1 ELSE 0 END,
                        acknowledged_by = CASE ? WHEN 'acknowledged' THEN ? WHEN 'open' THEN NULL ELSE acknowledged_by END,
                        acknowledged_us = CASE ? WHEN 'acknowledged' THEN ? WHEN 'open' THEN NULL ELSE acknowledged_us END,
                        snoozed_until_us = ?,
                        resolved_us = CASE ? WHEN 'resolved' THEN ? ELSE NULL END
                    WHERE id = ?
                    """,
                arguments: [
                    e.severity.name, e.state, e.time.microseconds,
                    byClinician, e.value.mantissa, byClinician, Int(e.value.exponent), byClinician,
                    e.threshold?.description,
                    e.transition == "escalated",
                    e.state, e.actor, e.state, e.time.microseconds,
                    e.until?.microseconds,
                    e.state, e.time.microseconds, id,
                ])
        } else if e.state != "resolved" {
            id = try db.insertReturningID(
                sql: """
                    INSERT INTO alert (patient, metric, kind, device, severity, state, mantissa, exponent, unit,
                        threshold, raised_us, updated_us, escalated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    k.patient, k.metric, k.kind, k.device, e.severity.name, e.state, e.value.mantissa,
                    Int(e.value.exponent), e.unit.code, e.threshold?.description, e.time.microseconds,
                    e.time.microseconds, e.transition == "escalated",
                ])
        }
        try db.execute(
            sql: """
                INSERT INTO alert_event (alert, patient, metric, kind, device, severity, transition, state, mantissa,
                    exponent, unit, threshold, time_us, actor, until_us, message)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                id, k.patient, k.metric, k.kind, k.device, e.severity.name, e.transition, e.state, e.value.mantissa,
                Int(e.value.exponent), e.unit.code, e.threshold?.description, e.time.microseconds, e.actor,
                e.until?.microseconds, message,
            ])
        e.id = id
    }

    /// Serialises the writers of one alert (its key) until the transaction ends.
    static func lockAlert(_ db: any SQLSession, _ k: AlertEngine.Key) throws {
        try db.lock(["alert", k.patient, k.metric, k.kind, k.device].joined(separator: "\u{1F}"))
    }

    static func decimal(_ text: String?) -> DecimalValue? {
        text.flatMap { DecimalValue(text: Array($0.utf8)) }
    }

    static func key(_ row: SQLRow) -> AlertEngine.Key {
        AlertEngine.Key(patient: row["patient"], metric: row["metric"], kind: row["kind"], device: row["device"])
    }

    static func alertEvent(_ row: SQLRow) -> AlertEngine.Event {
        AlertEngine.Event(
            id: row["alert"], key: key(row), severity: AlertSeverity(name: row["severity"]) ?? .warning,
            transition: row["transition"], state: row["state"],
            value: DecimalValue(mantissa: row["mantissa"], exponent: Int8(row["exponent"] as Int)),
            unit: UCUMUnit(code: row["unit"]) ?? .none, threshold: decimal(row["threshold"]),
            time: Timestamp(microseconds: row["time_us"]), actor: row["actor"],
            until: (row["until_us"] as Int64?).map(Timestamp.init(microseconds:)))
    }

    static func alertRecord(_ row: SQLRow) -> AlertRecord {
        AlertRecord(
            id: row["id"], key: key(row), severity: AlertSeverity(name: row["severity"]) ?? .warning,
            state: row["state"], value: DecimalValue(mantissa: row["mantissa"], exponent: Int8(row["exponent"] as Int)),
            unit: UCUMUnit(code: row["unit"]) ?? .none, threshold: decimal(row["threshold"]),
            raised: Timestamp(microseconds: row["raised_us"]), updated: Timestamp(microseconds: row["updated_us"]),
            escalated: row["escalated"], acknowledgedBy: row["acknowledged_by"],
            acknowledgedAt: (row["acknowledged_us"] as Int64?).map(Timestamp.init(microseconds:)),
            snoozedUntil: (row["snoozed_until_us"] as Int64?).map(Timestamp.init(microseconds:)),
            resolved: (row["resolved_us"] as Int64?).map(Timestamp.init(microseconds:)))
    }

    public func recordAlertEvents(_ events: [AlertEngine.Event]) throws(JournalError) -> [AlertEngine.Event] {
        guard !events.isEmpty else { return [] }
        return try run("recording alerts") {
            try database.write { db in
                var out = events
                for i in out.indices { try Self.insertAlertEvent(db, &out[i], message: nil) }
                return out
            }
        }
    }

    public func alerts(patient: String?, states: [String]?, limit: Int) throws(JournalError) -> [AlertRecord] {
        try run("reading alerts") {
            try database.read { db in
                var sql = "SELECT * FROM alert WHERE (? IS NULL OR patient = ?)"
                var arguments: [any SQLBindable] = [patient, patient]
                if let states, !states.isEmpty {
                    sql += " AND state IN (" + states.map { _ in "?" }.joined(separator: ", ") + ")"
                    arguments += states as [any SQLBindable]
                }
                sql += " ORDER BY id DESC LIMIT ?"
                arguments += [limit]
                return try db.fetchAll(sql: sql, arguments: arguments).map(Self.alertRecord)
            }
        }
    }

    /// Applies a clinician's action to alert `id` after `check` accepts its current state.
    func clinicianAction(
        _ what: String, id: Int64, _ make: @escaping (AlertRecord) throws(JournalError) -> AlertEngine.Event
    ) throws(JournalError) -> AlertEngine.Event {
        try run(what) {
            try database.write { db in
                func current() throws -> SQLRow {
                    guard let row = try db.fetchOne(sql: "SELECT * FROM alert WHERE id = ?", arguments: [id]) else {
                        throw JournalError(.notFound, "alert \(id) does not exist: see 'helsebro alerts list'")
                    }
                    return row
                }
                // Locked by its key, then read again: the state the action is checked against is the state it
                // changes, whoever else (the service, another instance) moves the same alert.
                try Self.lockAlert(db, Self.key(try current()))
                var e = try make(Self.alertRecord(try current()))
                try Self.insertAlertEvent(db, &e, message: nil)
                return e
            }
        }
    }

    public func acknowledgeAlert(id: Int64, by who: String, at time: Timestamp) throws(JournalError)
        -> AlertEngine.Event
    {
        try clinicianAction("acknowledging an alert", id: id) { (a) throws(JournalError) in
            switch a.state {
            case "resolved": throw JournalError(.conflict, "alert \(id) is resolved; there is nothing to acknowledge")
            case "acknowledged":
                throw JournalError(
                    .conflict, "alert \(id) is already acknowledged (at \(a.acknowledgedAt?.rfc3339 ?? "?"))")
            default:
                return AlertEngine.Event(
                    key: a.key, severity: a.severity, transition: "acknowledged", state: "acknowledged", value: a.value,
                    unit: a.unit, threshold: a.threshold, time: time, actor: who)
            }
        }
    }

    public func snoozeAlert(id: Int64, until: Timestamp, by who: String, at time: Timestamp) throws(JournalError)
        -> AlertEngine.Event
    {
        try clinicianAction("snoozing an alert", id: id) { (a) throws(JournalError) in
            guard a.state != "resolved" else { throw JournalError(.conflict, "alert \(id) is resolved") }
            guard a.severity < .critical else {
                throw JournalError(.conflict, "alert \(id) is critical: a critical alert cannot be snoozed")
            }
            guard until > time else { throw JournalError(.invalidArgument, "a snooze must end in the future") }
            return AlertEngine.Event(
                key: a.key, severity: a.severity, transition: "snoozed", state: "snoozed", value: a.value, unit: a.unit,
                threshold: a.threshold, time: time, actor: who, until: until)
        }
    }

    // MARK: Overrides and observations

    public func addOverride(_ o: ThresholdOverride) throws(JournalError) -> Int64 {
        try run("recording thresholds") {
            try database.write { db in
                guard try db.scalar(Bool.self, sql: "SELECT 1 FROM patient WHERE id = ?", arguments: [o.patient]) != nil
                else { throw JournalError(.notFound, "no such patient: add it with 'helsebro patient add'") }
                let id = try db.insertReturningID(
                    sql: """
                        INSERT INTO threshold_override (patient, metric, low, high, critical_low, critical_high,
                            window_from, window_to, set_by, set_us, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        o.patient, o.metric, o.low?.description, o.high?.description, o.criticalLow?.description,
                        o.criticalHigh?.description, o.window?.fromMinute, o.window?.toMinute, o.setBy,
                        o.setAt.microseconds, o.reason,
                    ])
                try Self.bumpRegistrations(db, patient: o.patient)
                return id
            }
        }
    }

    public func endOverrides(patient: String, metric: String, by who: String, reason: String, at time: Timestamp)
        throws(JournalError) -> Int
    {
        try run("ending thresholds") {
            try database.write { db in
                let n = try db.execute(
                    sql: """
                        UPDATE threshold_override SET ended_by = ?, ended_us = ?, end_reason = ?
                        WHERE patient = ? AND metric = ? AND ended_us IS NULL
                        """,
                    arguments: [who, time.microseconds, reason, patient, metric])
                try Self.bumpRegistrations(db, patient: patient)
                return n
            }
        }
    }

    public func overrides(patient: String?) throws(JournalError) -> [ThresholdOverride] {
        try run("reading thresholds") {
            try database.read { db in
                try db.fetchAll(
                    sql:
                        "SELECT * FROM threshold_override WHERE ended_us IS NULL AND (? IS NULL OR patient = ?) ORDER BY id",
                    arguments: [patient, patient]
                ).map { row in
                    let window: DailyWindow? =
                        if let f: Int = row["window_from"], let t: Int = row["window_to"] {
                            DailyWindow(fromMinute: f, toMinute: t)
                        } else { nil }
                    return ThresholdOverride(
                        id: row["id"], patient: row["patient"], metric: row["metric"], low: Self.decimal(row["low"]),
                        high: Self.decimal(row["high"]), criticalLow: Self.decimal(row["critical_low"]),
                        criticalHigh: Self.decimal(row["critical_high"]), window: window, setBy: row["set_by"],
                        setAt: Timestamp(microseconds: row["set_us"]), reason: row["reason"])
                }
            }
        }
    }

    public func addObservation(_ o: ClinicalObservation) throws(JournalError) {
        try run("recording an observation") {
            try database.write { db in
                guard try db.scalar(Bool.self, sql: "SELECT 1 FROM patient WHERE id = ?", arguments: [o.patient]) != nil
                else { throw JournalError(.notFound, "no such patient: add it with 'helsebro patient add'") }
                try db.execute(
                    sql: """
                        INSERT INTO observation (patient, consciousness, oxygen, spo2_scale, observed_by, time_us)
                        VALUES (?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        o.patient, o.consciousness?.rawValue, o.onOxygen.map { $0 ? "oxygen" : "air" },
                        o.scale.map { $0 == .scale2 ? 2 : 1 }, o.by, o.time.microseconds,
                    ])
            }
        }
    }

    public func observations(afterID: Int64) throws(JournalError) -> [StoredObservation] {
        try run("reading observations") {
            try database.read { db in
                try db.fetchAll(sql: "SELECT * FROM observation WHERE id > ? ORDER BY id", arguments: [afterID])
                    .map { row in
                        let oxygen: String? = row["oxygen"]
                        let scale: Int? = row["spo2_scale"]
                        return StoredObservation(
                            id: row["id"],
                            observation: ClinicalObservation(
                                patient: row["patient"],
                                consciousness: (row["consciousness"] as String?).flatMap(
                                    News2Score.Consciousness.init(rawValue:)),
                                onOxygen: oxygen.map { $0 == "oxygen" },
                                scale: scale.map { $0 == 2 ? .scale2 : .scale1 }, by: row["observed_by"],
                                time: Timestamp(microseconds: row["time_us"])))
                    }
            }
        }
    }

    // MARK: Summaries

    public func readings(patient: String, metric: String, from: Timestamp, to: Timestamp) throws(JournalError)
        -> [StoredReading]
    {
        try run("reading the journal") {
            try database.read { db in
                // Up to `to`, not including it.
                let query = patientReadings(
                    patient, from: from.microseconds, to: to.microseconds - 1, where: "metric = ?", [metric])
                return try db.fetchAll(sql: query.sql, arguments: query.arguments).map(Self.storedReading)
            }
        }
    }

    public func readingKeys(from: Timestamp, to: Timestamp) throws(JournalError) -> [(patient: String, metric: String)]
    {
        try run("reading the journal") {
            try database.read { db in
                try db.fetchAll(
                    sql: """
                        SELECT DISTINCT patient, metric FROM reading WHERE time_us >= ? AND time_us < ?
                        ORDER BY patient, metric
                        """,
                    arguments: [from.microseconds, to.microseconds]
                ).map { (patient: $0["patient"], metric: $0["metric"]) }
            }
        }
    }

    public func writeSummaries(_ summaries: [SummaryRecord]) throws(JournalError) {
        let now = Self.now()
        try run("writing summaries") {
            try database.write { db in
                for s in summaries {
                    try db.execute(
                        sql: """
                            INSERT INTO summary (patient, metric, kind, start_us, end_us, body, created_us)
                            VALUES (?, ?, ?, ?, ?, ?, ?)
                            ON CONFLICT (patient, metric, kind, start_us, end_us)
                            DO UPDATE SET body = excluded.body, created_us = excluded.created_us
                            """,
                        arguments: [
                            s.patient, s.metric, s.kind, s.start.microseconds, s.end.microseconds, s.body, now,
                        ])
                }
            }
        }
    }

    public func summaries(patient: String, metric: String?) throws(JournalError) -> [SummaryRecord] {
        try run("reading summaries") {
            try database.read { db in
                try db.fetchAll(
                    sql: """
                        SELECT * FROM summary WHERE patient = ? AND (? IS NULL OR metric = ?)
                        ORDER BY start_us, metric, kind
                        """,
                    arguments: [patient, metric, metric]
                ).map {
                    SummaryRecord(
                        id: $0["id"], patient: $0["patient"], metric: $0["metric"], kind: $0["kind"],
                        start: Timestamp(microseconds: $0["start_us"]), end: Timestamp(microseconds: $0["end_us"]),
                        body: $0["body"])
                }
            }
        }
    }
}
