import CSQLite
import Foundation
import GRDB
import HelsebroCore

/// The journal in SQLite, WAL mode, `synchronous = FULL` so that a committed batch survives a power cut before the
/// broker is told the messages were received.
public final class SQLiteJournal: JournalStore {
    let pool: DatabasePool

    /// Opens (creating if needed) and migrates the journal at `path`.
    public init(path: String) throws(JournalError) {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            try db.execute(sql: "PRAGMA foreign_keys = ON")
        }
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
            try Self.migrator.migrate(pool)
        } catch {
            throw JournalError(
                .cannotOpen, "cannot open the journal at \(path): check that the directory exists and is writable",
                underlying: error)
        }
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: patients, devices, pairings, readings, quarantine") { db in
            try db.execute(
                sql: """
                    CREATE TABLE patient (id TEXT PRIMARY KEY, name TEXT, created_us INTEGER NOT NULL);
                    CREATE TABLE device (id TEXT PRIMARY KEY, profile TEXT NOT NULL, firmware TEXT, created_us INTEGER NOT NULL);
                    CREATE TABLE pairing (
                        id INTEGER PRIMARY KEY,
                        device TEXT NOT NULL REFERENCES device(id),
                        patient TEXT NOT NULL REFERENCES patient(id),
                        from_us INTEGER NOT NULL,
                        to_us INTEGER);
                    CREATE INDEX pairing_device ON pairing(device, from_us);
                    -- One row per message ever handled: the identity that makes redelivery harmless.
                    CREATE TABLE message (
                        identity TEXT PRIMARY KEY,
                        device TEXT,
                        received_us INTEGER NOT NULL,
                        quarantined INTEGER NOT NULL) WITHOUT ROWID;
                    CREATE TABLE reading (
                        id INTEGER PRIMARY KEY,
                        patient TEXT NOT NULL,
                        device TEXT NOT NULL,
                        metric TEXT NOT NULL,
                        mantissa INTEGER,
                        exponent INTEGER,
                        absent TEXT,
                        unit TEXT NOT NULL,
                        loinc TEXT,
                        mdc INTEGER,
                        time_us INTEGER NOT NULL,
                        received_us INTEGER NOT NULL,
                        status TEXT NOT NULL,
                        message TEXT NOT NULL REFERENCES message(identity));
                    CREATE INDEX reading_patient_time ON reading(patient, time_us);
                    CREATE TABLE quarantine (
                        id INTEGER PRIMARY KEY,
                        topic TEXT NOT NULL,
                        device TEXT,
                        code TEXT NOT NULL,
                        reason TEXT NOT NULL,
                        payload BLOB NOT NULL,
                        received_us INTEGER NOT NULL,
                        message TEXT NOT NULL REFERENCES message(identity));
                    CREATE INDEX quarantine_received ON quarantine(received_us);
                    CREATE TABLE counter (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
                    """)
        }
        migrator.registerMigration("v2: alert events") { db in
            try db.execute(
                sql: """
                    CREATE TABLE alert_event (
                        id INTEGER PRIMARY KEY,
                        patient TEXT NOT NULL,
                        metric TEXT NOT NULL,
                        kind TEXT NOT NULL,
                        severity TEXT NOT NULL,
                        transition TEXT NOT NULL,
                        state TEXT NOT NULL,
                        mantissa INTEGER NOT NULL,
                        exponent INTEGER NOT NULL,
                        unit TEXT NOT NULL,
                        threshold_mantissa INTEGER,
                        threshold_exponent INTEGER,
                        time_us INTEGER NOT NULL,
                        message TEXT NOT NULL REFERENCES message(identity));
                    CREATE INDEX alert_event_patient ON alert_event(patient, id);
                    """)
        }
        migrator.registerMigration("v3: alerts with lifecycle, threshold overrides, observations, summaries") { db in
            try db.execute(sql: migrationV3)
        }
        migrator.registerMigration("v4: consents, emergency access, access log") { db in
            try db.execute(sql: migrationV4)
        }
        migrator.registerMigration("v5: versioned profiles and firmware specs; readings keep their profile version") {
            db in
            try db.execute(
                sql: """
                    ALTER TABLE reading ADD COLUMN profile_version INTEGER;
                    CREATE TABLE config_document (
                        id INTEGER PRIMARY KEY,
                        kind TEXT NOT NULL,
                        name TEXT NOT NULL,
                        version INTEGER NOT NULL,
                        yaml TEXT NOT NULL,
                        created_us INTEGER NOT NULL,
                        created_by TEXT NOT NULL,
                        UNIQUE (kind, name, version));
                    """)
        }
        return migrator
    }

    func run<T>(
        _ what: String, onConstraint: String = "that id already exists", _ body: () throws -> T
    ) throws(JournalError) -> T {
        do {
            return try body()
        } catch let e as JournalError {
            throw e
        } catch let e as DatabaseError where e.resultCode == .SQLITE_CONSTRAINT {
            throw JournalError(.alreadyExists, "\(what) refused: \(onConstraint)", underlying: e)
        } catch let e as DatabaseError
            where e.resultCode == .SQLITE_TOOBIG || e.resultCode == .SQLITE_MISMATCH || e.resultCode == .SQLITE_RANGE
        {
            // What was given cannot be stored; the journal itself is fine.
            let reason = String(cString: sqlite3_errstr(e.resultCode.rawValue))
            throw JournalError(.invalidArgument, "\(what) refused by the journal: \(reason)", underlying: e)
        } catch let e as DatabaseError {
            // SQLite's generic text for the code ("database or disk is full", "database is locked"): what an
            // operator can act on, and never the statement's arguments.
            let reason = String(cString: sqlite3_errstr(e.resultCode.rawValue))
            throw JournalError(.storage, "\(what) failed in the journal: \(reason)", underlying: e)
        } catch {
            throw JournalError(.storage, "\(what) failed in the journal", underlying: error)
        }
    }

    static func now() -> Int64 { Timestamp.now.microseconds }

    public func addPatient(id: String, name: String?) throws(JournalError) {
        try run("adding the patient") {
            try pool.write { db in
                try db.execute(
                    sql: "INSERT INTO patient (id, name, created_us) VALUES (?, ?, ?)",
                    arguments: [id, name, Self.now()])
            }
        }
    }

    public func addDevice(_ device: DeviceRecord) throws(JournalError) {
        try run("adding the device") {
            try pool.write { db in
                try db.execute(
                    sql: "INSERT INTO device (id, profile, firmware, created_us) VALUES (?, ?, ?, ?)",
                    arguments: [device.id, device.profile, device.firmware, Self.now()])
                try Self.bumpRegistrations(db)
            }
        }
    }

    public func updateDevice(_ device: DeviceRecord) throws(JournalError) {
        try run("updating the device") {
            try pool.write { db in
                try db.execute(
                    sql: "UPDATE device SET profile = ?, firmware = ? WHERE id = ?",
                    arguments: [device.profile, device.firmware, device.id])
                if db.changesCount == 0 { throw JournalError(.notFound, "no such device") }
                try Self.bumpRegistrations(db)
            }
        }
    }

    public func endPairing(device: String, at: Timestamp) throws(JournalError) -> Pairing {
        try run("ending a pairing") {
            try pool.write { db in
                guard
                    let row = try Row.fetchOne(
                        db,
                        sql: """
                            SELECT * FROM pairing WHERE device = ? AND from_us <= ? AND (to_us IS NULL OR to_us > ?)
                            ORDER BY from_us DESC LIMIT 1
                            """,
                        arguments: [device, at.microseconds, at.microseconds])
                else { throw JournalError(.notFound, "the device is not paired at that time") }
                try db.execute(
                    sql: "UPDATE pairing SET to_us = ? WHERE id = ?", arguments: [at.microseconds, row["id"]])
                try Self.bumpRegistrations(db)
                return Pairing(
                    device: device, patient: row["patient"], from: Timestamp(microseconds: row["from_us"]), to: at)
            }
        }
    }

    public func pair(_ p: Pairing) throws(JournalError) {
        try run("pairing") {
            try pool.write { db in
                try Self.insertPairing(db, p)
                try Self.bumpRegistrations(db)
            }
        }
    }

    /// Registers many devices, their patients and pairings in one transaction, all or none: a fleet brought over
    /// from another system, or the benchmarks' 100,000 devices (one commit, not three per device). Patients already
    /// known are kept as they are; a device already known is refused, as `addDevice` refuses it.
    public func register(patients: [(id: String, name: String?)], devices: [DeviceRecord], pairings: [Pairing])
        throws(JournalError)
    {
        try run("registering devices") {
            try pool.write { db in
                let now = Self.now()
                for p in patients {
                    try db.execute(
                        sql: "INSERT INTO patient (id, name, created_us) VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING",
                        arguments: [p.id, p.name, now])
                }
                for d in devices {
                    try db.execute(
                        sql: "INSERT INTO device (id, profile, firmware, created_us) VALUES (?, ?, ?, ?)",
                        arguments: [d.id, d.profile, d.firmware, now])
                }
                for p in pairings { try Self.insertPairing(db, p) }
                try Self.bumpRegistrations(db)
            }
        }
    }

    /// Inserts a pairing after checking that device and patient exist and that the device is not worn by someone
    /// else for part of that time.
    static func insertPairing(_ db: Database, _ p: Pairing) throws {
        guard
            try Bool.fetchOne(
                db, sql: "SELECT EXISTS (SELECT 1 FROM device WHERE id = ?)", arguments: [p.device]) == true
        else {
            throw JournalError(.notFound, "no such device: register it with 'helsebro device add' first")
        }
        guard
            try Bool.fetchOne(
                db, sql: "SELECT EXISTS (SELECT 1 FROM patient WHERE id = ?)", arguments: [p.patient]) == true
        else {
            throw JournalError(.notFound, "no such patient: add it with 'helsebro patient add' first")
        }
        // A device is worn by one patient at a time: overlapping pairings are refused.
        let overlapping =
            try Int.fetchOne(
                db,
                sql: """
                    SELECT COUNT(*) FROM pairing WHERE device = ?
                    AND (to_us IS NULL OR to_us > ?) AND (? IS NULL OR from_us < ?)
                    """,
                arguments: [p.device, p.from.microseconds, p.to?.microseconds, p.to?.microseconds]) ?? 0
        if overlapping > 0 {
            throw JournalError(
                .alreadyExists, "the device is already paired for part of that time: end that pairing first")
        }
        try db.execute(
            sql: "INSERT INTO pairing (device, patient, from_us, to_us) VALUES (?, ?, ?, ?)",
            arguments: [p.device, p.patient, p.from.microseconds, p.to?.microseconds])
    }

    public func devices() throws(JournalError) -> [DeviceRecord] {
        try run("reading devices") {
            try pool.read { db in
                try Row.fetchAll(db, sql: "SELECT id, profile, firmware FROM device").map {
                    DeviceRecord(id: $0["id"], profile: $0["profile"], firmware: $0["firmware"])
                }
            }
        }
    }

    /// Counts changes to devices, pairings and thresholds, so a reader reloads them only when they changed.
    static func bumpRegistrations(_ db: Database) throws {
        try db.execute(
            sql: """
                INSERT INTO counter (name, value) VALUES ('registrations', 1)
                ON CONFLICT(name) DO UPDATE SET value = value + 1
                """)
    }

    public func registrationRevision() throws(JournalError) -> Int {
        try run("reading the journal") {
            try pool.read { db in
                try Int.fetchOne(db, sql: "SELECT value FROM counter WHERE name = 'registrations'") ?? 0
            }
        }
    }

    public func pairings() throws(JournalError) -> [Pairing] {
        try run("reading pairings") {
            try pool.read { db in
                try Row.fetchAll(db, sql: "SELECT device, patient, from_us, to_us FROM pairing ORDER BY from_us").map {
                    Pairing(
                        device: $0["device"], patient: $0["patient"], from: Timestamp(microseconds: $0["from_us"]),
                        to: ($0["to_us"] as Int64?).map(Timestamp.init(microseconds:)))
                }
            }
        }
    }

    public func write(_ batch: [MessageOutcome]) throws(JournalError) -> BatchResult {
        // Message identities are inserted OR IGNORE: a constraint that fails here is another one (an open alert's
        // key, a trigger), which is why the ingest service then looks for the message at fault.
        try run("writing a batch", onConstraint: "a constraint of the journal failed") {
            try pool.write { db in
                var result = BatchResult()
                let message = try db.cachedStatement(
                    sql:
                        "INSERT OR IGNORE INTO message (identity, device, received_us, quarantined) VALUES (?, ?, ?, ?)"
                )
                let reading = try db.cachedStatement(
                    sql: """
                        INSERT INTO reading (patient, device, metric, mantissa, exponent, absent, unit, loinc, mdc,
                            time_us, received_us, status, message, profile_version)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """)
                let quarantine = try db.cachedStatement(
                    sql: """
                        INSERT INTO quarantine (topic, device, code, reason, payload, received_us, message)
                        VALUES (?, ?, ?, ?, ?, ?, ?)
                        """)
                for outcome in batch {
                    let isQuarantine: Bool
                    if case .quarantine = outcome.result { isQuarantine = true } else { isQuarantine = false }
                    let m = RowBinder(message, db)
                    m.bind(1, outcome.identity)
                    m.bind(2, outcome.device)
                    m.bind(3, outcome.received.microseconds)
                    m.bind(4, isQuarantine ? 1 : 0)
                    try m.step()
                    if db.changesCount == 0 {
                        result.duplicates += 1
                        continue
                    }
                    switch outcome.result {
                    case .readings(let rows):
                        let row = RowBinder(reading, db)
                        for r in rows {
                            let number = r.value.number
                            let absent: String? = if case .absent(let a) = r.value { a.code } else { nil }
                            row.bind(1, r.patient)
                            row.bind(2, r.device)
                            row.bind(3, r.metric)
                            row.bind(4, number?.mantissa)
                            row.bind(5, number.map { Int64($0.exponent) })
                            row.bind(6, absent)
                            row.bind(7, r.unit)
                            row.bind(8, r.loinc)
                            row.bind(9, r.mdc.map { Int64($0) })
                            row.bind(10, r.time.microseconds)
                            row.bind(11, outcome.received.microseconds)
                            row.bind(12, r.status.isEmpty ? "" : r.status.joined(separator: ","))
                            row.bind(13, outcome.identity)
                            row.bind(14, r.profileVersion.map { Int64($0) })
                            try row.step()
                        }
                        result.readings += rows.count
                        for var e in outcome.alerts {
                            try Self.insertAlertEvent(db, &e, message: outcome.identity)
                            result.alerts.append(e)
                        }
                        for part in outcome.partialQuarantine {
                            try quarantine.execute(arguments: [
                                outcome.topic, outcome.device, part.code, part.reason, Data(outcome.payload),
                                outcome.received.microseconds, outcome.identity,
                            ])
                            result.quarantined += 1
                        }
                    case .quarantine(let code, let reason):
                        try quarantine.execute(arguments: [
                            outcome.topic, outcome.device, code, reason, Data(outcome.payload),
                            outcome.received.microseconds,
                            outcome.identity,
                        ])
                        result.quarantined += 1
                    }
                }
                if result.duplicates > 0 {
                    try db.execute(
                        sql:
                            "INSERT INTO counter (name, value) VALUES ('duplicates', ?) ON CONFLICT(name) DO UPDATE SET value = value + excluded.value",
                        arguments: [result.duplicates])
                }
                return result
            }
        }
    }

    public func readings(patient: String, since: Timestamp?) throws(JournalError) -> [StoredReading] {
        try run("reading the journal") {
            try pool.read { db in
                try Row.fetchAll(
                    db,
                    sql: """
                        SELECT * FROM reading WHERE patient = ? AND time_us >= ? ORDER BY time_us, id
                        """,
                    arguments: [patient, since?.microseconds ?? Int64.min]
                ).map(Self.storedReading)
            }
        }
    }

    static func storedReading(_ row: Row) -> StoredReading {
        let value: MeasuredValue
        if let m: Int64 = row["mantissa"], let e: Int = row["exponent"] {
            value = .number(DecimalValue(mantissa: m, exponent: Int8(e)))
        } else {
            let code: String = row["absent"] ?? "nan"
            value = .absent(AbsentReason.allCases.first { $0.code == code } ?? .nan)
        }
        let status: String = row["status"]
        let reading = JournalReading(
            patient: row["patient"], device: row["device"], metric: row["metric"], value: value, unit: row["unit"],
            loinc: row["loinc"], mdc: (row["mdc"] as Int64?).map { UInt32($0) },
            time: Timestamp(microseconds: row["time_us"]),
            status: status.isEmpty ? [] : status.split(separator: ",").map(String.init),
            profileVersion: row["profile_version"])
        return StoredReading(
            id: row["id"], reading: reading, received: Timestamp(microseconds: row["received_us"]),
            message: row["message"])
    }

    public func quarantine(since: Timestamp?) throws(JournalError) -> [QuarantineRecord] {
        try run("reading the quarantine") {
            try pool.read { db in
                try Row.fetchAll(
                    db, sql: "SELECT * FROM quarantine WHERE received_us >= ? ORDER BY received_us, id",
                    arguments: [since?.microseconds ?? Int64.min]
                ).map(Self.quarantineRecord)
            }
        }
    }

    static func quarantineRecord(_ row: Row) -> QuarantineRecord {
        QuarantineRecord(
            id: row["id"], topic: row["topic"], device: row["device"], code: row["code"], reason: row["reason"],
            payload: [UInt8](row["payload"] as Data), received: Timestamp(microseconds: row["received_us"]))
    }

    public func readings(afterID: Int64, limit: Int) throws(JournalError) -> [StoredReading] {
        try run("reading the journal") {
            try pool.read { db in
                try Row.fetchAll(
                    db, sql: "SELECT * FROM reading WHERE id > ? ORDER BY id LIMIT ?", arguments: [afterID, limit]
                )
                .map(Self.storedReading)
            }
        }
    }

    public func alertEvents(afterID: Int64, patient: String?, limit: Int) throws(JournalError) -> [StoredAlertEvent] {
        try run("reading alerts") {
            try pool.read { db in
                try Row.fetchAll(
                    db,
                    sql: "SELECT * FROM alert_event WHERE id > ? AND (? IS NULL OR patient = ?) ORDER BY id LIMIT ?",
                    arguments: [afterID, patient, patient, limit]
                ).map { row in StoredAlertEvent(id: row["id"], event: Self.alertEvent(row)) }
            }
        }
    }

    public func latestIDs() throws(JournalError) -> (reading: Int64, quarantine: Int64, alert: Int64) {
        try run("reading the journal") {
            try pool.read { db in
                func max(_ table: String) throws -> Int64 {
                    try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(id), 0) FROM \(table)") ?? 0
                }
                return (try max("reading"), try max("quarantine"), try max("alert_event"))
            }
        }
    }

    public func quarantine(afterID: Int64, limit: Int) throws(JournalError) -> [QuarantineRecord] {
        try run("reading the quarantine") {
            try pool.read { db in
                try Row.fetchAll(
                    db, sql: "SELECT * FROM quarantine WHERE id > ? ORDER BY id LIMIT ?", arguments: [afterID, limit]
                )
                .map(Self.quarantineRecord)
            }
        }
    }

    public func statistics() throws(JournalError) -> JournalStatistics {
        try run("reading statistics") {
            try pool.read { db in
                let messages = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM message") ?? 0
                let readings = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM reading") ?? 0
                var quarantined: [String: Int] = [:]
                for row in try Row.fetchAll(db, sql: "SELECT code, COUNT(*) AS n FROM quarantine GROUP BY code") {
                    quarantined[row["code"]] = row["n"]
                }
                var counters: [String: Int] = [:]
                for row in try Row.fetchAll(db, sql: "SELECT name, value FROM counter") {
                    counters[row["name"]] = row["value"]
                }
                return JournalStatistics(
                    messages: messages, readings: readings, duplicates: counters["duplicates"] ?? 0,
                    quarantined: quarantined,
                    counters: counters)
            }
        }
    }

    public func setCounters(_ counters: [String: Int]) throws(JournalError) {
        try run("writing counters") {
            try pool.write { db in
                for (name, value) in counters {
                    try db.execute(
                        sql:
                            "INSERT INTO counter (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value",
                        arguments: [name, value])
                }
            }
        }
    }
}
