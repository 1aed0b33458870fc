/// The writer's side of the SQLite journal's index of readings by patient and time (`reading_by_patient`).
///
/// Written entry by entry, the index took a page write per patient in every batch: a batch of a thousand cuffs'
/// messages touched the last index page of about a thousand patients, and each commit wrote all of them to the log
/// (with the index dropped, the sustained benchmark journalled 78.8 k readings/s instead of 48.9 k). So each new
/// reading's entry waits here, in one of `slices` slices by patient, and each batch writes one slice: every slice's
/// entries (a few seconds of its patients' readings) go in once per `slices` batches, a page per patient.
///
/// Reads stay complete: `reading_index_mark.through` is the id up to which every reading is in the index, advanced
/// only in the transaction that writes the entries before it, and reads take the readings after it from the
/// reading table itself (`SQLJournal.patientReadings`). A crash loses only entries; the first write afterwards
/// indexes every reading after the mark again (`recover`). A failed transaction drops what is held here (`reset`,
/// from `SQLJournal.writeRollingBackIndex`) and the next write does the same.
///
/// One process writes a SQLite journal, but nothing stops an operator starting a second one on the same file: each
/// writer names itself in `reading_index_mark.writer`, and a writer that finds another's name there (the other has
/// written since; its first write indexed everything this one held) drops what it holds and recovers.
struct PatientIndexBuffer: Sendable {
    struct Entry: Sendable {
        var patient: String
        var time: Int64
        var id: Int64
    }

    static let slices = 50
    /// A slice holding more entries than this is written with the next batch, whichever slice is due. One patient's
    /// flood (`Tools/alert-latency.sh`: one cuff at 14,000 msg/s) fills one slice, and every fiftieth batch, with
    /// the alerts behind it, would wait while fifty batches of its entries were written at once; spread over many
    /// patients a slice holds about 4,000 at the most (a minute of overload).
    static let mostHeld = 4_096
    static let columns = ["patient", "time_us", "id"]
    var pending: [[Entry]] = Array(repeating: [], count: slices)
    var next = 0
    /// This writer's name in `reading_index_mark.writer`: while it is there, no one else has written readings since
    /// this writer's last commit, and what is held here is exactly what the index lacks.
    var writer = Int64.random(in: 1...Int64.max)

    /// Inserts the batch's readings through `insertReadings` and indexes the slice that is due (and any holding more
    /// than `mostHeld`), in the caller's transaction.
    /// `entries` are the readings' patients and times in the order `insertReadings` inserts them; their ids are
    /// assigned here, as SQLite assigns them (one more than the largest).
    mutating func write(_ db: any SQLSession, entries: [Entry], insertReadings: () throws -> Void) throws {
        if try db.scalar(Int64.self, sql: "SELECT writer FROM reading_index_mark") != writer {
            reset()
            try recover(db)
        }
        var id = try db.scalar(Int64.self, sql: "SELECT COALESCE(MAX(id), 0) FROM reading") ?? 0
        try insertReadings()
        for var e in entries {
            id += 1
            e.id = id
            pending[Int(UInt(bitPattern: e.patient.hashValue) % UInt(Self.slices))].append(e)
        }
        let slice = next
        next = (next + 1) % Self.slices
        for s in pending.indices where s == slice || pending[s].count > Self.mostHeld {
            try index(slice: s, db)
        }
        // Every reading before the oldest entry still held is indexed; with none held, every reading is.
        let oldest = pending.compactMap { $0.first?.id }.min()
        _ = try db.execute(
            sql: "UPDATE reading_index_mark SET through = ?", arguments: [oldest.map { $0 - 1 } ?? id])
    }

    /// Writes the entries of one slice.
    mutating func index(slice: Int, _ db: any SQLSession) throws {
        guard !pending[slice].isEmpty else { return }
        var values: [SQLValue] = []
        values.reserveCapacity(pending[slice].count * 3)
        for e in pending[slice] {
            values.append(.text(e.patient))
            values.append(.integer(e.time))
            values.append(.integer(e.id))
        }
        _ = try db.insertMany(
            into: "reading_by_patient", columns: Self.columns, values: values, ignoringConflictsOn: nil)
        // Its storage goes too: kept, every slice held the most it ever held, room doubled as it grew, and in a
        // minute of overload (`Tools/sustained-bench.sh 100000 60 28000 cuff`) the slices had room for 323,584
        // entries (10 MB) while they never held more than 101,484.
        pending[slice] = []
    }

    /// After a failed transaction, or when another writer has written: what is held here may not match the journal;
    /// drops it and takes a new name, so that the next write indexes every reading after the mark again.
    mutating func reset() {
        pending = Array(repeating: [], count: Self.slices)
        writer = Int64.random(in: 1...Int64.max)
    }

    /// Indexes every reading after the mark (some may be indexed already), moves the mark to the last reading and
    /// names this writer.
    func recover(_ db: any SQLSession) throws {
        _ = try db.execute(
            sql: """
                INSERT OR IGNORE INTO reading_by_patient (patient, time_us, id)
                SELECT patient, time_us, id FROM reading WHERE id > (SELECT through FROM reading_index_mark)
                ORDER BY patient, time_us, id
                """)
        _ = try db.execute(
            sql: "UPDATE reading_index_mark SET through = (SELECT COALESCE(MAX(id), 0) FROM reading), writer = ?",
            arguments: [writer])
    }
}
