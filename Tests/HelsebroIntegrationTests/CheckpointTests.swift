import Foundation
import HelsebroJournal
import HelsebroTestSupport
import Testing

/// The ingest service's checkpoint thread, against a real SQLite file.
@Suite("SQLite journal checkpoints")
struct CheckpointTests {
    @Test("serve's checkpoint thread copies the write-ahead log into the database file while the writer does not")
    func backgroundCheckpoint() throws {
        try withTemporaryDirectory("helsebro-ckpt") { dir in try backgroundCheckpoint(in: dir) }
    }

    @Test("the writer commits with synchronous = FULL, after GRDB's WAL set-up lowered it to NORMAL")
    func synchronousFull() throws {
        try withTemporaryDirectory("helsebro-ckpt") { dir in
            let database = try SQLiteDatabase(path: dir + "/journal.sqlite")
            // 2 is FULL: the log is synced at every commit, so a batch acknowledged to the broker survives a power
            // cut. NORMAL (1) syncs it only at checkpoints.
            let level = try database.write { db in try db.scalar(Int.self, sql: "PRAGMA synchronous") }
            #expect(level == 2)
            // The writer's other settings, which nothing after our set-up may change either.
            for (pragma, expected) in [
                ("foreign_keys", 1), ("cache_size", -16384), ("wal_autocheckpoint", 16384),
                ("journal_size_limit", 67_108_864), ("temp_store", 2),
            ] {
                let value = try database.write { db in try db.scalar(Int.self, sql: "PRAGMA \(pragma)") }
                #expect(value == expected, "PRAGMA \(pragma)")
            }
        }
    }

    @Test("a writer that meets another connection's write lock waits for it, and then writes")
    func waitsForTheLock() throws {
        try withTemporaryDirectory("helsebro-ckpt") { dir in
            let path = dir + "/journal.sqlite"
            let first = try SQLiteDatabase(path: path)
            let second = try SQLiteDatabase(path: path)
            try first.write { db in try db.execute(sql: "CREATE TABLE t (who TEXT)") }
            let holding = DispatchSemaphore(value: 0)
            let done = DispatchSemaphore(value: 0)
            DispatchQueue.global().async {
                try? second.write { db in
                    try db.execute(sql: "INSERT INTO t VALUES (?)", arguments: ["second"])
                    holding.signal()
                    usleep(300_000)
                }
                done.signal()
            }
            try #require(holding.wait(timeout: .now() + 10) == .success, "the second connection took the lock")
            // The second connection holds the lock for 300 ms: this write waits instead of failing as busy.
            try first.write { db in try db.execute(sql: "INSERT INTO t VALUES (?)", arguments: ["first"]) }
            #expect(done.wait(timeout: .now() + 10) == .success)
            let rows = try first.read { db in try db.fetchAll(sql: "SELECT who FROM t ORDER BY rowid") }
            #expect(rows.map { $0["who"] as String } == ["second", "first"])
        }
    }

    func backgroundCheckpoint(in dir: String) throws {
        let path = dir + "/journal.sqlite"
        let database = try SQLiteDatabase(path: path)
        func fileSize() -> Int { ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int) ?? 0 }
        _ = try database.write { db in
            try db.execute(sql: "CREATE TABLE filler (b BLOB)")
            return try db.execute(sql: "INSERT INTO filler VALUES (randomblob(2000000))")
        }
        // 2 MB is far below the writer's own checkpoint (64 MiB of log): without the thread it stays in the log.
        #expect(fileSize() < 1_000_000)
        database.checkpointInBackground()
        try waitUntil(10, "the database file holds what was committed") { fileSize() > 2_000_000 }
        // Still one journal: what the thread copied reads back.
        let count = try database.read { db in try db.scalar(Int.self, sql: "SELECT COUNT(*) FROM filler") }
        #expect(count == 1)
    }
}
