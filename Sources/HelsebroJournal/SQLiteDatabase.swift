import CSQLite
import CWALBuffer
import Foundation
import GRDB
import Synchronization

/// The journal's SQLite: WAL mode, `synchronous = FULL` so that a committed batch survives a power cut before the
/// broker is told the messages were received. Reads run beside the one writer.
public final class SQLiteDatabase: SQLDatabase {
    let pool: DatabasePool
    let path: String
    private let checkpointer = Mutex<BackgroundCheckpointer?>(nil)

    deinit { checkpointer.withLock { $0?.stop() } }

    /// For the ingest service: copies the write-ahead log into the database file from a connection and thread of
    /// its own, so that the ingest thread's commits no longer stop for a checkpoint of up to 64 MiB (which made the
    /// 99th percentile from publish to alert a few hundred milliseconds). The writer's own checkpoint at 16,384 pages
    /// stays as the backstop. Other commands, which write little, leave checkpoints to SQLite.
    public func checkpointInBackground() {
        checkpointer.withLock { current in
            if current == nil { current = BackgroundCheckpointer(path: path) }
        }
    }

    public convenience init(path: String) throws { try self.init(path: path, migratedUpTo: nil) }

    /// A journal migrated only up to `migration` (every migration when nil): an older journal, for the tests of an
    /// upgrade.
    init(path: String, migratedUpTo migration: String?) throws {
        self.path = path
        try Self.gatherLogWrites()
        var configuration = Configuration()
        // Waits for a lock in steps of 0.25 ms, for up to 10 s. SQLite's own timeout sleeps 1, 2, 5, … then 100 ms at a
        // time, so a writer that met the checkpoint thread's lock for a moment slept on long after it was free:
        // stalls of about 230 ms from publish to alert.
        configuration.busyMode = .callback { tries in
            usleep(250)
            return tries < 40_000
        }
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            try db.execute(sql: "PRAGMA foreign_keys = ON")
            if !db.configuration.readonly {
                // The writer's page cache: 16 MiB rather than SQLite's 2 MiB, so that the index pages a batch
                // touches (readings by patient and time, message identities) stay in memory instead of being read
                // back from the file at every batch (7 % of the ingest thread under the realistic mix). 32 MiB
                // helped no more and took resident memory with 100,000 devices past 150 MB.
                try db.execute(sql: "PRAGMA cache_size = -16384")
                // Checkpoint when the WAL holds 16,384 pages (64 MiB) rather than 1,000: a batch of the realistic
                // mix writes about 600 pages, so the default checkpointed after nearly every batch, copying the same
                // hot index pages into the database file each time; now each is copied once per ~25 batches. With
                // 100,000 devices at 6,000 msg/s this took the journal from 4,307 to 5,641 msg/s. A committed batch
                // is durable in the WAL either way (synchronous = FULL).
                try db.execute(sql: "PRAGMA wal_autocheckpoint = 16384")
                // When the log starts again, its file is cut back to 64 MiB rather than kept at its largest.
                try db.execute(sql: "PRAGMA journal_size_limit = 67108864")
                // Statement journals in memory. Every multi-row INSERT (and every row with a foreign key) keeps a
                // statement journal of the pages it changes, so that it can be undone alone; past 64 KiB SQLite moved
                // it into a temporary file, one write per page: 146,000 writes for 40,000 messages of the realistic
                // mix, most of the ingest thread's system calls (strace). A statement journal holds the pages of one
                // statement (a few hundred KiB at most), and is emptied when the statement ends.
                try db.execute(sql: "PRAGMA temp_store = MEMORY")
            }
        }
        pool = try DatabasePool(path: path, configuration: configuration)
        // GRDB's pool switches its writer to WAL mode after `prepareDatabase` and sets `synchronous = NORMAL` there,
        // which syncs the log only at checkpoints: a batch already acknowledged to the broker could be lost in a
        // power cut. The writer is one connection for the pool's life: set FULL on it again.
        try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        if let migration {
            try Self.migrator.migrate(pool, upTo: migration)
        } else {
            try Self.migrator.migrate(pool)
        }
    }

    /// SQLite writes each frame of the write-ahead log as two writes (header, page); a batch writes several hundred
    /// frames: about 64,000 system calls for 40,000 messages of the realistic mix (`strace`), about 1,000 now. The
    /// VFS of `CWALBuffer` (the process's default from the first journal opened on) gathers them into one write
    /// per 128 KiB, and writes through at every commit and before every sync of the log. `HELSEBRO_SQLITE_WAL_BUFFER=off`
    /// leaves SQLite's own VFS in place, for comparison.
    static func gatherLogWrites() throws {
        guard ProcessInfo.processInfo.environment["HELSEBRO_SQLITE_WAL_BUFFER"] != "off" else { return }
        let code = helsebro_wal_buffer_register()
        guard code == SQLITE_OK else {
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: "registering the journal's VFS failed")
        }
    }

    public func read<T>(_ body: (any SQLSession) throws -> T) throws -> T {
        try pool.read { db in try body(GRDBSession(db: db)) }
    }

    public func write<T>(_ body: (any SQLSession) throws -> T) throws -> T {
        try pool.write { db in try body(GRDBSession(db: db)) }
    }

    /// One SQLite file has one ingest instance (`serve --group` needs PostgreSQL).
    public func holdLeadership(_ key: Int64) throws -> Bool { true }

    /// The one writer fills `reading_by_patient` itself, a slice of patients per batch.
    public var writerIndexesReadingsByPatient: Bool { true }

    public func journalError(_ error: any Error, doing what: String, constraint: String) -> JournalError {
        switch error {
        case let e as JournalError: return e
        case let e as DatabaseError where e.resultCode == .SQLITE_CONSTRAINT:
            return JournalError(.alreadyExists, "\(what) refused: \(constraint)", underlying: e)
        case let e as DatabaseError
        where e.resultCode == .SQLITE_TOOBIG || e.resultCode == .SQLITE_MISMATCH || e.resultCode == .SQLITE_RANGE:
            // What was given cannot be stored; the journal itself is fine.
            let reason = String(cString: sqlite3_errstr(e.resultCode.rawValue))
            return JournalError(.invalidArgument, "\(what) refused by the journal: \(reason)", underlying: e)
        case let e as DatabaseError:
            // SQLite's generic text for the code ("database or disk is full", "database is locked"): what an
            // operator can act on, and never the statement's arguments.
            let reason = String(cString: sqlite3_errstr(e.resultCode.rawValue))
            return JournalError(.storage, "\(what) failed in the journal: \(reason)", underlying: e)
        default:
            return JournalError(.storage, "\(what) failed in the journal", underlying: error)
        }
    }
}

