import CSQLite
import CWALBuffer
import Foundation
import HelsebroJournal
import HelsebroTestSupport
import Synchronization
import Testing

/// The journal's VFS, which gathers write-ahead-log writes (`CWALBuffer`), against real SQLite files. Every check of
/// what reached the file reads it through SQLite's own "unix" VFS, which knows nothing of the buffer.
@Suite("SQLite write-ahead-log buffer")
struct WALBufferTests {
    /// A connection of its own through the VFS named: SQLite's own "unix" unless told, the process's default (ours,
    /// once a journal is open) for nil.
    final class Plain {
        let db: OpaquePointer

        init(_ path: String, vfs: String? = "unix") throws {
            var handle: OpaquePointer?
            let code = sqlite3_open_v2(path, &handle, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, vfs)
            guard code == SQLITE_OK, let handle else { throw CodeError(code: code) }
            db = handle
        }

        private var open = true

        deinit { close() }

        func close() {
            if open { sqlite3_close(db) }
            open = false
        }

        struct CodeError: Error { let code: Int32 }

        func exec(_ sql: String) throws {
            let code = sqlite3_exec(db, sql, nil, nil, nil)
            guard code == SQLITE_OK else { throw CodeError(code: code) }
        }

        /// Inserts `rows` rows of `value` (an SQL expression) into `t` in one statement.
        func insert(_ rows: Int, _ value: String) throws {
            try exec(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < \(rows)) "
                    + "INSERT INTO t (v) SELECT \(value) FROM n")
        }

        /// Writes to this connection's log, and writes that reached the file.
        func logCounts() throws -> (log: Int64, file: Int64) {
            var log: Int64 = 0
            var file: Int64 = 0
            let code = helsebro_wal_buffer_counts(db, &log, &file)
            guard code == SQLITE_OK else { throw CodeError(code: code) }
            return (log, file)
        }

        func text(_ sql: String) throws -> String {
            var statement: OpaquePointer?
            guard sqlite3_prepare_v2(db, sql, -1, &statement, nil) == SQLITE_OK else {
                throw CodeError(code: sqlite3_errcode(db))
            }
            defer { sqlite3_finalize(statement) }
            guard sqlite3_step(statement) == SQLITE_ROW, let text = sqlite3_column_text(statement, 0) else {
                throw CodeError(code: sqlite3_errcode(db))
            }
            return String(cString: text)
        }
    }

    /// A journal opened as `serve` opens it (which makes the buffering VFS the process's default), with a table `t`;
    /// `body` gets its path.
    func withJournal(_ body: (String) throws -> Void) throws {
        try withTemporaryDirectory("helsebro-walbuf") { dir in
            let path = dir + "/journal.sqlite"
            let database = try SQLiteDatabase(path: path)
            try database.write { db in try db.execute(sql: "CREATE TABLE t (k INTEGER PRIMARY KEY, v BLOB NOT NULL)") }
            try withExtendedLifetime(database) { try body(path) }
        }
    }

    @Test("every commit is in the log file when it returns, and the log is written in far fewer, larger writes")
    func commitsReachTheFile() throws {
        try withJournal { path in
            let writer = try Plain(path, vfs: nil)
            try writer.exec("PRAGMA synchronous = FULL")
            var generator = SystemRandomNumberGenerator()
            var rows = 0
            var bytes = 0
            for batch in 0..<60 {
                let count = batch % 7 == 0 ? 400 : Int.random(in: 1...120, using: &generator)
                let size = batch % 5 == 0 ? 9_000 : Int.random(in: 1...1_500, using: &generator)
                try writer.insert(count, "randomblob(\(size))")
                rows += count
                bytes += count * size
                // Copy the journal's files as they are now, and open the copy with SQLite's own VFS: what the
                // writer has committed must be in the files, not in its buffer.
                let copy = path + "-copy-\(batch % 2)"
                for suffix in ["", "-wal"] {
                    try? FileManager.default.removeItem(atPath: copy + suffix)
                    try FileManager.default.copyItem(atPath: path + suffix, toPath: copy + suffix)
                }
                try? FileManager.default.removeItem(atPath: copy + "-shm")
                let plain = try Plain(copy)
                #expect(try plain.text("SELECT COUNT(*) || '/' || SUM(length(v)) FROM t") == "\(rows)/\(bytes)")
            }
            // Two writes per frame (header, page), gathered up to 31 frames at a time.
            let counts = try writer.logCounts()
            #expect(counts.log > 2_000)
            #expect(counts.file * 4 < counts.log, "\(counts.file) file writes for \(counts.log) log writes")
            let plain = try Plain(path)
            #expect(try plain.text("PRAGMA integrity_check") == "ok")
            #expect(try plain.text("SELECT COUNT(*) FROM t") == "\(rows)")
        }
    }

    @Test("without a sync per commit (synchronous = OFF), a reader meanwhile sees every commit whole")
    func commitsWithoutSync() throws {
        try withJournal { path in
            let writer = try Plain(path, vfs: nil)
            try writer.exec("PRAGMA synchronous = OFF")
            // Read by another thread through SQLite's own VFS while the writer commits: every commit of 20 rows of
            // 100 bytes, so any snapshot holds a multiple of 20 rows and 100 bytes a row. A commit whose frames
            // were still in the writer's buffer when it became visible would read short or corrupt.
            let commits = 1_500
            let finished = Atomic<Bool>(false)
            let problems = Mutex<[String]>([])
            let readerDone = DispatchSemaphore(value: 0)
            DispatchQueue.global().async {
                defer { readerDone.signal() }
                do {
                    let reader = try Plain(path)
                    while !finished.load(ordering: .relaxed) {
                        let seen = try reader.text("SELECT COUNT(*) || '/' || COALESCE(SUM(length(v)), 0) FROM t")
                        let parts = seen.split(separator: "/").compactMap { Int($0) }
                        if parts.count != 2 || parts[0] % 20 != 0 || parts[1] != parts[0] * 100 {
                            problems.withLock { $0.append(seen) }
                        }
                    }
                } catch {
                    problems.withLock { $0.append("\(error)") }
                }
            }
            for _ in 0..<commits { try writer.insert(20, "randomblob(100)") }
            finished.store(true, ordering: .relaxed)
            #expect(readerDone.wait(timeout: .now() + 30) == .success)
            #expect(problems.withLock { $0 }.isEmpty)
            let reader = try Plain(path)
            #expect(try reader.text("SELECT COUNT(*) FROM t") == "\(commits * 20)")
            #expect(try reader.text("PRAGMA integrity_check") == "ok")
        }
    }

    @Test("frames of a transaction rolled back after its pages spilled never land over a later writer's commit")
    func rollbackAfterSpill() throws {
        try withJournal { path in
            let spiller = try Plain(path, vfs: nil)
            // A page cache of 10 pages: a transaction of 2 MB writes its pages into the log before it commits.
            try spiller.exec("PRAGMA cache_size = 10")
            try spiller.exec("BEGIN IMMEDIATE")
            try spiller.insert(3000, "randomblob(700)")
            try spiller.exec("ROLLBACK")
            // Another writer now commits as much, into the same place in the log.
            let other = try Plain(path, vfs: nil)
            try other.insert(3000, "zeroblob(700)")
            // The spiller closes while the other stays open: anything it still held would be written now.
            spiller.close()
            let plain = try Plain(path)
            #expect(try plain.text("PRAGMA integrity_check") == "ok")
            #expect(
                try plain.text("SELECT COUNT(*) || '/' || SUM(length(v)) || '/' || MAX(v) FROM t") == "3000/2100000/")
            withExtendedLifetime(other) {}
        }
    }
}
