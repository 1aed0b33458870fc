import Foundation
import HelsebroJournal
import HelsebroPostgres

/// Which journal the integration tests run on: SQLite (default), or PostgreSQL with `HELSEBRO_TEST_JOURNAL=postgres`
/// (`Tools/test.sh` runs this suite both ways).
public enum TestJournal {
    public static let isPostgres = ProcessInfo.processInfo.environment["HELSEBRO_TEST_JOURNAL"] == "postgres"

    /// A new, empty journal: a file in `directory`, or a new database on the test server. Returns its `--journal`
    /// location and the journal.
    public static func make(_ directory: String) throws -> (String, SQLJournal) {
        let location = isPostgres ? try TestPostgres.shared().newDatabase() : "sqlite:" + directory + "/journal.sqlite"
        return (location, try open(location))
    }

    /// Opens the journal at a location `make` returned.
    public static func open(_ location: String) throws -> SQLJournal {
        guard let journal = try SQLJournal.open(location: location) else {
            throw TestFailure("not a journal: \(location)")
        }
        return journal
    }

    /// Runs SQL on the journal at `location` (`sqlite:` or `postgres://`): the statements for its kind.
    public static func runSQL(_ location: String, sqlite: String, postgres: String) throws {
        if location.hasPrefix("sqlite:") {
            try HelsebroTestSupport.sqlite(String(location.dropFirst(7)), sqlite)
        } else {
            try TestPostgres.shared().psql(location, postgres)
        }
    }
}

/// A PostgreSQL server for the tests (Debian's `postgresql`, installed by `Tools/setup.sh`): initdb into a temporary
/// folder, on loopback and a free port, trust authentication; started once per test process on first use, with a
/// new database per journal, and stopped when the process exits.
public final class TestPostgres: @unchecked Sendable {
    let directory: String
    let port: Int
    let bin: String
    let process = Process()
    var databases = 0
    let lock = NSLock()

    nonisolated(unsafe) static var instance: Result<TestPostgres, any Error>?
    static let instanceLock = NSLock()

    public static func shared() throws -> TestPostgres {
        instanceLock.lock()
        defer { instanceLock.unlock() }
        if instance == nil {
            instance = Result { try TestPostgres() }
        }
        return try instance!.get()
    }

    /// The server's programs: Debian puts them in /usr/lib/postgresql/VERSION/bin.
    static func binDirectory() throws -> String {
        let root = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).compactMap(Int.init)
            .sorted()
        guard let v = versions.last else {
            throw TestFailure("PostgreSQL is not installed (Debian's postgresql; Tools/setup.sh installs it)")
        }
        return "\(root)/\(v)/bin"
    }

    /// initdb and postgres refuse to run as root: then they run as the `postgres` user the Debian package made.
    static var asRoot: Bool { getuid() == 0 }

    func command(_ tool: String, _ arguments: [String]) -> (String, [String]) {
        Self.asRoot
            ? ("/usr/sbin/runuser", ["-u", "postgres", "--", bin + "/" + tool] + arguments)
            : (bin + "/" + tool, arguments)
    }

    init() throws {
        bin = try Self.binDirectory()
        directory =
            FileManager.default.temporaryDirectory.appendingPathComponent("helsebro-pg-\(UUID().uuidString.prefix(8))")
            .path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        if Self.asRoot {
            guard let pw = getpwnam("postgres") else { throw TestFailure("no 'postgres' user to run PostgreSQL as") }
            chown(directory, pw.pointee.pw_uid, pw.pointee.pw_gid)
        }
        port = freePort()
        let (initdb, initArgs) = command(
            "initdb", ["-D", directory + "/data", "-A", "trust", "-U", "helsebro", "-E", "UTF8", "--no-sync"])
        let status = try runStatus(initdb, initArgs)
        guard status.status == 0 else { throw TestFailure("initdb failed: \(status.output)") }
        // The server is stopped when the test process is gone (Swift Testing ends the process without running
        // atexit handlers): a shell beside it watches for that, then asks for a fast shutdown and removes the folder.
        let script = """
            "$0" -D "$1/data" -p "$2" -k "$1" -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200 &
            pg=$!
            while [ -d /proc/$3 ] && kill -0 $pg 2>/dev/null; do sleep 1; done
            kill -INT $pg 2>/dev/null; wait $pg; rm -rf "$1"
            """
        let arguments = ["-c", script, bin + "/postgres", directory, String(port), String(getpid())]
        process.executableURL = URL(fileURLWithPath: Self.asRoot ? "/usr/sbin/runuser" : "/bin/sh")
        process.arguments = Self.asRoot ? ["-u", "postgres", "--", "/bin/sh"] + arguments : arguments
        let log = directory + "/postgres.log"
        FileManager.default.createFile(atPath: log, contents: nil)
        if Self.asRoot, let pw = getpwnam("postgres") { chown(log, pw.pointee.pw_uid, pw.pointee.pw_gid) }
        let handle = FileHandle(forWritingAtPath: log)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        let (ready, readyArgs) = (bin + "/pg_isready", ["-h", "127.0.0.1", "-p", String(port), "-U", "helsebro"])
        try waitUntil(60, "PostgreSQL to accept connections") {
            guard process.isRunning else {
                throw TestFailure("postgres exited: " + ((try? String(contentsOfFile: log, encoding: .utf8)) ?? ""))
            }
            return (try? runStatus(ready, readyArgs))?.status == 0
        }
    }

    /// A new empty database; its URL.
    public func newDatabase() throws -> String {
        lock.lock()
        databases += 1
        let name = "journal_\(getpid())_\(databases)"
        lock.unlock()
        try psql("postgres://helsebro@127.0.0.1:\(port)/postgres", "CREATE DATABASE \(name)")
        return "postgres://helsebro@127.0.0.1:\(port)/\(name)"
    }

    public func psql(_ url: String, _ sql: String) throws {
        let r = try runStatus(bin + "/psql", ["-v", "ON_ERROR_STOP=1", "-q", "-d", url, "-c", sql])
        guard r.status == 0 else { throw TestFailure("psql failed: \(r.output)") }
    }

}
