import Foundation
import HelsebroJournal
import HelsebroTestSupport
import Testing

/// The ingest batch's row inserts (`insertMany`, bound through the SQLite C API with the row's text copied into a
/// buffer of the binder's own), read back from a real SQLite file.
@Suite("SQLite row inserts")
struct RowBinderTests {
    @Test("text, empty text, NULL, non-ASCII, text larger than the buffer and rows that fill it read back exactly")
    func roundTrip() throws {
        try withTemporaryDirectory("helsebro-rows") { dir in
            let database = try SQLiteDatabase(path: dir + "/rows.sqlite")
            var rows: [[SQLValue]] = [
                [.integer(0), .text(""), .null(.text), .text("x"), .blob([])],
                [
                    .integer(1), .text("exactly15bytes!"), .text("sixteen bytes!!!"), .text("Ærø 🫀 ñ"),
                    .blob([0, 1, 2]),
                ],
                // Larger than the binder's buffer (16 KiB): bound as SQLite's own copy.
                [
                    .integer(2), .text(String(repeating: "a", count: 40_000)), .text("after the large one"),
                    .text(""), .null(.blob),
                ],
                // Three values that fill the buffer together: the third does not fit.
                [
                    .integer(3), .text(String(repeating: "b", count: 7_000)),
                    .text(String(repeating: "c", count: 7_000)),
                    .text(String(repeating: "d", count: 7_000)), .blob([9]),
                ],
            ]
            // Many rows of distinct text: each row reuses the buffer, and no row may see another's bytes.
            for i in 4..<300 {
                rows.append([
                    .integer(Int64(i)), .text("patient-\(i)"), .text(String(repeating: "m", count: i % 37)),
                    .text(i % 5 == 0 ? "" : "unit \(i)"), .blob([UInt8(i & 0xFF)]),
                ])
            }
            let inserted = try database.write { db in
                try db.execute(sql: "CREATE TABLE t (n INTEGER PRIMARY KEY, a TEXT, b TEXT, c TEXT, d BLOB)")
                return try db.insertMany(
                    into: "t", columns: ["n", "a", "b", "c", "d"], rows: rows, ignoringConflictsOn: nil)
            }
            #expect(inserted.count == rows.count && inserted.allSatisfy { $0 })
            let stored = try database.read { db in
                try db.fetchAll(
                    sql: """
                        SELECT n, a, b, c, d, a IS NULL AS an, b IS NULL AS bn, c IS NULL AS cn, d IS NULL AS dn
                        FROM t ORDER BY n
                        """)
            }
            #expect(stored.count == rows.count)
            func text(_ v: SQLValue) -> String? { if case .text(let s) = v { s } else { nil } }
            func blob(_ v: SQLValue) -> [UInt8]? { if case .blob(let b) = v { b } else { nil } }
            for (row, s) in zip(rows, stored) {
                let n: Int64 = s["n"]
                #expect(row[0] == .integer(n), "row \(n): stored in its place")
                for (i, column) in ["a", "b", "c"].enumerated() {
                    let isNull: Int64 = s[column + "n"]
                    let value: String? = s[column]
                    #expect((isNull == 1) == (text(row[i + 1]) == nil), "row \(n) column \(column): NULL or not")
                    #expect(value == text(row[i + 1]), "row \(n) column \(column)")
                }
                let d: [UInt8]? = s["d"]
                let dn: Int64 = s["dn"]
                #expect((dn == 1) == (blob(row[4]) == nil), "row \(n) column d: NULL or not")
                if dn == 0 { #expect(d ?? [] == blob(row[4]), "row \(n) column d") }
            }
        }
    }

    @Test("without a key: rows go several to a statement, in their order, whatever their number")
    func chunks() throws {
        try withTemporaryDirectory("helsebro-rows") { dir in
            let database = try SQLiteDatabase(path: dir + "/rows.sqlite")
            for count in [0, 1, 2, 3, 31, 32, 33, 63, 64, 65, 100, 1_000] {
                let rows: [[SQLValue]] = (0..<count).map { k in
                    [.integer(Int64(k)), .text("row \(k) of \(count)"), k % 7 == 0 ? .null(.text) : .text("\(k * 3)")]
                }
                let inserted = try database.write { db in
                    try db.execute(sql: "DROP TABLE IF EXISTS t")
                    try db.execute(sql: "CREATE TABLE t (id INTEGER PRIMARY KEY, k INTEGER, a TEXT, b TEXT)")
                    return try db.insertMany(into: "t", columns: ["k", "a", "b"], rows: rows, ignoringConflictsOn: nil)
                }
                #expect(inserted == Array(repeating: true, count: count))
                let stored = try database.read { db in try db.fetchAll(sql: "SELECT id, k, a, b FROM t ORDER BY id") }
                #expect(stored.count == count, "\(count) rows")
                for (position, s) in stored.enumerated() {
                    let id: Int64 = s["id"]
                    let k: Int64 = s["k"]
                    let a: String = s["a"]
                    let b: String? = s["b"]
                    // Ids in the rows' order: the journal's reading ids follow the batch.
                    #expect(id == Int64(position + 1) && k == Int64(position), "\(count) rows: row \(position)")
                    #expect(a == "row \(k) of \(count)" && b == (k % 7 == 0 ? nil : "\(k * 3)"), "\(count): row \(k)")
                }
            }
        }
    }

    @Test("without a key: a row that breaks a constraint fails the whole write, rows before it in its statement too")
    func chunkFailure() throws {
        try withTemporaryDirectory("helsebro-rows") { dir in
            let database = try SQLiteDatabase(path: dir + "/rows.sqlite")
            try database.write { db in try db.execute(sql: "CREATE TABLE t (k INTEGER CHECK (k <> 40))") }
            let rows: [[SQLValue]] = (0..<64).map { [.integer(Int64($0))] }
            #expect(throws: (any Error).self) {
                try database.write { db in
                    try db.insertMany(into: "t", columns: ["k"], rows: rows, ignoringConflictsOn: nil)
                }
            }
            let left = try database.read { db in try db.fetchAll(sql: "SELECT k FROM t") }
            #expect(left.isEmpty)
            let fine = try database.write { db in
                try db.insertMany(into: "t", columns: ["k"], rows: Array(rows[..<40]), ignoringConflictsOn: nil)
            }
            #expect(fine.count == 40)
        }
    }