/// A thread that runs a passive checkpoint of one SQLite journal every 25 ms on a connection of its own until
/// stopped. Passive: it never waits for, nor blocks, the writer or readers; what it cannot copy yet it copies next
/// time. It syncs the log before copying and the database file after (synchronous = FULL), as SQLite's own does.
/// Every 25 ms rather than 100: the writer syncs the log at every commit, and that sync waits behind the checkpoint's
/// sync of the database file, which grows with the pages copied since the last one. At 100 ms those waits were
/// 10–35 ms (strace of `serve` at 6,500 msg/s) and the publish-to-alert p99 24–39 ms; at 25 ms it was 11–20 ms.
final class BackgroundCheckpointer: Sendable {
    private let stopped = Atomic<Bool>(false)

    init(path: String) {
        let thread = Thread { [self] in run(path) }
        thread.name = "journal-checkpoint"
        thread.start()
    }

    func stop() { stopped.store(true, ordering: .relaxed) }

    private func run(_ path: String) {
        var db: OpaquePointer?
        defer { sqlite3_close(db) }
        guard sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, nil) == SQLITE_OK else { return }
        sqlite3_exec(db, "PRAGMA synchronous = FULL", nil, nil, nil)
        // The RESTART below waits for readers in steps of 0.25 ms, up to 2 s, while it holds the writer off: SQLite's
        // own timeout would sleep up to 100 ms at a time, each a stall of the ingest thread.
        sqlite3_busy_handler(
            db,
            { _, tries in
                usleep(250)
                return tries < 8_000 ? 1 : 0
            }, nil)
        while !stopped.load(ordering: .relaxed) {
            usleep(25_000)
            var frames: Int32 = 0
            sqlite3_wal_checkpoint_v2(db, nil, SQLITE_CHECKPOINT_PASSIVE, &frames, nil)
            // Under a steady stream the passive copies may never catch the writer, and the log is only started
            // again once all of it was copied: it grew to 170 MB in 200 s at 6,000 msg/s with 100,000 devices.
            // Past 32,768 frames (128 MiB) wait once for the writer (up to 2 s) so that the log starts again.
            if frames > 32768 {
                sqlite3_wal_checkpoint_v2(db, nil, SQLITE_CHECKPOINT_RESTART, nil, nil)
            }
        }
    }
}

