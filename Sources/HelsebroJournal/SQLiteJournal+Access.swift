import Crypto
import Foundation
import HelsebroCore

let migrationV4 = """
    CREATE TABLE consent (
        id INTEGER PRIMARY KEY,
        patient TEXT NOT NULL REFERENCES patient(id),
        grantee TEXT NOT NULL,
        scopes TEXT NOT NULL,
        granted_us INTEGER NOT NULL,
        expires_us INTEGER,
        revoked_us INTEGER,
        revoked_by TEXT);
    CREATE INDEX consent_patient ON consent(patient, grantee);
    CREATE TABLE emergency_access (
        id INTEGER PRIMARY KEY,
        patient TEXT NOT NULL REFERENCES patient(id),
        clinician TEXT NOT NULL,
        reason TEXT NOT NULL,
        from_us INTEGER NOT NULL,
        to_us INTEGER NOT NULL);
    CREATE INDEX emergency_patient ON emergency_access(patient, clinician);
    -- Append-only: every read of patient data, allowed or refused, chained by SHA-256.
    CREATE TABLE access_log (
        id INTEGER PRIMARY KEY,
        time_us INTEGER NOT NULL,
        actor TEXT NOT NULL,
        role TEXT NOT NULL,
        patient TEXT NOT NULL,
        action TEXT NOT NULL,
        outcome TEXT NOT NULL,
        basis TEXT NOT NULL,
        previous_hash TEXT NOT NULL,
        hash TEXT NOT NULL);
    CREATE INDEX access_log_patient ON access_log(patient, id);
    CREATE TRIGGER access_log_no_update BEFORE UPDATE ON access_log
        BEGIN SELECT RAISE(ABORT, 'the access log is append-only'); END;
    CREATE TRIGGER access_log_no_delete BEFORE DELETE ON access_log
        BEGIN SELECT RAISE(ABORT, 'the access log is append-only'); END;
    -- The last entry's id and hash, so that removing entries at the end is found too.
    CREATE TABLE access_log_head (one INTEGER PRIMARY KEY CHECK (one = 1), id INTEGER NOT NULL, hash TEXT NOT NULL);
    """

extension SQLJournal {
    static let genesis = String(repeating: "0", count: 64)

