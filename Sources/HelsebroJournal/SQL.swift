import Foundation

/// The journal's SQL is written once, for SQLite and PostgreSQL alike: `?` placeholders (numbered for PostgreSQL by
/// its backend), `ON CONFLICT`, `RETURNING`, integers for booleans, and no function either lacks. These types are
/// what the journal sees of a database; `SQLiteDatabase` and the PostgreSQL backend provide them.

/// The type of a value as the journal stores it; a NULL keeps its type so that PostgreSQL can infer `? IS NULL`.
public enum SQLKind: Sendable, Hashable {
    case integer, real, text, blob
}

/// One value bound to a statement or read from a row.
public enum SQLValue: Sendable, Hashable {
    case null(SQLKind)
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])
}

/// A Swift value that can be bound to a `?`.
public protocol SQLBindable {
    static var sqlKind: SQLKind { get }
    var sqlValue: SQLValue { get }
}

/// A Swift value a column can be read as. Reading NULL or another type into a non-optional is a fault of the schema,
/// as in GRDB, which this mirrors.
public protocol SQLColumn {
    init(sql: SQLValue)
}

extension String: SQLBindable, SQLColumn {
    public static var sqlKind: SQLKind { .text }
    public var sqlValue: SQLValue { .text(self) }
    public init(sql: SQLValue) {
        guard case .text(let s) = sql else { preconditionFailure("expected text, found \(sql.kindName)") }
        self = s
    }
}

extension Int64: SQLBindable, SQLColumn {
    public static var sqlKind: SQLKind { .integer }
    public var sqlValue: SQLValue { .integer(self) }
    public init(sql: SQLValue) {
        guard case .integer(let i) = sql else { preconditionFailure("expected an integer, found \(sql.kindName)") }
        self = i
    }
}

extension Int: SQLBindable, SQLColumn {
    public static var sqlKind: SQLKind { .integer }
    public var sqlValue: SQLValue { .integer(Int64(self)) }
    public init(sql: SQLValue) { self = Int(Int64(sql: sql)) }
}

/// Stored as 0 or 1 in an integer column on both databases.
extension Bool: SQLBindable, SQLColumn {
    public static var sqlKind: SQLKind { .integer }
    public var sqlValue: SQLValue { .integer(self ? 1 : 0) }
    public init(sql: SQLValue) { self = Int64(sql: sql) != 0 }
}

extension Double: SQLBindable, SQLColumn {
    public static var sqlKind: SQLKind { .real }
    public var sqlValue: SQLValue { .real(self) }
    public init(sql: SQLValue) {
        switch sql {
        case .real(let d): self = d
        case .integer(let i): self = Double(i)
        default: preconditionFailure("expected a number, found \(sql.kindName)")
        }
    }
}

extension Data: SQLBindable, SQLColumn {
    public static var sqlKind: SQLKind { .blob }
    public var sqlValue: SQLValue { .blob([UInt8](self)) }
    public init(sql: SQLValue) { self = Data([UInt8](sql: sql)) }
}

extension Array: SQLBindable, SQLColumn where Element == UInt8 {
    public static var sqlKind: SQLKind { .blob }
    public var sqlValue: SQLValue { .blob(self) }
    public init(sql: SQLValue) {
        guard case .blob(let b) = sql else { preconditionFailure("expected a blob, found \(sql.kindName)") }
        self = b
    }
}

extension Optional: SQLBindable where Wrapped: SQLBindable {
    public static var sqlKind: SQLKind { Wrapped.sqlKind }
    public var sqlValue: SQLValue { self?.sqlValue ?? .null(Wrapped.sqlKind) }
}

extension Optional: SQLColumn where Wrapped: SQLColumn {
    public init(sql: SQLValue) {
        if case .null = sql { self = nil } else { self = Wrapped(sql: sql) }
    }
}

extension SQLValue {
    var kindName: String {
        switch self {
        case .null: "NULL"
        case .integer: "an integer"
        case .real: "a real"
        case .text: "text"
        case .blob: "a blob"
        }
    }
}

/// One result row, its columns by name.
public struct SQLRow: Sendable {
    /// Column index by name, shared by every row of one result.
    public final class Columns: Sendable {
        let index: [String: Int]
        public init(_ names: [String]) {
            var index: [String: Int] = [:]
            for (i, n) in names.enumerated() where index[n] == nil { index[n] = i }
            self.index = index
        }
    }

    let columns: Columns
    public let values: [SQLValue]

