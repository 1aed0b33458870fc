import Foundation
import HelsebroCore
import Synchronization

/// The journal in SQLite (the single-machine journal) is the SQL journal on `SQLiteDatabase`.
public typealias SQLiteJournal = SQLJournal

/// The journal: one implementation of `JournalStore` over SQL that SQLite and PostgreSQL both run (see `SQL.swift`).
public final class SQLJournal: JournalStore {
    /// Entries of readings written but not yet in `reading_by_patient` (see `PatientIndexBuffer`).
    let patientIndex = Mutex(PatientIndexBuffer())
    public let database: any SQLDatabase

    public init(database: any SQLDatabase) {
        self.database = database
    }

    /// Opens (creating if needed) and migrates the SQLite journal at `path`.
    public convenience init(path: String) throws(JournalError) {
        do {
            self.init(database: try SQLiteDatabase(path: path))
        } catch {
            throw JournalError(
                .cannotOpen, "cannot open the journal at \(path): check that the directory exists and is writable",
                underlying: error)
        }
    }

    /// `database.write`, and when the transaction fails, the index entries held for it are dropped with it: entries
    /// of readings that were rolled back would name ids the next readings take (`PatientIndexBuffer`).
    func writeRollingBackIndex<T>(_ body: (any SQLSession) throws -> T) throws -> T {
        do {
            return try database.write(body)
        } catch {
            if database.writerIndexesReadingsByPatient { patientIndex.withLock { $0.reset() } }
            throw error
        }
    }

    /// One patient's readings with `from <= time_us <= to` (microseconds) that also meet `condition` (over reading
    /// columns other than patient, time_us and id), in time order, as one query and its arguments; it ends with its
    /// ORDER BY, so a LIMIT and OFFSET can follow. PostgreSQL: its own index on the reading table. SQLite: the readings up to
    /// the mark through the index the writer fills (`PatientIndexBuffer`), in its order, merged with those after
    /// the mark, which may not be indexed yet; every row's own patient is checked too.
    func patientReadings(
        _ patient: String, from: Int64, to: Int64, where condition: String = "TRUE",
        _ conditionArguments: [any SQLBindable] = []
    ) -> (sql: String, arguments: [any SQLBindable]) {
        guard database.writerIndexesReadingsByPatient else {
            return (
                "SELECT * FROM reading WHERE patient = ? AND time_us >= ? AND time_us <= ? AND (\(condition))"
                    + " ORDER BY time_us, id",
                [patient, from, to] + conditionArguments
            )
        }
        let columns = ["id"] + Self.readingColumns
        // The index's own patient, time and id, so that SQLite sees the rows come in the order asked for.
        let indexed = columns.map {
            ["id", "patient", "time_us"].contains($0) ? "b.\($0) AS \($0)" : "r.\($0) AS \($0)"
        }
        let sql = """
            SELECT \(indexed.joined(separator: ", ")) FROM reading_by_patient b JOIN reading r ON r.id = b.id
            WHERE b.patient = ? AND b.time_us >= ? AND b.time_us <= ? AND r.patient = ?
            AND b.id <= (SELECT through FROM reading_index_mark) AND (\(condition))
            UNION ALL
            SELECT \(columns.joined(separator: ", ")) FROM reading
            WHERE id > (SELECT through FROM reading_index_mark) AND patient = ? AND time_us >= ? AND time_us <= ?
            AND (\(condition))
            ORDER BY time_us, id
            """
        return (sql, [patient, from, to, patient] + conditionArguments + [patient, from, to] + conditionArguments)
    }

    func run<T>(
        _ what: String, onConstraint: String = "that id already exists", _ body: () throws -> T
    ) throws(JournalError) -> T {
        do {
            return try body()
        } catch {
            throw database.journalError(error, doing: what, constraint: onConstraint)
        }
    }

    static func now() -> Int64 { Timestamp.now.microseconds }

    public func addPatient(id: String, name: String?) throws(JournalError) {
        try run("adding the patient") {
            try database.write { db in
                try db.execute(
                    sql: "INSERT INTO patient (id, name, created_us) VALUES (?, ?, ?)",
                    arguments: [id, name, Self.now()])
            }
        }
    }

    public func addDevice(_ device: DeviceRecord) throws(JournalError) {
        try run("adding the device") {
            try database.write { db in
                try db.execute(
                    sql: "INSERT INTO device (id, profile, firmware, created_us) VALUES (?, ?, ?, ?)",
                    arguments: [device.id, device.profile, device.firmware, Self.now()])
                try Self.bumpRegistrations(db, devices: [device.id])
            }
        }
    }