    @Test("statements: arguments counted against parameters, values read back as stored, any statement runs")
    func statements() throws {
        try withTemporaryDirectory("helsebro-rows") { dir in
            let database = try SQLiteDatabase(path: dir + "/rows.sqlite")
            let changed = try database.write { db in
                try db.execute(sql: "CREATE TABLE v (i INTEGER, r REAL, t TEXT, b BLOB)")
                try db.execute(
                    sql: "INSERT INTO v (i, r, t, b) VALUES (?, ?, ?, ?)",
                    arguments: [Int64(1), 2.5, "a\u{0}b æ", [UInt8]([0, 255])])
                try db.execute(
                    sql: "\n  insert into v (i, r, t, b) values (?, ?, ?, ?)",
                    arguments: [Int64(2), Double?.none, String(repeating: "long ", count: 1_000), [UInt8]()])
                try db.execute(sql: "INSERT INTO v (i, t) VALUES (?, ?)", arguments: [Int64(3), ""])
                return try db.execute(sql: "UPDATE v SET r = ? WHERE i >= ?", arguments: [-1.0, Int64(2)])
            }
            #expect(changed == 2)
            #expect(throws: (any Error).self) {
                try database.write { db in
                    try db.execute(sql: "INSERT INTO v (i, t) VALUES (?, ?)", arguments: [Int64(4)])
                }
            }
            #expect(throws: (any Error).self) {
                try database.read { db in try db.fetchAll(sql: "SELECT i FROM v WHERE i = ?", arguments: []) }
            }
            let rows = try database.read { db in
                try db.fetchAll(sql: "SELECT i, r, t, b, t IS NULL AS tn FROM v WHERE i > ? ORDER BY i", arguments: [0])
            }
            #expect(rows.map { $0.values[0] } == [.integer(1), .integer(2), .integer(3)])
            #expect(rows.map { $0["r"] as Double? } == [2.5, -1, -1])
            #expect(rows.map { $0["t"] as String } == ["a\u{0}b æ", String(repeating: "long ", count: 1_000), ""])
            #expect(rows.map { $0["tn"] as Int } == [0, 0, 0])
            #expect(rows[0].values[3] == .blob([0, 255]) && rows[2]["b"] as [UInt8]? == nil)
            // Not INSERT, UPDATE, DELETE or SELECT: through GRDB, with the same results.
            let other = try database.read { db in
                try db.fetchAll(sql: "WITH x AS (SELECT ? AS one) SELECT one FROM x", arguments: ["ok"])
            }
            #expect(other.map { $0["one"] as String } == ["ok"])
            let mode = try database.read { db in try db.fetchAll(sql: "PRAGMA journal_mode") }
            #expect(mode.map { $0["journal_mode"] as String } == ["wal"])
        }
    }

    @Test("with a key: rows whose key exists are skipped and reported, in the same statement")
    func ignoringConflicts() throws {
        try withTemporaryDirectory("helsebro-rows") { dir in
            let database = try SQLiteDatabase(path: dir + "/rows.sqlite")
            let rows: [[SQLValue]] = ["m-1", "m-2", "m-1", "", "m-3", ""].map { [.text($0), .integer(1)] }
            let inserted = try database.write { db in
                try db.execute(sql: "CREATE TABLE m (identity TEXT PRIMARY KEY, v INTEGER) WITHOUT ROWID")
                return try db.insertMany(
                    into: "m", columns: ["identity", "v"], rows: rows, ignoringConflictsOn: "identity")
            }
            #expect(inserted == [true, true, false, true, true, false])
            let keys = try database.read { db in
                try db.fetchAll(sql: "SELECT identity FROM m ORDER BY identity").map { $0["identity"] as String }
            }
            #expect(keys == ["", "m-1", "m-2", "m-3"])
        }
    }

    @Test("with a key: many rows, repeats within the batch and keys already stored, as one row at a time would")
    func ignoringConflictsMany() throws {
        try withTemporaryDirectory("helsebro-rows") { dir in
            let database = try SQLiteDatabase(path: dir + "/rows.sqlite")
            try database.write { db in
                try db.execute(sql: "CREATE TABLE m (identity TEXT PRIMARY KEY, v INTEGER) WITHOUT ROWID")
            }
            var stored = Set<String>()
            var generator = SystemRandomNumberGenerator()
            for count in [1, 5, 33, 100, 1_000] {
                let keys = (0..<count).map { _ in
                    "hash:dev/gatt/2a35/\(Int.random(in: 0..<(count * 2), using: &generator))"
                }
                var expected: [Bool] = []
                for k in keys { expected.append(stored.insert(k).inserted) }
                let inserted = try database.write { db in
                    try db.insertMany(
                        into: "m", columns: ["v", "identity"], rows: keys.map { [.integer(1), .text($0)] },
                        ignoringConflictsOn: "identity")
                }
                #expect(inserted == expected, "\(count) rows")
            }
            let n = try database.read { db in try db.fetchAll(sql: "SELECT COUNT(*) AS n FROM m")[0]["n"] as Int }
            #expect(n == stored.count)
        }
    }

    @Test("with a key: keys compare byte for byte, as SQLite compares them, not as Swift compares Strings")
    func ignoringConflictsBytes() throws {
        try withTemporaryDirectory("helsebro-rows") { dir in
            let database = try SQLiteDatabase(path: dir + "/rows.sqlite")
            let composed = "hl7:monitor-\u{E9}/1"  // é as one code point
            let decomposed = "hl7:monitor-e\u{301}/1"  // e and a combining accent: equal as Swift Strings
            #expect(composed == decomposed)
            let first = try database.write { db in
                try db.execute(sql: "CREATE TABLE m (identity TEXT PRIMARY KEY) WITHOUT ROWID")
                return try db.insertMany(
                    into: "m", columns: ["identity"], rows: [[.text(decomposed)]], ignoringConflictsOn: "identity")
            }
            #expect(first == [true])
            // The composed key is new to SQLite; the decomposed one is stored already.
            let second = try database.write { db in
                try db.insertMany(
                    into: "m", columns: ["identity"], rows: [[.text(composed)], [.text(decomposed)]],
                    ignoringConflictsOn: "identity")
            }
            #expect(second == [true, false])
        }
    }
}