/// GRDB's connection as the journal's session.
struct GRDBSession: SQLSession {
    let db: Database

    static func arguments(_ values: [any SQLBindable]) -> StatementArguments {
        StatementArguments(values.map { $0.sqlValue.databaseValue })
    }

    func execute(sql: String, arguments: [any SQLBindable]) throws -> Int {
        // A single statement (no `;`), as every write of the journal is, is compiled once per connection and kept:
        // compiling the alert-event statements for every event was 4 % of the ingest thread under the realistic mix
        // (`perf record` of `serve`). A script of several statements goes to GRDB whole, compiled each time.
        // A single INSERT, UPDATE, DELETE or SELECT is bound and run through the C API: GRDB's arguments for the
        // sixteen values of an alert event took 60,000 instructions (callgrind of `serve`). Other statements
        // (PRAGMA, transaction control, WITH) go through GRDB, which tracks them.
        switch Self.shape(of: sql) {
        case .script:
            try db.execute(sql: sql, arguments: Self.arguments(arguments))
        case .other:
            try db.cachedStatement(sql: sql).execute(arguments: Self.arguments(arguments))
        case .plain:
            try bound(sql, arguments).step()
        }
        return db.changesCount
    }

    func fetchAll(sql: String, arguments: [any SQLBindable]) throws -> [SQLRow] {
        guard Self.shape(of: sql) == .plain else {
            let statement = try db.cachedStatement(sql: sql)
            let columns = SQLRow.Columns(statement.columnNames)
            let count = statement.columnCount
            var rows: [SQLRow] = []
            let cursor = try Row.fetchCursor(statement, arguments: Self.arguments(arguments))
            while let row = try cursor.next() {
                rows.append(SQLRow(columns: columns, values: (0..<count).map { SQLValue(row[$0] as DatabaseValue) }))
            }
            return rows
        }
        let binder = try bound(sql, arguments)
        let count = sqlite3_column_count(binder.statement)
        let columns = SQLRow.Columns(
            (0..<count).map { sqlite3_column_name(binder.statement, $0).map { String(cString: $0) } ?? "" })
        var rows: [SQLRow] = []
        try binder.step { statement in
            rows.append(SQLRow(columns: columns, values: (0..<count).map { RowBinder.value(statement, column: $0) }))
        }
        return rows
    }

    /// The cached statement for `sql` with `arguments` bound, one for each of its parameters.
    private func bound(_ sql: String, _ arguments: [any SQLBindable]) throws -> RowBinder {
        let binder = RowBinder(try db.cachedStatement(sql: sql), db, bufferSize: 2048)
        let expected = Int(sqlite3_bind_parameter_count(binder.statement))
        guard expected == arguments.count else {
            throw DatabaseError(
                resultCode: .SQLITE_MISUSE,
                message: "\(arguments.count) arguments for a statement of \(expected) parameters")
        }
        for (i, argument) in arguments.enumerated() { binder.bind(Int32(i + 1), argument.sqlValue) }
        return binder
    }

    enum Shape { case script, plain, other }

