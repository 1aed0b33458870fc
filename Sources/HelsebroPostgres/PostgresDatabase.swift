import Foundation
import HelsebroJournal
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO
import Synchronization

/// The journal's PostgreSQL, through postgres-nio: one journal for several Helsebro instances and the record
/// systems that read it.
///
/// The journal's operations are synchronous (the ingest thread, the tick, the HTTP handlers call them and wait), so
/// each waits for its query on a small event loop of its own, never on one of the callers' loops. Connections are
/// kept for reuse; a write is one transaction on one connection. A connection that failed is dropped and a new one
/// made on the next call, so a restarted server is reconnected to without restarting Helsebro.
public final class PostgresDatabase: SQLDatabase {
    let configuration: PostgresConnection.Configuration
    let logger: Logger
    let idle = Mutex<[PostgresConnection]>([])
    let numbered = Mutex<[String: String]>([:])
    let nextID = Atomic<Int>(0)
    /// The connection that holds (or tries for) the leadership lock, and whether it holds it.
    let leadership = Mutex<(connection: PostgresConnection?, held: Bool)>((nil, false))
    /// Connections kept idle for reuse; more are made when more callers wait at once, and closed after.
    static let keepIdle = 4
    /// One loop thread for every journal in the process; nothing else runs on it, so waiting on it is safe.
    static let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)

    /// Connects to `url` (`postgres://user[:password]@host[:port]/database[?sslmode=require]`) and applies the
    /// journal's migrations.
    public init(url: String, logger: Logger = Logger(label: "helsebro.postgres")) throws {
        configuration = try Self.configuration(url: url)
        var quiet = logger
        quiet.logLevel = max(logger.logLevel, .notice)
        self.logger = quiet
        try migrate()
    }

    deinit {
        // A connection must be closed before it is released (postgres-nio asserts it): kept until closing completes.
        var connections = idle.withLock { $0 }
        if let c = leadership.withLock({ $0.connection }) { connections.append(c) }
        for c in connections { c.close().whenComplete { _ in withExtendedLifetime(c) {} } }
    }

    /// `postgres://` or `postgresql://` URLs, as libpq reads them (user, password, host, port, database,
    /// `sslmode=require` for TLS).
    public static func configuration(url: String) throws -> PostgresConnection.Configuration {
        guard let c = URLComponents(string: url), c.scheme == "postgres" || c.scheme == "postgresql",
            let host = c.host, !host.isEmpty
        else {
            throw JournalError(
                .invalidArgument, "a PostgreSQL journal is postgres://user[:password]@host[:port]/database")
        }
        let database = c.path.hasPrefix("/") ? String(c.path.dropFirst()) : c.path
        let tls: PostgresConnection.Configuration.TLS
        switch c.queryItems?.first(where: { $0.name == "sslmode" })?.value ?? "disable" {
        case "disable": tls = .disable
        case "require", "verify-full":
            tls = .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
        case let other:
            throw JournalError(.invalidArgument, "sslmode=\(other) is not supported: use disable or require")
        }
        return PostgresConnection.Configuration(
            host: host, port: c.port ?? 5432, username: c.user ?? "postgres", password: c.password,
            database: database.isEmpty ? nil : database, tls: tls)
    }

    func connect() throws -> PostgresConnection {
        try PostgresConnection.connect(
            on: Self.group.next(), configuration: configuration, id: nextID.add(1, ordering: .relaxed).newValue,
            logger: logger
        ).wait()
    }

    func withConnection<T>(_ body: (PostgresSession) throws -> T) throws -> T {
        // An idle connection the server ended meanwhile (restart, failover, terminated backend) is not reused.
        var reused: PostgresConnection?
        while let c = idle.withLock({ $0.popLast() }) {
            if !c.isClosed {
                reused = c
                break
            }
        }
        let connection = try reused ?? connect()
        let session = PostgresSession(connection: connection, database: self)
        defer { release(connection, broken: session.broken) }
        return try body(session)
    }

    func release(_ connection: PostgresConnection, broken: Bool = false) {
        if broken { connection.close().whenComplete { _ in withExtendedLifetime(connection) {} } }
        guard !connection.isClosed, !broken else { return }
        let kept = idle.withLock { idle in
            guard idle.count < Self.keepIdle else { return false }
            idle.append(connection)
            return true
        }
        if !kept { connection.close().whenComplete { _ in withExtendedLifetime(connection) {} } }
    }

    /// Several instances write readings: PostgreSQL keeps the readings-by-patient index itself.
    public var writerIndexesReadingsByPatient: Bool { false }

    public func holdLeadership(_ key: Int64) throws -> Bool {
        let (current, held) = leadership.withLock { ($0.connection, $0.held) }
        if let c = current, !c.isClosed {
            if held {
                // Still held while the connection that took it answers; otherwise the server has released it.
                if (try? c.query("SELECT 1", logger: logger).wait()) != nil { return true }
            } else {
                let rows = try c.query("SELECT pg_try_advisory_lock(\(key))", logger: logger).wait().rows
                let got = try rows.first?.decode(Bool.self) ?? false
                leadership.withLock { $0.held = got }
                return got
            }
        }
        // No connection, or it failed: leadership (if any) is lost; the next call tries again on a new one.
        current?.close().whenComplete { _ in withExtendedLifetime(current) {} }
        leadership.withLock { $0 = (nil, false) }
        if held { return false }
        let c = try connect()
        // The server must notice a holder whose machine died without closing the connection (a killed process
        // closes it; a lost machine or network does not): TCP keepalive probes end the session, and release the
        // lock, about 25 seconds after the peer went silent instead of the system's two hours.
        _ = try c.query("SET tcp_keepalives_idle = 10", logger: logger).wait()
        _ = try c.query("SET tcp_keepalives_interval = 5", logger: logger).wait()
        _ = try c.query("SET tcp_keepalives_count = 3", logger: logger).wait()
        leadership.withLock { $0 = (c, false) }
        return try holdLeadership(key)
    }

    public func read<T>(_ body: (any SQLSession) throws -> T) throws -> T {
        try withConnection { try body($0) }
    }

    public func write<T>(_ body: (any SQLSession) throws -> T) throws -> T {
        try withConnection { session in
            try session.simple("BEGIN")
            do {
                let result = try body(session)
                try session.simple("COMMIT")
                return result
            } catch {
                // A connection left inside a failed transaction would fail its next user: closed instead.
                do { try session.simple("ROLLBACK") } catch { session.broken = true }
                throw error
            }
        }
    }

    func migrate() throws {
        try write { session in
            let s = session as! PostgresSession
            // Instances starting together: one migrates, the others wait here and then find it done.
            try s.simple("SELECT pg_advisory_xact_lock(7140001)")
            try s.simple(
                "CREATE TABLE IF NOT EXISTS schema_migration (name TEXT PRIMARY KEY, applied_us BIGINT NOT NULL)")
            let applied = Set(try s.fetchAll(sql: "SELECT name FROM schema_migration").map { $0["name"] as String })
            for m in PostgresSchema.migrations where !applied.contains(m.name) {
                try s.simple(m.sql)
                try s.execute(
                    sql: "INSERT INTO schema_migration (name, applied_us) VALUES (?, ?)",
                    arguments: [m.name, Int64(Date().timeIntervalSince1970 * 1_000_000)])
            }
        }
    }

    /// `?` placeholders numbered `$1`, `$2`, ... as PostgreSQL wants them (not inside quoted text).
    func numberedSQL(_ sql: String) -> String {
        if let known = numbered.withLock({ $0[sql] }) { return known }
        var out = ""
        out.reserveCapacity(sql.utf8.count + 16)
        var n = 0
        var quoted = false
        for ch in sql {
            if ch == "'" { quoted.toggle() }
            if ch == "?" && !quoted {
                n += 1
                out += "$\(n)"
            } else {
                out.append(ch)
            }
        }
        numbered.withLock { cache in
            if cache.count > 1000 { cache.removeAll() }
            cache[sql] = out
        }
        return out
    }

    /// A PostgreSQL failure in words an operator can act on, never the statement's values: the SQLSTATE, and the
    /// server's text except for classes 22 and 23 (a value the column cannot hold, a constraint), whose text can
    /// quote the values, which may be patient data; or why the server could not be reached.
    public static func describe(_ error: any Error) -> String {
        guard let p = error as? PSQLError else { return "\(error)" }
        guard p.code == .server, let state = p.serverInfo?[.sqlState] else {
            // Not an answer from the server: the connection could not be made or was lost.
            return "PostgreSQL cannot be reached (\(p.code)\(p.underlying.map { ": \($0)" } ?? ""))"
        }
        if state.hasPrefix("22") || state.hasPrefix("23") {
            return "PostgreSQL \(state)\(p.serverInfo?[.constraintName].map { ", \($0)" } ?? "")"
        }
        return "PostgreSQL \(state): \(p.serverInfo?[.message] ?? "error")"
    }

    public func journalError(_ error: any Error, doing what: String, constraint: String) -> JournalError {
        if let e = error as? JournalError { return e }
        let state = (error as? PSQLError).flatMap { $0.code == .server ? $0.serverInfo?[.sqlState] : nil } ?? ""
        if state.hasPrefix("23") {
            return JournalError(
                .alreadyExists, "\(what) refused: \(constraint) (\(Self.describe(error)))", underlying: error)
        }
        if state.hasPrefix("22") {
            return JournalError(
                .invalidArgument,
                "\(what) refused by the journal: a value PostgreSQL cannot hold (\(Self.describe(error)))",
                underlying: error)
        }
        return JournalError(.storage, "\(what) failed in the journal: \(Self.describe(error))", underlying: error)
    }
}