    public func updateDevice(_ device: DeviceRecord) throws(JournalError) {
        try run("updating the device") {
            try database.write { db in
                let changed = try db.execute(
                    sql: "UPDATE device SET profile = ?, firmware = ? WHERE id = ?",
                    arguments: [device.profile, device.firmware, device.id])
                if changed == 0 { throw JournalError(.notFound, "no such device") }
                try Self.bumpRegistrations(db, devices: [device.id])
            }
        }
    }

    public func endPairing(device: String, at: Timestamp) throws(JournalError) -> Pairing {
        try run("ending a pairing") {
            try database.write { db in
                guard
                    let row = try db.fetchOne(
                        sql: """
                            SELECT * FROM pairing WHERE device = ? AND from_us <= ? AND (to_us IS NULL OR to_us > ?)
                            ORDER BY from_us DESC LIMIT 1
                            """,
                        arguments: [device, at.microseconds, at.microseconds])
                else { throw JournalError(.notFound, "the device is not paired at that time") }
                try db.execute(
                    sql: "UPDATE pairing SET to_us = ? WHERE id = ?", arguments: [at.microseconds, row["id"]])
                try Self.bumpRegistrations(db, devices: [device])
                return Pairing(
                    device: device, patient: row["patient"], from: Timestamp(microseconds: row["from_us"]), to: at)
            }
        }
    }