    public init(columns: Columns, values: [SQLValue]) {
        self.columns = columns
        self.values = values
    }

    public subscript<T: SQLColumn>(_ name: String) -> T {
        guard let i = columns.index[name] else { preconditionFailure("no column \(name) in the result") }
        return T(sql: values[i])
    }
}

/// Statements inside one read or one write transaction.
public protocol SQLSession {
    /// Runs a statement; returns the number of rows it changed.
    @discardableResult
    func execute(sql: String, arguments: [any SQLBindable]) throws -> Int
    func fetchAll(sql: String, arguments: [any SQLBindable]) throws -> [SQLRow]
    /// Serialises writers that touch the same thing until the transaction ends (PostgreSQL: an advisory lock;
    /// SQLite has one writer at a time already).
    func lock(_ key: String) throws
    /// Inserts many rows into `table`: `values` holds the rows one after another, each row's values in the order of
    /// `columns` (a flat array: the ingest batch made an array per reading before). With a key column, rows whose
    /// key already exists are skipped. Returns, per row, whether it was inserted. The ingest batch goes through
    /// here: a prepared statement per row or per chunk of rows in SQLite, one statement in PostgreSQL.
    func insertMany(
        into table: String, columns: [String], values: [SQLValue], ignoringConflictsOn key: String?
    ) throws -> [Bool]
}

extension SQLSession {
    @discardableResult
    public func execute(sql: String) throws -> Int { try execute(sql: sql, arguments: []) }

    /// How many rows of `columns` the flat `values` of `insertMany` hold; they must be whole rows.
    public func wholeRows(of values: [SQLValue], columns: [String]) -> Int {
        precondition(
            !columns.isEmpty && values.count % columns.count == 0, "the values are not whole rows of the columns")
        return values.count / columns.count
    }

    /// `insertMany(into:columns:values:ignoringConflictsOn:)` with a row an array.
    public func insertMany(
        into table: String, columns: [String], rows: [[SQLValue]], ignoringConflictsOn key: String?
    ) throws -> [Bool] {
        precondition(rows.allSatisfy { $0.count == columns.count }, "a row's values do not match the columns")
        return try insertMany(into: table, columns: columns, values: rows.flatMap { $0 }, ignoringConflictsOn: key)
    }

    public func fetchAll(sql: String) throws -> [SQLRow] { try fetchAll(sql: sql, arguments: []) }

    public func fetchOne(sql: String, arguments: [any SQLBindable] = []) throws -> SQLRow? {
        try fetchAll(sql: sql, arguments: arguments).first
    }

    /// The first column of the first row; nil without a row or for NULL.
    public func scalar<T: SQLColumn>(_ type: T.Type, sql: String, arguments: [any SQLBindable] = []) throws -> T? {
        guard let row = try fetchOne(sql: sql, arguments: arguments), let value = row.values.first else { return nil }
        if case .null = value { return nil }
        return T(sql: value)
    }

    /// Runs an `INSERT ... RETURNING id` and returns the id.
    public func insertReturningID(sql: String, arguments: [any SQLBindable]) throws -> Int64 {
        guard let id = try scalar(Int64.self, sql: sql + " RETURNING id", arguments: arguments) else {
            throw JournalError(.storage, "an insert returned no id")
        }
        return id
    }
}

/// A database the journal runs on.
public protocol SQLDatabase: Sendable {
    func read<T>(_ body: (any SQLSession) throws -> T) throws -> T
    /// Tries to hold the lock `key` for as long as this process keeps its connection (PostgreSQL: a session advisory
    /// lock on a connection of its own, released by the server when the connection ends, as when the process dies).
    /// True while held. A single-machine database is held by its one writer.
    func holdLeadership(_ key: Int64) throws -> Bool
    /// One transaction: committed when `body` returns, rolled back when it throws.
    func write<T>(_ body: (any SQLSession) throws -> T) throws -> T
    /// The journal's error for a failure of this database: what is safe to log, and whether the journal itself is
    /// at fault (see `JournalError.isJournalFault`). `constraint` says what a failed constraint means here.
    func journalError(_ error: any Error, doing what: String, constraint: String) -> JournalError
    /// True when `SQLJournal.write` fills the table `reading_by_patient` and advances `reading_index_mark`; false
    /// when the database keeps its own index of `reading` by patient and time (PostgreSQL: several writers).
    var writerIndexesReadingsByPatient: Bool { get }
}