/// One connection, inside a transaction for writes.
final class PostgresSession: SQLSession {
    let connection: PostgresConnection
    let database: PostgresDatabase
    /// Set when the connection must not be reused.
    var broken = false

    init(connection: PostgresConnection, database: PostgresDatabase) {
        self.connection = connection
        self.database = database
    }

    /// Statements without arguments, separated by `;` (postgres-nio prepares each query, one statement at a time).
    func simple(_ sql: String) throws {
        for statement in Self.statements(sql) {
            _ = try query(numbered: statement, [])
        }
    }

    /// Splits a script at the `;` that end statements: not inside quotes, `$$` bodies or `--` comments.
    static func statements(_ sql: String) -> [String] {
        var result: [String] = []
        var current = ""
        var quoted = false
        var dollar = false
        var comment = false
        var previous: Character = " "
        for ch in sql {
            if comment {
                if ch == "\n" { comment = false }
                previous = ch
                continue
            }
            if !quoted && !dollar && previous == "-" && ch == "-" {
                current.removeLast()
                comment = true
                previous = ch
                continue
            }
            if ch == "'" && !dollar { quoted.toggle() }
            if ch == "$" && previous == "$" && !quoted { dollar.toggle() }
            if ch == ";" && !quoted && !dollar {
                let trimmed = current.trimmingCharacters(in: .whitespacesAndNewlines)
                if !trimmed.isEmpty { result.append(trimmed) }
                current = ""
            } else {
                current.append(ch)
            }
            previous = ch
        }
        let trimmed = current.trimmingCharacters(in: .whitespacesAndNewlines)
        if !trimmed.isEmpty { result.append(trimmed) }
        return result
    }