    public func pair(_ p: Pairing) throws(JournalError) {
        try run("pairing") {
            try database.write { db in
                try Self.insertPairing(db, p)
                try Self.bumpRegistrations(db, devices: [p.device])
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
            try database.write { db in
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
                // Patients alone change nothing a reader of registrations holds.
                if !devices.isEmpty || !pairings.isEmpty {
                    try Self.bumpRegistrations(db, devices: Set(devices.map(\.id) + pairings.map(\.device)))
                }
            }
        }
    }

    /// Inserts a pairing after checking that device and patient exist and that the device is not worn by someone
    /// else for part of that time.
    static func insertPairing(_ db: any SQLSession, _ p: Pairing) throws {
        guard
            try db.scalar(Bool.self, sql: "SELECT EXISTS (SELECT 1 FROM device WHERE id = ?)", arguments: [p.device])
                == true
        else {
            throw JournalError(.notFound, "no such device: register it with 'helsebro device add' first")
        }
        guard
            try db.scalar(Bool.self, sql: "SELECT EXISTS (SELECT 1 FROM patient WHERE id = ?)", arguments: [p.patient])
                == true
        else {
            throw JournalError(.notFound, "no such patient: add it with 'helsebro patient add' first")
        }
        // A device is worn by one patient at a time: overlapping pairings are refused.
        let overlapping =
            try db.scalar(
                Int.self,
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
            try database.read { db in
                try db.fetchAll(sql: "SELECT id, profile, firmware FROM device").map(Self.device)
            }
        }
    }

    /// Counts changes to devices, pairings and thresholds, so a reader reloads them only when they changed, and notes
    /// what each one touched (`registration_change`), so that it reloads only that: the devices whose record or
    /// pairings changed, or the patient whose thresholds changed. Over a thousand devices at once (a fleet brought
    /// over) are noted as everything. Notes of the last `registrationChangesKept` changes are kept.
    static func bumpRegistrations(_ db: any SQLSession, devices: Set<String> = [], patient: String? = nil) throws {
        try db.execute(
            sql: """
                INSERT INTO counter (name, value) VALUES ('registrations', 1)
                ON CONFLICT(name) DO UPDATE SET value = counter.value + 1
                """)
        let noted: [(device: String?, patient: String?)] =
            devices.count > 1_000 || (devices.isEmpty && patient == nil)
            ? [(nil, nil)] : devices.map { ($0, nil) } + (patient.map { [(nil, $0)] } ?? [])
        for n in noted {
            try db.execute(
                sql: """
                    INSERT INTO registration_change (revision, device, patient)
                    SELECT value, ?, ? FROM counter WHERE name = 'registrations'
                    """,
                arguments: [n.device, n.patient])
        }
        // A reader further behind than this reads everything anyway (`registrationChanges` cannot account for the
        // span), so older notes are of no use.
        try db.execute(
            sql: """
                DELETE FROM registration_change
                WHERE revision <= (SELECT value FROM counter WHERE name = 'registrations') - ?
                """,
            arguments: [registrationChangesKept])
    }

    /// How many registration changes the journal keeps notes of.
    static let registrationChangesKept = 1_000

    public func registrationRevision() throws(JournalError) -> Int {
        try run("reading the journal") {
            try database.read { db in
                try db.scalar(Int.self, sql: "SELECT value FROM counter WHERE name = 'registrations'") ?? 0
            }
        }
    }

    public func registrationChanges(after: Int, through: Int) throws(JournalError) -> RegistrationChanges? {
        try run("reading the journal") {
            try database.read { db in
                let rows = try db.fetchAll(
                    sql:
                        "SELECT revision, device, patient FROM registration_change WHERE revision > ? AND revision <= ?",
                    arguments: [after, through])
                // One row per revision; fewer when changes were made before the journal noted them (migration v9).
                guard Set(rows.map { $0["revision"] as Int }).count == through - after else { return nil }
                var changes = RegistrationChanges()
                for row in rows {
                    let device: String? = row["device"]
                    let patient: String? = row["patient"]
                    if device == nil && patient == nil { return nil }
                    if let device { changes.devices.insert(device) }
                    if let patient { changes.patients.insert(patient) }
                }
                return changes
            }
        }
    }

    public func registrations(devices ids: Set<String>) throws(JournalError) -> ([DeviceRecord], [Pairing]) {
        try run("reading devices") {
            try database.read { db in
                var devices: [DeviceRecord] = []
                var pairings: [Pairing] = []
                for id in ids {
                    devices += try db.fetchAll(
                        sql: "SELECT id, profile, firmware FROM device WHERE id = ?", arguments: [id]
                    ).map(Self.device)
                    pairings += try db.fetchAll(
                        sql: "SELECT device, patient, from_us, to_us FROM pairing WHERE device = ? ORDER BY from_us",
                        arguments: [id]
                    ).map(Self.pairing)
                }
                return (devices, pairings)
            }
        }
    }

    static func device(_ row: SQLRow) -> DeviceRecord {
        DeviceRecord(id: row["id"], profile: row["profile"], firmware: row["firmware"])
    }

    static func pairing(_ row: SQLRow) -> Pairing {
        Pairing(
            device: row["device"], patient: row["patient"], from: Timestamp(microseconds: row["from_us"]),
            to: (row["to_us"] as Int64?).map(Timestamp.init(microseconds:)))
    }

    public func pairings() throws(JournalError) -> [Pairing] {
        try run("reading pairings") {
            try database.read { db in
                try db.fetchAll(sql: "SELECT device, patient, from_us, to_us FROM pairing ORDER BY from_us").map(
                    Self.pairing)
            }
        }
    }

    static let messageColumns: [String] = [
        "identity", "device", "received_us", "quarantined",
    ]
    static let readingColumns: [String] = [
        "patient", "device", "metric", "mantissa", "exponent",
        "absent", "unit", "loinc", "mdc", "time_us",
        "received_us", "status", "message", "profile_version",
    ]
    static let quarantineColumns: [String] = [
        "topic", "device", "code", "reason", "payload",
        "received_us", "message",
    ]

    public func write(_ batch: [MessageOutcome]) throws(JournalError) -> BatchResult {
        // Message identities are inserted ignoring conflicts (a redelivery, or another instance that took the same
        // message): a constraint that fails here is another one (an open alert's key, a trigger), which is why the
        // ingest service then looks for the message at fault.
        // Every table's rows in one flat array of values (see `SQLSession.insertMany`).
        var messages: [SQLValue] = []
        messages.reserveCapacity(batch.count * Self.messageColumns.count)
        for outcome in batch {
            let isQuarantine: Bool
            if case .quarantine = outcome.result { isQuarantine = true } else { isQuarantine = false }
            messages.append(.text(outcome.identity))
            messages.append(outcome.device.sqlValue)
            messages.append(.integer(outcome.received.microseconds))
            messages.append(.integer(isQuarantine ? 1 : 0))
        }
        return try run("writing a batch", onConstraint: "a constraint of the journal failed") {
            try writeRollingBackIndex { db in
                var result = BatchResult()
                let earlier = try Self.earlierCopies(of: batch, db)
                var inserted = try db.insertMany(
                    into: "message", columns: Self.messageColumns,
                    values: earlier.isEmpty
                        ? messages
                        : messages.enumerated().filter { !earlier.contains($0.offset / Self.messageColumns.count) }
                            .map(\.element),
                    ignoringConflictsOn: "identity")
                for i in earlier.sorted() { inserted.insert(false, at: i) }
                var readings: [SQLValue] = []
                readings.reserveCapacity(
                    batch.reduce(0) { n, outcome in
                        if case .readings(let rows) = outcome.result { n + rows.count } else { n }
                    } * Self.readingColumns.count)
                var quarantined: [SQLValue] = []
                var alerts: [(AlertEngine.Event, String)] = []
                var queued: [SQLValue] = []
                // The SQLite writer indexes readings by patient itself (`PatientIndexBuffer`); PostgreSQL does not.
                let indexes = database.writerIndexesReadingsByPatient
                var indexEntries: [PatientIndexBuffer.Entry] = []
                for (outcome, isNew) in zip(batch, inserted) {
                    guard isNew else {
                        result.duplicates += 1
                        continue
                    }
                    let identity = SQLValue.text(outcome.identity)
                    let received = SQLValue.integer(outcome.received.microseconds)
                    func quarantine(_ code: String, _ reason: String) {
                        // An array literal, allocated: quarantine is the rare path (readings go value by value).
                        quarantined += [
                            .text(outcome.topic), outcome.device.sqlValue, .text(code), .text(reason),
                            .blob(outcome.payload), received, identity,
                        ]
                        result.quarantined += 1
                    }
                    switch outcome.result {
                    case .readings(let rows):
                        for r in rows {
                            let number = r.value.number
                            let absent: String? = if case .absent(let a) = r.value { a.code } else { nil }
                            // Value by value, in the order of `readingColumns`: an array literal appended here
                            // was allocated and freed for every reading.
                            readings.append(.text(r.patient))
                            readings.append(.text(r.device))
                            readings.append(.text(r.metric))
                            readings.append((number?.mantissa).sqlValue)
                            readings.append(number.map { Int64($0.exponent) }.sqlValue)
                            readings.append(absent.sqlValue)
                            readings.append(.text(r.unit))
                            readings.append(r.loinc.sqlValue)
                            readings.append(r.mdc.map { Int64($0) }.sqlValue)
                            readings.append(.integer(r.time.microseconds))
                            readings.append(received)
                            readings.append(.text(r.status.isEmpty ? "" : r.status.joined(separator: ",")))
                            readings.append(identity)
                            readings.append(r.profileVersion.map { Int64($0) }.sqlValue)
                            if indexes {
                                indexEntries.append(.init(patient: r.patient, time: r.time.microseconds, id: 0))
                            }
                        }
                        result.readings += rows.count
                        if outcome.evaluateLater, let device = outcome.device {
                            let arrived = outcome.arrived > 0 ? outcome.arrived : outcome.received.microseconds
                            queued.append(identity)
                            queued.append(.text(device))
                            queued.append(received)
                            queued.append(.integer(arrived))
                        }
                        for e in outcome.alerts { alerts.append((e, outcome.identity)) }
                        for part in outcome.partialQuarantine { quarantine(part.code, part.reason) }
                    case .quarantine(let code, let reason):
                        quarantine(code, reason)
                    }
                }
                func insertReadings() throws {
                    guard !readings.isEmpty else { return }
                    _ = try db.insertMany(
                        into: "reading", columns: Self.readingColumns, values: readings, ignoringConflictsOn: nil)
                }
                if indexes {
                    try patientIndex.withLock {
                        try $0.write(db, entries: indexEntries, insertReadings: insertReadings)
                    }
                } else {
                    try insertReadings()
                }
                if !quarantined.isEmpty {
                    _ = try db.insertMany(
                        into: "quarantine", columns: Self.quarantineColumns, values: quarantined,
                        ignoringConflictsOn: nil)
                }
                if !queued.isEmpty {
                    _ = try db.insertMany(
                        into: "evaluation_queue", columns: Self.evaluationColumns, values: queued,
                        ignoringConflictsOn: nil)
                }
                for (event, message) in alerts {
                    var e = event
                    try Self.insertAlertEvent(db, &e, message: message)
                    result.alerts.append(e)
                }
                if result.duplicates > 0 {
                    try db.execute(
                        sql:
                            "INSERT INTO counter (name, value) VALUES ('duplicates', ?) ON CONFLICT(name) DO UPDATE SET value = counter.value + excluded.value",
                        arguments: [result.duplicates])
                }
                return result
            }
        }
    }

    /// The `counter` that holds the stated time (microseconds) before which a message may be in the journal under
    /// the identity it had before identities began with the device's stated time (migration v10).
    static let statedIdentitiesBefore = "stated-identities-before"
    /// Migration v10 (SQLite and PostgreSQL): notes the last receive time and a day as `statedIdentitiesBefore`.
    public static let statedIdentitiesMigration = """
        INSERT INTO counter (name, value)
        SELECT '\(statedIdentitiesBefore)', last + 86400000000 FROM (SELECT MAX(received_us) AS last FROM message) AS m
        WHERE last IS NOT NULL
        """

    /// The batch's messages (their places in it) that a journal upgraded from before migration v10 holds under
    /// their earlier identity: repeats, like any other. Only messages stated before the upgrade are looked up, so
    /// live traffic costs one read of the counter a batch.
    static func earlierCopies(of batch: [MessageOutcome], _ db: any SQLSession) throws -> Set<Int> {
        guard batch.contains(where: { $0.stated != nil }),
            let before = try db.scalar(
                Int64.self, sql: "SELECT value FROM counter WHERE name = ?", arguments: [statedIdentitiesBefore])
        else { return [] }
        var found: Set<Int> = []
        for (i, outcome) in batch.enumerated() {
            guard let stated = outcome.stated, stated.time.microseconds <= before else { continue }
            let sql = "SELECT EXISTS (SELECT 1 FROM message WHERE identity = ?)"
            if try db.scalar(Bool.self, sql: sql, arguments: [stated.earlierIdentity]) == true { found.insert(i) }
        }
        return found
    }

    public func readings(patient: String, since: Timestamp?) throws(JournalError) -> [StoredReading] {
        try run("reading the journal") {
            try database.read { db in
                let query = patientReadings(patient, from: since?.microseconds ?? Int64.min, to: Int64.max)
                return try db.fetchAll(
                    sql: query.sql, arguments: query.arguments
                ).map(Self.storedReading)
            }
        }
    }

    static func storedReading(_ row: SQLRow) -> StoredReading {
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
            try database.read { db in
                try db.fetchAll(
                    sql: "SELECT * FROM quarantine WHERE received_us >= ? ORDER BY received_us, id",
                    arguments: [since?.microseconds ?? Int64.min]
                ).map(Self.quarantineRecord)
            }
        }
    }

