import HelsebroCore
import HelsebroTestSupport
import Testing

@testable import HelsebroJournal

/// The SQLite journal's index of readings by patient is filled by the writer a slice of patients per batch
/// (`PatientIndexBuffer`): reads must see every reading at once all the same, after a crash too, and no entry may
/// ever point at another patient's reading.
@Suite("SQLite journal: the readings-by-patient index the writer fills")
struct PatientIndexTests {
    static let base = Timestamp(year: 2026, month: 11, day: 20, hour: 8)

    /// One message per patient, `perMessage` readings each, at `second`.
    static func batch(patients: Range<Int>, second: Int64, tag: String, perMessage: Int = 2) -> [MessageOutcome] {
        patients.map { p in
            let time = base.adding(seconds: second)
            let rows = (0..<perMessage).map { k in
                JournalReading(
                    patient: "p-\(p)", device: "d-\(p)", metric: "m-\(k)",
                    value: .number(DecimalValue(mantissa: Int64(100 + k), exponent: 0)), unit: "1", loinc: nil,
                    mdc: nil, time: time, status: [])
            }
            return MessageOutcome(
                identity: "\(tag)/\(p)/\(second)", topic: "helsebro/v1/devices/d-\(p)/senml+json", device: "d-\(p)",
                payload: [1], received: time, result: .readings(rows))
        }
    }

    /// Index entries that name no reading, or a reading of another patient or time.
    static func strayEntries(_ database: SQLiteDatabase) throws -> Int {
        try database.read { db in
            try db.scalar(
                Int.self,
                sql: """
                    SELECT COUNT(*) FROM reading_by_patient b LEFT JOIN reading r ON r.id = b.id
                    WHERE r.id IS NULL OR r.patient != b.patient OR r.time_us != b.time_us
                    """) ?? -1
        }
    }

    /// Readings at or before the mark that have no index entry.
    static func unindexedBeforeMark(_ database: SQLiteDatabase) throws -> Int {
        try database.read { db in
            try db.scalar(
                Int.self,
                sql: """
                    SELECT COUNT(*) FROM reading r WHERE r.id <= (SELECT through FROM reading_index_mark)
                    AND NOT EXISTS (SELECT 1 FROM reading_by_patient b
                        WHERE b.patient = r.patient AND b.time_us = r.time_us AND b.id = r.id)
                    """) ?? -1
        }
    }

    /// No entry names a missing or other reading, and every reading up to the mark is indexed.
    static func expectSound(_ database: SQLiteDatabase, sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(try strayEntries(database) == 0, sourceLocation: sourceLocation)
        #expect(try unindexedBeforeMark(database) == 0, sourceLocation: sourceLocation)
    }

    static func count(_ database: SQLiteDatabase, _ sql: String) throws -> Int {
        try database.read { db in try db.scalar(Int.self, sql: sql) ?? -1 }
    }

    @Test("every patient's readings are read back at once, before and after their slice is indexed")
    func readsAreComplete() throws {
        try withTemporaryDirectory("helsebro-patient-index") { dir in
            let database = try SQLiteDatabase(path: dir + "/journal.sqlite")
            let journal = SQLJournal(database: database)
            let patients = 0..<120
            for second in 0..<Int64(60) {
                _ = try journal.write(Self.batch(patients: patients, second: second, tag: "a"))
                if second % 13 == 0 || second == 59 {
                    for p in [0, 37, 119] {
                        let readings = try journal.readings(patient: "p-\(p)", since: nil)
                        #expect(readings.count == Int(second + 1) * 2)
                        #expect(readings.allSatisfy { $0.reading.patient == "p-\(p)" })
                        let window = try journal.readings(
                            patient: "p-\(p)", metric: "m-1", from: Self.base.adding(seconds: second),
                            to: Self.base.adding(seconds: second + 1))
                        #expect(window.count == 1)
                        let search = try journal.searchReadings(
                            patient: "p-\(p)", loinc: nil, mdc: nil, from: nil, to: nil, limit: 1_000, offset: 0)
                        #expect(search.total == Int(second + 1) * 2 && search.rows.count == search.total)
                    }
                }
            }
            let readings = try Self.count(database, "SELECT COUNT(*) FROM reading")
            let entries = try Self.count(database, "SELECT COUNT(*) FROM reading_by_patient")
            #expect(readings == 120 * 60 * 2)
            // Some are still held (the index is written a slice at a time), most are written.
            #expect(entries < readings && entries > readings / 2)
            try Self.expectSound(database)
        }
    }