    /// SHA-256 over the entry's fields and the previous hash, as lower-case hex.
    public static func chainHash(_ e: AccessLogEntry, previous: String) -> String {
        let text = [
            previous, String(e.id), String(e.time.microseconds), e.actor, e.role, e.patient, e.action, e.outcome,
            e.basis,
        ].joined(separator: "\n")
        return SHA256.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    public func patientExists(_ id: String) throws(JournalError) -> Bool {
        try run("reading patients") {
            try database.read { db in
                try db.scalar(Bool.self, sql: "SELECT 1 FROM patient WHERE id = ?", arguments: [id])
            }
                ?? false
        }
    }

    static func consent(_ row: SQLRow) -> Consent {
        Consent(
            id: row["id"], patient: row["patient"], grantee: row["grantee"],
            scopes: (row["scopes"] as String).split(separator: ",").map(String.init),
            granted: Timestamp(microseconds: row["granted_us"]),
            expires: (row["expires_us"] as Int64?).map(Timestamp.init(microseconds:)),
            revoked: (row["revoked_us"] as Int64?).map(Timestamp.init(microseconds:)), revokedBy: row["revoked_by"])
    }

    public func grantConsent(patient: String, grantee: String, scopes: [String], expires: Timestamp?, at: Timestamp)
        throws(JournalError) -> Consent
    {
        try run("recording a consent") {
            try database.write { db in
                guard try db.scalar(Bool.self, sql: "SELECT 1 FROM patient WHERE id = ?", arguments: [patient]) != nil
                else { throw JournalError(.notFound, "no such patient") }
                let id = try db.insertReturningID(
                    sql:
                        "INSERT INTO consent (patient, grantee, scopes, granted_us, expires_us) VALUES (?, ?, ?, ?, ?)",
                    arguments: [
                        patient, grantee, scopes.joined(separator: ","), at.microseconds, expires?.microseconds,
                    ])
                return Consent(
                    id: id, patient: patient, grantee: grantee, scopes: scopes, granted: at,
                    expires: expires, revoked: nil, revokedBy: nil)
            }
        }
    }

    public func revokeConsent(id: Int64, by who: String, at: Timestamp) throws(JournalError) -> Consent {
        try run("revoking a consent") {
            try database.write { db in
                guard let row = try db.fetchOne(sql: "SELECT * FROM consent WHERE id = ?", arguments: [id]) else {
                    throw JournalError(.notFound, "consent \(id) does not exist")
                }
                var c = Self.consent(row)
                guard c.revoked == nil else { throw JournalError(.conflict, "consent \(id) is already revoked") }
                try db.execute(
                    sql: "UPDATE consent SET revoked_us = ?, revoked_by = ? WHERE id = ?",
                    arguments: [at.microseconds, who, id])
                c.revoked = at
                c.revokedBy = who
                return c
            }
        }
    }

    public func consents(patient: String) throws(JournalError) -> [Consent] {
        try run("reading consents") {
            try database.read { db in
                try db.fetchAll(sql: "SELECT * FROM consent WHERE patient = ? ORDER BY id", arguments: [patient])
                    .map(Self.consent)
            }
        }
    }

    static func emergency(_ row: SQLRow) -> EmergencyAccess {
        EmergencyAccess(
            id: row["id"], patient: row["patient"], clinician: row["clinician"], reason: row["reason"],
            from: Timestamp(microseconds: row["from_us"]), to: Timestamp(microseconds: row["to_us"]))
    }

    public func grantEmergencyAccess(
        patient: String, clinician: String, reason: String, at: Timestamp, seconds: Int64
    ) throws(JournalError) -> EmergencyAccess {
        try run("recording emergency access") {
            try database.write { db in
                guard try db.scalar(Bool.self, sql: "SELECT 1 FROM patient WHERE id = ?", arguments: [patient]) != nil
                else { throw JournalError(.notFound, "no such patient") }
                let to = at.adding(seconds: seconds)
                let id = try db.insertReturningID(
                    sql:
                        "INSERT INTO emergency_access (patient, clinician, reason, from_us, to_us) VALUES (?, ?, ?, ?, ?)",
                    arguments: [patient, clinician, reason, at.microseconds, to.microseconds])
                return EmergencyAccess(
                    id: id, patient: patient, clinician: clinician, reason: reason, from: at, to: to)
            }
        }
    }

    public func emergencyAccess(patient: String, clinician: String, at: Timestamp) throws(JournalError)
        -> EmergencyAccess?
    {
        try run("reading emergency access") {
            try database.read { db in
                try db.fetchOne(
                    sql: """
                        SELECT * FROM emergency_access WHERE patient = ? AND clinician = ? AND from_us <= ? AND to_us > ?
                        ORDER BY id DESC LIMIT 1
                        """,
                    arguments: [patient, clinician, at.microseconds, at.microseconds]
                ).map(Self.emergency)
            }
        }
    }

    public func emergencyAccesses(patient: String) throws(JournalError) -> [EmergencyAccess] {
        try run("reading emergency access") {
            try database.read { db in
                try db.fetchAll(
                    sql: "SELECT * FROM emergency_access WHERE patient = ? ORDER BY id", arguments: [patient]
                ).map(Self.emergency)
            }
        }
    }

    static func accessEntry(_ row: SQLRow) -> AccessLogEntry {
        AccessLogEntry(
            id: row["id"], time: Timestamp(microseconds: row["time_us"]), actor: row["actor"], role: row["role"],
            patient: row["patient"], action: row["action"], outcome: row["outcome"], basis: row["basis"],
            previousHash: row["previous_hash"], hash: row["hash"])
    }

    public func appendAccessLog(_ entry: AccessLogEntry) throws(JournalError) -> AccessLogEntry {
        try run("writing the access log") {
            try database.write { db in
                // One appender at a time: each entry chains to the head the one before it wrote.
                try db.lock("access_log")
                let head = try db.fetchOne(sql: "SELECT id, hash FROM access_log_head WHERE one = 1")
                var e = entry
                e.id = (head?["id"] as Int64? ?? 0) + 1
                e.previousHash = head?["hash"] ?? Self.genesis
                e.hash = Self.chainHash(e, previous: e.previousHash)
                try db.execute(
                    sql: """
                        INSERT INTO access_log (id, time_us, actor, role, patient, action, outcome, basis, previous_hash,
                            hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        e.id, e.time.microseconds, e.actor, e.role, e.patient, e.action, e.outcome, e.basis,
                        e.previousHash, e.hash,
                    ])
                try db.execute(
                    sql: """
                        INSERT INTO access_log_head (one, id, hash) VALUES (1, ?, ?)
                        ON CONFLICT (one) DO UPDATE SET id = excluded.id, hash = excluded.hash
                        """,
                    arguments: [e.id, e.hash])
                return e
            }
        }
    }

    public func accessLog(patient: String?) throws(JournalError) -> [AccessLogEntry] {
        try run("reading the access log") {
            try database.read { db in
                try db.fetchAll(
                    sql: "SELECT * FROM access_log WHERE (? IS NULL OR patient = ?) ORDER BY id",
                    arguments: [patient, patient]
                ).map(Self.accessEntry)
            }
        }
    }

    public func verifyAccessLog() throws(JournalError) -> AccessLogVerification {
        try run("verifying the access log") {
            try database.read { db in
                var previous = Self.genesis
                var expectedID: Int64 = 1
                var count = 0
                for row in try db.fetchAll(sql: "SELECT * FROM access_log ORDER BY id") {
                    let e = Self.accessEntry(row)
                    count += 1
                    if e.id != expectedID {
                        return AccessLogVerification(
                            entries: count, problem: (e.id, "entry \(expectedID) is missing before entry \(e.id)"))
                    }
                    if e.previousHash != previous {
                        return AccessLogVerification(
                            entries: count,
                            problem: (e.id, "does not follow the entry before it (reordered or removed)"))
                    }
                    if Self.chainHash(e, previous: previous) != e.hash {
                        return AccessLogVerification(
                            entries: count, problem: (e.id, "its content was changed after it was written"))
                    }
                    previous = e.hash
                    expectedID += 1
                }
                if let head = try db.fetchOne(sql: "SELECT id, hash FROM access_log_head WHERE one = 1") {
                    let id: Int64 = head["id"]
                    if id != expectedID - 1 || (head["hash"] as String) != previous {
                        return AccessLogVerification(
                            entries: count, problem: (id, "entries up to \(id) were written but the log ends earlier"))
                    }
                } else if count > 0 {
                    return AccessLogVerification(entries: count, problem: (1, "the log's head record is missing"))
                }
                return AccessLogVerification(entries: count, problem: nil)
            }
        }
    }
}

extension SQLJournal {
    public func patientName(_ id: String) throws(JournalError) -> String? {
        try run("reading patients") {
            try database.read { db in
                guard let row = try db.fetchOne(sql: "SELECT name FROM patient WHERE id = ?", arguments: [id])
                else {
                    throw JournalError(.notFound, "no such patient")
                }
                return row["name"]
            }
        }
    }

    public func reading(id: Int64) throws(JournalError) -> StoredReading? {
        try run("reading the journal") {
            try database.read { db in
                try db.fetchOne(sql: "SELECT * FROM reading WHERE id = ?", arguments: [id]).map(Self.storedReading)
            }
        }
    }

    public func searchReadings(
        patient: String, loinc: String?, mdc: UInt32?, from: Timestamp?, to: Timestamp?, limit: Int, offset: Int
    ) throws(JournalError) -> (total: Int, rows: [StoredReading]) {
        try run("searching the journal") {
            try database.read { db in
                let m = mdc.map { Int64($0) }
                let condition = "(? IS NULL OR loinc = ?) AND (? IS NULL OR mdc = ?)"
                let (start, end) = (from?.microseconds ?? Int64.min, to?.microseconds ?? Int64.max)
                let all = patientReadings(patient, from: start, to: end, where: condition, [loinc, loinc, m, m])
                let total =
                    try db.scalar(
                        Int.self, sql: "SELECT COUNT(*) FROM (\(all.sql)) AS matching", arguments: all.arguments) ?? 0
                let rows = try db.fetchAll(
                    sql: all.sql + " LIMIT ? OFFSET ?", arguments: all.arguments + [limit, offset]
                ).map(Self.storedReading)
                return (total, rows)
            }
        }
    }

    public func alert(id: Int64) throws(JournalError) -> AlertRecord? {
        try run("reading alerts") {
            try database.read { db in
                try db.fetchOne(sql: "SELECT * FROM alert WHERE id = ?", arguments: [id]).map(Self.alertRecord)
            }
        }
    }
}

extension SQLJournal {
    public func addConfigDocument(_ d: ConfigDocument) throws(JournalError) {
        try run("storing a \(d.kind)") {
            try database.write { db in
                try db.execute(
                    sql: """
                        INSERT INTO config_document (kind, name, version, yaml, created_us, created_by)
                        VALUES (?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [d.kind, d.id, d.version, d.yaml, d.created.microseconds, d.createdBy])
            }
        }
    }

    public func configDocuments(kind: String?, id: String?) throws(JournalError) -> [ConfigDocument] {
        try run("reading profiles") {
            try database.read { db in
                try db.fetchAll(
                    sql: """
                        SELECT * FROM config_document WHERE (? IS NULL OR kind = ?) AND (? IS NULL OR name = ?)
                        ORDER BY id
                        """,
                    arguments: [kind, kind, id, id]
                ).map {
                    ConfigDocument(
                        kind: $0["kind"], id: $0["name"], version: $0["version"], yaml: $0["yaml"],
                        created: Timestamp(microseconds: $0["created_us"]), createdBy: $0["created_by"])
                }
            }
        }
    }

    public func configRevision() throws(JournalError) -> Int64 {
        try run("reading profiles") {
            try database.read { db in
                try db.scalar(Int64.self, sql: "SELECT COALESCE(MAX(id), 0) FROM config_document") ?? 0
            }
        }
    }
}