    /// A script of several statements; one INSERT, UPDATE, DELETE or SELECT; or another single statement.
    static func shape(of sql: String) -> Shape {
        var sql = sql
        return sql.withUTF8 { bytes in
            if bytes.contains(UInt8(ascii: ";")) { return .script }
            guard let start = bytes.firstIndex(where: { $0 != 0x20 && $0 != 0x0A && $0 != 0x09 && $0 != 0x0D }),
                bytes.count - start >= 6
            else { return .other }
            // ASCII letters in upper case (the keyword's bytes with bit 5 cleared).
            let word = bytes[start..<(start + 6)].map { $0 & 0xDF }
            for keyword in ["INSERT", "UPDATE", "DELETE", "SELECT"] where word.elementsEqual(keyword.utf8) {
                return .plain
            }
            return .other
        }
    }

    func lock(_ key: String) throws {}

    func insertMany(
        into table: String, columns: [String], values: [SQLValue], ignoringConflictsOn key: String?
    ) throws -> [Bool] {
        let width = columns.count
        let rowCount = wholeRows(of: values, columns: columns)
        func sql(rows: Int) -> String {
            let row = "(" + columns.map { _ in "?" }.joined(separator: ", ") + ")"
            return (key == nil ? "INSERT OR FAIL INTO " : "INSERT INTO ")
                + "\(table) (\(columns.joined(separator: ", "))) VALUES "
                + repeatElement(row, count: rows).joined(separator: ", ")
                + (key.map { " ON CONFLICT (\($0)) DO NOTHING" } ?? "")
        }
        guard key == nil else {
            // Whether each row was inserted is known only row by row: one statement per row. (Several rows with
            // RETURNING cost more: SQLite collects the returned rows in a temporary table of their own.)
            let binder = RowBinder(try db.cachedStatement(sql: sql(rows: 1)), db)
            var inserted: [Bool] = []
            inserted.reserveCapacity(rowCount)
            for row in 0..<rowCount {
                binder.bind(values, row * width..<(row + 1) * width, from: 1)
                try binder.step()
                inserted.append(db.changesCount > 0)
            }
            return inserted
        }
        // Without a conflict key every row is inserted, or the statement fails and the batch with it. Several rows
        // per statement, in order: each statement's own cost (its statement journal, halt and reset, about 4,000
        // instructions) was paid per reading. Chunks of 32, then 16, 8, 4, 2, 1 rows: six statements per table
        // in GRDB's cache, whatever the batch's size.
        //
        // OR FAIL rather than SQLite's default ABORT: a failing row leaves the statement's earlier rows in place
        // instead of undoing them alone, which spares SQLite a statement journal (a copy of every page the
        // statement changes, made in case it must be undone alone). Nothing of a failed statement survives anyway:
        // the error fails the whole transaction (the chunk tests in RowBinderTests). With the reading table's
        // foreign key deferred (migration v7), a batch's reading inserts keep no statement journal:
        // `Tools/serve-instructions.sh` 113,934 instructions a message, 120,688 before (medians of 3).
        var start = 0
        var chunk = Self.rowsPerInsert
        while start < rowCount {
            while chunk > rowCount - start { chunk /= 2 }
            let binder = RowBinder(try db.cachedStatement(sql: sql(rows: chunk)), db)
            repeat {
                binder.bind(values, start * width..<(start + chunk) * width, from: 1)
                try binder.step()
                start += chunk
            } while rowCount - start >= chunk
        }
        return Array(repeating: true, count: rowCount)
    }

    /// Rows per INSERT statement without a conflict key (a power of two; 32 rows of 14 columns are 448
    /// parameters, far under SQLite's limit of 32,766).
    static let rowsPerInsert = 32
}

extension SQLValue {
    init(_ value: DatabaseValue) {
        switch value.storage {
        case .null: self = .null(.text)
        case .int64(let i): self = .integer(i)
        case .double(let d): self = .real(d)
        case .string(let s): self = .text(s)
        case .blob(let b): self = .blob([UInt8](b))
        }
    }

    var databaseValue: DatabaseValue {
        switch self {
        case .null: .null
        case .integer(let i): i.databaseValue
        case .real(let d): d.databaseValue
        case .text(let s): s.databaseValue
        case .blob(let b): Data(b).databaseValue
        }
    }
}