    static func quarantineRecord(_ row: SQLRow) -> QuarantineRecord {
        QuarantineRecord(
            id: row["id"], topic: row["topic"], device: row["device"], code: row["code"], reason: row["reason"],
            payload: [UInt8](row["payload"] as Data), received: Timestamp(microseconds: row["received_us"]))
    }

    public func readings(afterID: Int64, limit: Int) throws(JournalError) -> [StoredReading] {
        try run("reading the journal") {
            try database.read { db in
                try db.fetchAll(
                    sql: "SELECT * FROM reading WHERE id > ? ORDER BY id LIMIT ?", arguments: [afterID, limit]
                )
                .map(Self.storedReading)
            }
        }
    }

    public func alertEvents(afterID: Int64, patient: String?, limit: Int) throws(JournalError) -> [StoredAlertEvent] {
        try run("reading alerts") {
            try database.read { db in
                try db.fetchAll(
                    sql: "SELECT * FROM alert_event WHERE id > ? AND (? IS NULL OR patient = ?) ORDER BY id LIMIT ?",
                    arguments: [afterID, patient, patient, limit]
                ).map { row in StoredAlertEvent(id: row["id"], event: Self.alertEvent(row)) }
            }
        }
    }

    public func latestIDs() throws(JournalError) -> (reading: Int64, quarantine: Int64, alert: Int64) {
        try run("reading the journal") {
            try database.read { db in
                func max(_ table: String) throws -> Int64 {
                    try db.scalar(Int64.self, sql: "SELECT COALESCE(MAX(id), 0) FROM \(table)") ?? 0
                }
                return (try max("reading"), try max("quarantine"), try max("alert_event"))
            }
        }
    }

    public func quarantine(afterID: Int64, limit: Int) throws(JournalError) -> [QuarantineRecord] {
        try run("reading the quarantine") {
            try database.read { db in
                try db.fetchAll(
                    sql: "SELECT * FROM quarantine WHERE id > ? ORDER BY id LIMIT ?", arguments: [afterID, limit]
                )
                .map(Self.quarantineRecord)
            }
        }
    }

    public func statistics() throws(JournalError) -> JournalStatistics {
        try run("reading statistics") {
            try database.read { db in
                let messages = try db.scalar(Int.self, sql: "SELECT COUNT(*) FROM message") ?? 0
                let readings = try db.scalar(Int.self, sql: "SELECT COUNT(*) FROM reading") ?? 0
                var quarantined: [String: Int] = [:]
                for row in try db.fetchAll(sql: "SELECT code, COUNT(*) AS n FROM quarantine GROUP BY code") {
                    quarantined[row["code"]] = row["n"]
                }
                var counters: [String: Int] = [:]
                for row in try db.fetchAll(sql: "SELECT name, value FROM counter") {
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
            try database.write { db in
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
