import CSQLite
import GRDB

/// Binds and steps one of GRDB's prepared statements through the SQLite C API, for the row inserts of the
/// ingest batch: building GRDB `StatementArguments` for every row was the largest single cost of journalling
/// (`perf` under the realistic mix). Only inside a GRDB write; GRDB resets the statement before its own next use.
struct RowBinder {
    let statement: OpaquePointer
    let connection: OpaquePointer?

    /// SQLite's SQLITE_TRANSIENT: it copies the text before `bind` returns.
    static let transient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)

    init(_ statement: Statement, _ db: Database) {
        self.statement = statement.sqliteStatement
        self.connection = db.sqliteConnection
        sqlite3_reset(self.statement)
    }

    func bind(_ index: Int32, _ value: String?) {
        guard var text = value else {
            sqlite3_bind_null(statement, index)
            return
        }
        if text.isEmpty {
            // An empty buffer may have no address, which SQLite would bind as NULL.
            sqlite3_bind_text(statement, index, "", 0, Self.transient)
            return
        }
        text.withUTF8 { bytes in
            _ = bytes.withMemoryRebound(to: CChar.self) {
                sqlite3_bind_text(statement, index, $0.baseAddress, Int32($0.count), Self.transient)
            }
        }
    }

    func bind(_ index: Int32, _ value: Int64?) {
        guard let value else {
            sqlite3_bind_null(statement, index)
            return
        }
        sqlite3_bind_int64(statement, index, value)
    }

    func bind(_ index: Int32, _ value: SQLValue) {
        switch value {
        case .null: sqlite3_bind_null(statement, index)
        case .integer(let i): sqlite3_bind_int64(statement, index, i)
        case .real(let d): sqlite3_bind_double(statement, index, d)
        case .text(let s): bind(index, s)
        case .blob(let b):
            // An empty buffer may have no address, which SQLite would bind as NULL.
            if b.isEmpty {
                sqlite3_bind_zeroblob(statement, index, 0)
            } else {
                b.withUnsafeBytes {
                    sqlite3_bind_blob(statement, index, $0.baseAddress, Int32($0.count), Self.transient)
                }
            }
        }
    }

    /// Runs the statement and resets it for the next row.
    func step() throws {
        let code = sqlite3_step(statement)
        defer { sqlite3_reset(statement) }
        guard code == SQLITE_DONE else {
            let message = connection.map { String(cString: sqlite3_errmsg($0)) } ?? "SQLite error"
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: message)
        }
    }
}