    func query(numbered sql: String, _ values: [SQLValue]) throws -> PostgresQueryResult {
        var binds = PostgresBindings(capacity: values.count)
        for v in values {
            switch v {
            case .integer(let i): binds.append(i)
            case .real(let d): binds.append(d)
            case .text(let s): binds.append(s)
            case .blob(let b): binds.append(ByteBuffer(bytes: b))
            case .null(let kind):
                let type: PostgresDataType =
                    switch kind {
                    case .integer: .int8
                    case .real: .float8
                    case .text: .text
                    case .blob: .bytea
                    }
                binds.append(PostgresData(type: type, value: nil))
            }
        }
        return try connection.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: database.logger).wait()
    }

    func execute(sql: String, arguments: [any SQLBindable]) throws -> Int {
        try query(numbered: database.numberedSQL(sql), arguments.map(\.sqlValue)).metadata.rows ?? 0
    }

    func fetchAll(sql: String, arguments: [any SQLBindable]) throws -> [SQLRow] {
        Self.rows(try query(numbered: database.numberedSQL(sql), arguments.map(\.sqlValue)))
    }

    func lock(_ key: String) throws {
        _ = try query(numbered: "SELECT 1 FROM pg_advisory_xact_lock(hashtext($1))", [.text(key)])
    }

    func insertMany(
        into table: String, columns: [String], values: [SQLValue], ignoringConflictsOn key: String?
    ) throws -> [Bool] {
        let width = columns.count
        let rowCount = wholeRows(of: values, columns: columns)
        guard rowCount > 0 else { return [] }
        // Multi-row VALUES, at most 60,000 parameters a statement (PostgreSQL takes 65,535).
        let perStatement = max(1, 60_000 / width)
        let keyIndex = key.flatMap { columns.firstIndex(of: $0) }
        var inserted: [Bool] = []
        inserted.reserveCapacity(rowCount)
        var start = 0
        while start < rowCount {
            let rows = start..<min(rowCount, start + perStatement)
            var sql = "INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES "
            var n = 0
            for i in 0..<rows.count {
                if i > 0 { sql += ", " }
                sql += "("
                for c in 0..<width {
                    n += 1
                    sql += c == 0 ? "$\(n)" : ", $\(n)"
                }
                sql += ")"
            }
            let arguments = Array(values[rows.lowerBound * width..<rows.upperBound * width])
            if let keyIndex {
                sql += " ON CONFLICT (\(columns[keyIndex])) DO NOTHING RETURNING \(columns[keyIndex])"
                var returned = Set(Self.rows(try query(numbered: sql, arguments)).map { $0.values[0] })
                for row in rows { inserted.append(returned.remove(values[row * width + keyIndex]) != nil) }
            } else {
                _ = try query(numbered: sql, arguments)
                inserted += repeatElement(true, count: rows.count)
            }
            start = rows.upperBound
        }
        return inserted
    }

    static func rows(_ result: PostgresQueryResult) -> [SQLRow] {
        guard let first = result.rows.first else { return [] }
        let columns = SQLRow.Columns(first.map(\.columnName))
        return result.rows.map { row in SQLRow(columns: columns, values: row.map(value)) }
    }

    static func value(_ cell: PostgresCell) -> SQLValue {
        guard var bytes = cell.bytes else { return .null(.text) }
        do {
            switch cell.dataType {
            case .int2, .int4, .int8: return .integer(try cell.decode(Int64.self))
            case .bool: return .integer(try cell.decode(Bool.self) ? 1 : 0)
            case .float4, .float8: return .real(try cell.decode(Double.self))
            case .bytea: return .blob(bytes.readBytes(length: bytes.readableBytes) ?? [])
            default: return .text(try cell.decode(String.self))
            }
        } catch {
            // A column type the journal does not use: read as text.
            return .text(bytes.readString(length: bytes.readableBytes) ?? "")
        }
    }
}
