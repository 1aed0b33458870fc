import HelsebroTestSupport
import Testing

@testable import HelsebroJournal

/// Migration v7 makes the reading table again with its message's foreign key checked at commit: an older journal's
/// readings come through it as they were, and a reading without its message is still refused.
@Suite("SQLite journal: a reading's message checked at commit")
struct JournalMigrationTests {
    static let v6 = "v6: the decision-support queue of a shared group"

    /// A reading row in `SQLJournal.readingColumns`' order.
    static func reading(message: String, patient: String = "p-1", id: Int) -> [SQLValue] {
        [
            .text(patient), .text("cuff-1"), .text("systolic"), .integer(1_234), .integer(-1), .null(.text),
            .text("mm[Hg]"), .text("8480-6"), .integer(150_021), .integer(1_700_000_000_000_000 + Int64(id)),
            .integer(1_700_000_000_500_000), .text("irregular-pulse,user:2"), .text(message), .integer(3),
        ]
    }

    static func message(_ identity: String) -> [SQLValue] {
        [.text(identity), .text("cuff-1"), .integer(1_700_000_000_500_000), .integer(0)]
    }

    static func readings(_ database: SQLiteDatabase) throws -> [[SQLValue]] {
        let columns = ["id"] + SQLJournal.readingColumns
        return try database.read { db in
            try db.fetchAll(sql: "SELECT \(columns.joined(separator: ", ")) FROM reading ORDER BY id")
        }.map(\.values)
    }

    @Test("an older journal's readings come through the upgrade as they were, ids and index entries included")
    func upgrade() throws {
        try withTemporaryDirectory("helsebro-migration") { dir in
            let path = dir + "/journal.sqlite"
            let before: [[SQLValue]]
            do {
                let old = try SQLiteDatabase(path: path, migratedUpTo: Self.v6)
                try old.write { db in
                    _ = try db.insertMany(
                        into: "message", columns: SQLJournal.messageColumns,
                        rows: [Self.message("m-1"), Self.message("m-2")], ignoringConflictsOn: nil)
                    _ = try db.insertMany(
                        into: "reading", columns: SQLJournal.readingColumns,
                        rows: [
                            Self.reading(message: "m-1", id: 1), Self.reading(message: "m-2", patient: "p-2", id: 2),
                        ],
                        ignoringConflictsOn: nil)
                    try db.execute(sql: "DELETE FROM reading WHERE id = 1")
                    _ = try db.insertMany(
                        into: "reading", columns: SQLJournal.readingColumns,
                        rows: [Self.reading(message: "m-1", id: 3)], ignoringConflictsOn: nil)
                }
                before = try Self.readings(old)
                let schema = try old.read { db in
                    try db.scalar(String.self, sql: "SELECT sql FROM sqlite_master WHERE name = 'reading'")
                }
                #expect(schema?.contains("DEFERRABLE") == false)
            }
            let upgraded = try SQLiteDatabase(path: path)
            #expect(before.count == 2)
            #expect(try Self.readings(upgraded) == before)
            let (schema, index, entries, mark) = try upgraded.read { db in
                (
                    try db.scalar(String.self, sql: "SELECT sql FROM sqlite_master WHERE name = 'reading'"),
                    try db.scalar(
                        String.self, sql: "SELECT sql FROM sqlite_master WHERE name = 'reading_patient_time'"),
                    try db.fetchAll(sql: "SELECT patient, time_us, id FROM reading_by_patient ORDER BY id").map {
                        row -> String in
                        let (patient, time, id): (String, Int64, Int64) = (row["patient"], row["time_us"], row["id"])
                        return "\(patient) \(time - 1_700_000_000_000_000) \(id)"
                    },
                    try db.scalar(Int64.self, sql: "SELECT through FROM reading_index_mark")
                )
            }
            #expect(schema?.contains("REFERENCES message(identity) DEFERRABLE INITIALLY DEFERRED") == true)
            // v8: the index of readings by patient is the table the writer fills, holding every older reading.
            #expect(index == nil)
            #expect(entries == ["p-2 2 2", "p-1 3 3"])
            #expect(mark == 3)
            // New readings continue the ids.
            try upgraded.write { db in
                _ = try db.insertMany(
                    into: "message", columns: SQLJournal.messageColumns, rows: [Self.message("m-3")],
                    ignoringConflictsOn: nil)
                _ = try db.insertMany(
                    into: "reading", columns: SQLJournal.readingColumns, rows: [Self.reading(message: "m-3", id: 4)],
                    ignoringConflictsOn: nil)
            }
            let ids = try Self.readings(upgraded).map { row -> Int64 in
                guard case .integer(let id) = row[0] else { return -1 }
                return id
            }
            #expect(ids == [2, 3, 4])
        }
    }

    @Test("registration changes made before v9 are not known one by one (a reader reads everything); later ones are")
    func registrationChangesAfterUpgrade() throws {
        try withTemporaryDirectory("helsebro-migration") { dir in
            let path = dir + "/journal.sqlite"
            do {
                let old = try SQLiteDatabase(
                    path: path, migratedUpTo: "v8: the readings-by-patient index filled by the writer")
                try old.write { db in
                    _ = try db.execute(sql: "INSERT INTO counter (name, value) VALUES ('registrations', 5)")
                }
            }
            guard let journal = try SQLJournal.open(location: "sqlite:" + path) else {
                Issue.record("the journal did not open")
                return
            }
            #expect(try journal.registrationRevision() == 5)
            #expect(try journal.registrationChanges(after: 0, through: 5) == nil)
            try journal.addDevice(DeviceRecord(id: "cuff-1", profile: "bp-cuff-ua200", firmware: nil))
            #expect(try journal.registrationChanges(after: 5, through: 6) == RegistrationChanges(devices: ["cuff-1"]))
            #expect(try journal.registrationChanges(after: 4, through: 6) == nil)
        }
    }

    @Test("a reading whose message is not in the journal fails the commit, and nothing of the batch is kept")
    func missingMessage() throws {
        try withTemporaryDirectory("helsebro-migration") { dir in
            let database = try SQLiteDatabase(path: dir + "/journal.sqlite")
            #expect(throws: (any Error).self) {
                try database.write { db in
                    _ = try db.insertMany(
                        into: "message", columns: SQLJournal.messageColumns, rows: [Self.message("m-1")],
                        ignoringConflictsOn: "identity")
                    _ = try db.insertMany(
                        into: "reading", columns: SQLJournal.readingColumns,
                        rows: [Self.reading(message: "m-1", id: 1), Self.reading(message: "not-journalled", id: 2)],
                        ignoringConflictsOn: nil)
                }
            }
            #expect(try Self.readings(database).isEmpty)
            let messages = try database.read { db in try db.scalar(Int64.self, sql: "SELECT count(*) FROM message") }
            #expect(messages == 0)
            // The same batch with its message journalled first is kept.
            try database.write { db in
                _ = try db.insertMany(
                    into: "message", columns: SQLJournal.messageColumns,
                    rows: [Self.message("m-1"), Self.message("not-journalled")], ignoringConflictsOn: "identity")
                _ = try db.insertMany(
                    into: "reading", columns: SQLJournal.readingColumns,
                    rows: [Self.reading(message: "m-1", id: 1), Self.reading(message: "not-journalled", id: 2)],
                    ignoringConflictsOn: nil)
            }
            #expect(try Self.readings(database).count == 2)
        }
    }
}
