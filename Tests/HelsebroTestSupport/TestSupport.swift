import Foundation
import HelsebroJournal
import HelsebroPostgres

// What the integration and command-line tests share: processes, ports, waiting, the journal they run on.

public let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().path

/// A free TCP port on loopback (bound to port 0, read back, released).
public func freePort() -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    addr.sin_port = 0
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    withUnsafeMutablePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            _ = bind(fd, $0, len)
            _ = getsockname(fd, $0, &len)
        }
    }
    return Int(UInt16(bigEndian: addr.sin_port))
}

/// Waits until `condition` holds, polling; fails after `seconds`.
public func waitUntil(_ seconds: Double = 30, _ what: String, _ condition: () throws -> Bool) throws {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try condition() { return }
        usleep(20_000)
    }
    throw TestFailure("timed out after \(seconds) s waiting for \(what)")
}

public struct TestFailure: Error, CustomStringConvertible {
    public var description: String
    public init(_ d: String) { description = d }
}

public func helsebroExecutable() -> String {
    let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(
        "helsebro"
    ).path
    return FileManager.default.isExecutableFile(atPath: beside) ? beside : repositoryRoot + "/.build/debug/helsebro"
}

/// Runs a program; its standard output and error together, and its exit status.
public func runStatus(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: executable)
    p.arguments = arguments
    let pipe = Pipe()
    p.standardOutput = pipe
    p.standardError = pipe
    try p.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: data, as: UTF8.self))
}

public func run(_ executable: String, _ arguments: [String]) throws -> String {
    try runStatus(executable, arguments).output
}

/// Runs SQL on a journal file with Python's sqlite3 (an outsider with the file, not Helsebro).
public func sqlite(_ path: String, _ sql: String) throws {
    let r = try runStatus(
        "/usr/bin/env",
        [
            "python3", "-c",
            "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.executescript(sys.argv[2]); c.commit()", path,
            sql,
        ])
    if r.status != 0 { throw SQLFailure(message: r.output) }
}

public struct SQLFailure: Error { public var message: String }

/// Runs `body` with a new temporary folder, removed afterwards.
public func withTemporaryDirectory<T>(_ prefix: String, _ body: (String) throws -> T) throws -> T {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    return try body(dir)
}
