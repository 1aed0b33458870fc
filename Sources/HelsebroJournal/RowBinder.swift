import CSQLite
import GRDB

/// Binds and steps one of GRDB's prepared statements through the SQLite C API, for the row inserts of the
/// ingest batch and the journal's other INSERT, UPDATE, DELETE and SELECT statements: building GRDB
/// `StatementArguments` for every row was the largest single cost of journalling (`perf` under the realistic mix).
/// Only inside a GRDB read or write; GRDB resets the statement before its own next use.
///
/// A row's text is copied into a buffer of the binder's own and bound as SQLITE_STATIC, valid until the row has
/// been stepped. Bound as SQLITE_TRANSIENT instead, SQLite allocated, copied and freed every value, under its
/// memory mutex: 10 % of the instructions of `serve` under the realistic mix (callgrind). Text that does not fit
/// in what is left of the buffer is bound as SQLITE_TRANSIENT, as before. The bindings are cleared when the binder
/// is done, so that the statement, which GRDB keeps in its cache, never points into a freed buffer.
final class RowBinder {
    let statement: OpaquePointer
    let connection: OpaquePointer?
    private let buffer: UnsafeMutableRawBufferPointer
    /// Bytes of `buffer` bound in the current row.
    private var used = 0

    /// SQLite's SQLITE_TRANSIENT: it copies the text before `bind` returns.
    static let transient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)

    init(_ statement: Statement, _ db: Database, bufferSize: Int = 16 * 1024) {
        self.statement = statement.sqliteStatement
        self.connection = db.sqliteConnection
        buffer = .allocate(byteCount: bufferSize, alignment: 8)
        sqlite3_reset(self.statement)
    }

    deinit {
        sqlite3_clear_bindings(statement)
        buffer.deallocate()
    }

    func bind(_ index: Int32, _ value: String?) {
        guard var text = value else {
            sqlite3_bind_null(statement, index)
            return
        }
        text.withUTF8 { bytes in
            if bytes.count <= buffer.count - used, let base = buffer.baseAddress {
                // An empty text still gets an address (the buffer's), which SQLite binds as "" and not NULL.
                let start = base + used
                if let source = bytes.baseAddress { start.copyMemory(from: source, byteCount: bytes.count) }
                used += bytes.count
                sqlite3_bind_text(statement, index, start.assumingMemoryBound(to: CChar.self), Int32(bytes.count), nil)
            } else {
                _ = bytes.withMemoryRebound(to: CChar.self) {
                    sqlite3_bind_text(statement, index, $0.baseAddress, Int32($0.count), Self.transient)
                }
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

    /// Binds `values[range]` to the parameters from `first` on, in order.
    func bind(_ values: [SQLValue], _ range: Range<Int>, from first: Int32) {
        var parameter = first
        for i in range {
            bind(parameter, values[i])
            parameter += 1
        }
    }

    /// Runs the statement, passing each row it returns to `row`, and resets it for the next use.
    func step(row: (OpaquePointer) -> Void = { _ in }) throws {
        var code = sqlite3_step(statement)
        defer {
            sqlite3_reset(statement)
            used = 0
        }
        while code == SQLITE_ROW {
            row(statement)
            code = sqlite3_step(statement)
        }
        guard code == SQLITE_DONE else {
            let message = connection.map { String(cString: sqlite3_errmsg($0)) } ?? "SQLite error"
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: message)
        }
    }

    /// Column `column` of the statement's current row.
    static func value(_ statement: OpaquePointer, column: Int32) -> SQLValue {
        switch sqlite3_column_type(statement, column) {
        case SQLITE_INTEGER: return .integer(sqlite3_column_int64(statement, column))
        case SQLITE_FLOAT: return .real(sqlite3_column_double(statement, column))
        case SQLITE_TEXT:
            // By length, not up to a NUL: text may hold one.
            let start = sqlite3_column_text(statement, column)
            let count = Int(sqlite3_column_bytes(statement, column))
            guard let start, count > 0 else { return .text("") }
            return .text(String(decoding: UnsafeBufferPointer(start: start, count: count), as: UTF8.self))
        case SQLITE_BLOB:
            let start = sqlite3_column_blob(statement, column)
            let count = Int(sqlite3_column_bytes(statement, column))
            guard let start, count > 0 else { return .blob([]) }
            return .blob(Array(UnsafeRawBufferPointer(start: start, count: count)))
        default: return .null(.text)
        }
    }
}