extension SQLiteDatabase {
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
        migrator.registerMigration("v6: the decision-support queue of a shared group") { db in
            try db.execute(
                sql: """
                    CREATE TABLE evaluation_queue (
                        seq INTEGER PRIMARY KEY,
                        message TEXT NOT NULL REFERENCES message(identity),
                        device TEXT NOT NULL,
                        received_us INTEGER NOT NULL,
                        arrived_us INTEGER NOT NULL);
                    CREATE INDEX evaluation_queue_arrived ON evaluation_queue(arrived_us, seq);
                    """)
        }
        // A reading's message is still checked, at the commit of its transaction rather than at the end of each
        // statement: an immediate foreign key made every multi-row insert of readings keep a statement journal
        // (see `insertMany`). The batch inserts the messages before their readings, in the same transaction, and a
        // reading without its message still fails the commit and the batch with it (JournalMigrationTests). SQLite cannot
        // change a constraint in place: the table is made again, rows and ids as they were, under GRDB's deferred
        // foreign-key checks, which check every key once the migration is done.
        migrator.registerMigration("v7: a reading's message checked at commit") { db in
            try db.execute(
                sql: """
                    CREATE TABLE reading_v7 (
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
                        message TEXT NOT NULL REFERENCES message(identity) DEFERRABLE INITIALLY DEFERRED,
                        profile_version INTEGER);
                    INSERT INTO reading_v7 (
                        id, patient, device, metric, mantissa, exponent, absent, unit, loinc, mdc, time_us,
                        received_us, status, message, profile_version)
                    SELECT id, patient, device, metric, mantissa, exponent, absent, unit, loinc, mdc, time_us,
                        received_us, status, message, profile_version FROM reading;
                    DROP TABLE reading;
                    ALTER TABLE reading_v7 RENAME TO reading;
                    CREATE INDEX reading_patient_time ON reading(patient, time_us);
                    """)
        }
        // The index of readings by patient and time as a table the writer fills a slice of patients at a time
        // (`SQLJournal.write`): the index written entry by entry wrote the page of every patient in a batch at
        // every commit. Readings after `reading_index_mark.through` may not be in it yet; reads look at those too.
        migrator.registerMigration("v8: the readings-by-patient index filled by the writer") { db in
            try db.execute(
                sql: """
                    CREATE TABLE reading_by_patient (
                        patient TEXT NOT NULL,
                        time_us INTEGER NOT NULL,
                        id INTEGER NOT NULL,
                        PRIMARY KEY (patient, time_us, id)) WITHOUT ROWID;
                    INSERT INTO reading_by_patient (patient, time_us, id) SELECT patient, time_us, id FROM reading;
                    CREATE TABLE reading_index_mark (
                        one INTEGER PRIMARY KEY CHECK (one = 1),
                        through INTEGER NOT NULL,
                        writer INTEGER NOT NULL);
                    INSERT INTO reading_index_mark (one, through, writer) SELECT 1, COALESCE(MAX(id), 0), 0 FROM reading;
                    DROP INDEX reading_patient_time;
                    """)
        }
        // What each registration change touched, so that a running service reads again only that device or patient's
        // thresholds (`SQLJournal.bumpRegistrations`): reading everything again took half a second with 100,000
        // devices, and every device added or paired, or threshold set, made the service do it.
        migrator.registerMigration("v9: what each registration change touched") { db in
            try db.execute(
                sql: """
                    CREATE TABLE registration_change (revision INTEGER NOT NULL, device TEXT, patient TEXT);
                    CREATE INDEX registration_change_revision ON registration_change (revision);
                    """)
        }
        // Identities of messages with the device's own time now begin with it (`MessageIdentity.stated`). A message
        // the journal already holds comes again, if ever, under its new identity: up to when (the last receive time
        // and a day, for device clocks ahead of Helsebro's) the writer also looks for its earlier identity
        // (`SQLJournal.earlierCopies`). Nothing to note in a journal without messages.
        migrator.registerMigration("v10: identities that begin with the stated time") { db in
            try db.execute(sql: SQLJournal.statedIdentitiesMigration)
        }
        return migrator
    }
}