    @Test("after a crash the held entries are lost but no reading is: reads see them, the next write indexes them")
    func crashLosesNothing() throws {
        try withTemporaryDirectory("helsebro-patient-index") { dir in
            let path = dir + "/journal.sqlite"
            do {
                let journal = SQLJournal(database: try SQLiteDatabase(path: path))
                for second in 0..<Int64(10) {
                    _ = try journal.write(Self.batch(patients: 0..<80, second: second, tag: "a"))
                }
                // The journal goes away without writing what it holds, as a killed process would.
            }
            let database = try SQLiteDatabase(path: path)
            let reopened = SQLJournal(database: database)
            #expect(try Self.count(database, "SELECT COUNT(*) FROM reading_by_patient") < 80 * 10 * 2)
            #expect(try reopened.readings(patient: "p-5", since: nil).count == 20)
            _ = try reopened.write(Self.batch(patients: 0..<1, second: 100, tag: "b"))
            // Everything before the new batch is indexed again.
            #expect(try Self.count(database, "SELECT COUNT(*) FROM reading_by_patient") >= 80 * 10 * 2)
            try Self.expectSound(database)
            #expect(try reopened.readings(patient: "p-0", since: nil).count == 22)
        }
    }

    @Test("one patient's flood: the slice it fills is written before it holds much more than its limit")
    func oneHotPatient() throws {
        try withTemporaryDirectory("helsebro-patient-index") { dir in
            let database = try SQLiteDatabase(path: dir + "/journal.sqlite")
            let journal = SQLJournal(database: database)
            var most = 0
            for second in 0..<Int64(40) {
                // 1,000 readings of one patient a batch, beside one of each of twenty others.
                var batch = Self.batch(patients: 0..<1, second: second, tag: "hot", perMessage: 1_000)
                batch += Self.batch(patients: 1..<21, second: second, tag: "cold", perMessage: 1)
                _ = try journal.write(batch)
                most = max(most, journal.patientIndex.withLock { $0.pending.map(\.count).max() ?? 0 })
                #expect(try journal.readings(patient: "p-0", since: nil).count == Int(second + 1) * 1_000)
            }
            #expect(most <= PatientIndexBuffer.mostHeld + 1_000)
            try Self.expectSound(database)
        }
    }

    @Test("two writers on one file (an operator's mistake) still leave every reading found, and no entry twice")
    func twoWriters() throws {
        try withTemporaryDirectory("helsebro-patient-index") { dir in
            let path = dir + "/journal.sqlite"
            let database = try SQLiteDatabase(path: path)
            let first = SQLJournal(database: database)
            let second = SQLJournal(database: try SQLiteDatabase(path: path))
            for round in 0..<Int64(24) {
                // Each writes a few batches in turn, holding entries of its own when the other takes over.
                let writer = round % 2 == 0 ? first : second
                for k in 0..<Int64(3) {
                    let time = round * 3 + k
                    _ = try writer.write(Self.batch(patients: 0..<60, second: time, tag: round % 2 == 0 ? "a" : "b"))
                    for p in [0, 31, 59] {
                        #expect(try first.readings(patient: "p-\(p)", since: nil).count == Int(time + 1) * 2)
                        #expect(try second.readings(patient: "p-\(p)", since: nil).count == Int(time + 1) * 2)
                    }
                }
            }
            try Self.expectSound(database)
        }
    }

    @Test("a batch the journal refuses leaves no entry naming the ids its readings had")
    func refusedBatch() throws {
        try withTemporaryDirectory("helsebro-patient-index") { dir in
            let database = try SQLiteDatabase(path: dir + "/journal.sqlite")
            let journal = SQLJournal(database: database)
            try database.write { db in
                _ = try db.execute(
                    sql: """
                        CREATE TRIGGER refuse_bad AFTER INSERT ON quarantine WHEN NEW.code = 'refuse-me'
                        BEGIN SELECT RAISE(ABORT, 'refused'); END
                        """)
            }
            for second in 0..<Int64(30) {
                _ = try journal.write(Self.batch(patients: 0..<40, second: second, tag: "a"))
                if second % 7 == 3 {
                    // Readings of 40 patients and then a row the journal refuses, written after the readings and
                    // their index entries: the whole batch rolls back.
                    var refused = Self.batch(patients: 100..<140, second: second, tag: "r")
                    refused.append(
                        MessageOutcome(
                            identity: "q/\(second)", topic: "helsebro/v1/devices/x/gatt/2a35", device: nil,
                            payload: [0], received: Self.base, result: .quarantine(code: "refuse-me", reason: "test")))
                    #expect(throws: JournalError.self) { _ = try journal.write(refused) }
                }
            }
            try Self.expectSound(database)
            for p in [0, 39] { #expect(try journal.readings(patient: "p-\(p)", since: nil).count == 60) }
            #expect(try journal.readings(patient: "p-100", since: nil).isEmpty)
        }
    }
}
