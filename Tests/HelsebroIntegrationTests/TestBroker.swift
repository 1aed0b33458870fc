import Foundation
import HelsebroConfig
import HelsebroCore
import HelsebroJournal
import HelsebroMQTT
import HelsebroTestSupport
import Testing

/// A real mosquitto broker on loopback, in its own temporary folder, configured from `Tools/mosquitto.conf.template`.
final class TestBroker {
    let directory: String
    let port: Int
    var process: Process?
    var configuration: String { tlsFolder.map { $0 + "/mosquitto.conf" } ?? directory + "/mosquitto.conf" }
    /// With device TLS: the folder of `Tools/device-pki.sh` (CA, broker, helsebro and device certificates, ACL).
    var tlsFolder: String?

    /// How `helsebro serve` reaches this broker: plain, or over TLS with Helsebro's client certificate.
    var serveArguments: [String] {
        guard let pki = tlsFolder else { return ["--broker", "mqtt://127.0.0.1:\(port)"] }
        return [
            "--broker", "mqtts://127.0.0.1:\(port)", "--tls-ca", pki + "/ca.crt", "--tls-cert", pki + "/helsebro.crt",
            "--tls-key", pki + "/helsebro.key",
        ]
    }

    /// A broker with a TLS listener that requires a client certificate from the test CA and lets each device write
    /// only below its own topic (`Tools/device-pki.sh`), with certificates for `devices`.
    convenience init(deviceTLS devices: [String]) throws {
        try self.init(start: false)
        let pki = directory + "/pki"
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/bash")
        p.arguments = [repositoryRoot + "/Tools/device-pki.sh", pki, String(port)] + devices
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw TestFailure("Tools/device-pki.sh failed") }
        tlsFolder = pki
        try start()
    }

    init(start: Bool = true) throws {
        directory =
            FileManager.default.temporaryDirectory.appendingPathComponent("helsebro-it-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        port = freePort()
        let template = try String(contentsOfFile: repositoryRoot + "/Tools/mosquitto.conf.template", encoding: .utf8)
        let user = String(cString: getpwuid(getuid()).pointee.pw_name)
        let conf = template.replacingOccurrences(of: "@PORT@", with: String(port)).replacingOccurrences(
            of: "@DIR@", with: directory
        )
        .replacingOccurrences(of: "@USER@", with: user)
        try conf.write(toFile: directory + "/mosquitto.conf", atomically: true, encoding: .utf8)
        if start { try self.start() }
    }

    func start() throws {
        let p = Process()
        let mosquitto =
            ["/usr/sbin/mosquitto", "/usr/bin/mosquitto"].first { FileManager.default.isExecutableFile(atPath: $0) }
            ?? "/usr/sbin/mosquitto"
        // Through a launcher that clears the signal mask: a child of a Dispatch thread inherits blocked SIGTERM.
        p.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        p.arguments = ["-c", Self.unblockAndExec, mosquitto, "-c", configuration]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        process = p
        try waitUntil(10, "mosquitto to listen on \(port)") { canConnect() }
    }

    static let unblockAndExec =
        "import os, signal, sys; signal.pthread_sigmask(signal.SIG_SETMASK, []); os.execv(sys.argv[1], sys.argv[1:])"

    func canConnect() -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = UInt16(port).bigEndian
        return withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }

    func stop() {
        if let p = process, p.isRunning {
            p.terminate()
            let deadline = Date().addingTimeInterval(10)
            while p.isRunning && Date() < deadline { usleep(10_000) }
            if p.isRunning { kill(p.processIdentifier, SIGKILL) }
            p.waitUntilExit()
        }
        process = nil
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    func publisher(_ id: String = "test-pub-\(UUID().uuidString.prefix(8))") throws -> MQTTPublisher {
        try MQTTPublisher(host: "127.0.0.1", port: port, clientID: id)
    }
}

/// `helsebro serve` as a child process, so tests can SIGKILL it.
final class ServeProcess {
    let process = Process()
    let log: String

    init(
        broker: TestBroker, journal: String, environment: [String: String] = [:], maxBatch: Int = 200,
        clientID: String = "helsebro-it", extraArguments: [String] = []
    ) throws {
        let exe = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(
            "helsebro"
        ).path
        process.executableURL = URL(
            fileURLWithPath: FileManager.default.isExecutableFile(atPath: exe)
                ? exe : repositoryRoot + "/.build/debug/helsebro")
        process.arguments =
            [
                "serve", "--journal", journal, "--max-batch", String(maxBatch),
                "--client-id", clientID,
            ] + broker.serveArguments + (extraArguments.contains("--http") ? [] : ["--no-http"]) + extraArguments
        process.currentDirectoryURL = URL(fileURLWithPath: repositoryRoot)
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        process.environment = env
        log = broker.directory + "/serve-\(UUID().uuidString.prefix(6)).log"
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let handle = FileHandle(forWritingAtPath: log)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
    }

    /// Waits until the service has its subscription acknowledged, so that nothing is published into a session the
    /// broker does not yet route to Helsebro (a fresh session has no subscription before SUBACK).
    func waitUntilSubscribed() throws {
        try waitUntil(30, "helsebro serve to subscribe") {
            FileManager.default.contents(atPath: log).map { String(decoding: $0, as: UTF8.self).contains("subscribed") }
                ?? false
        }
    }

    /// The number after `committed=` in the service's last "stopped" line: what it journalled in this run.
    var committed: Int? {
        let log = FileManager.default.contents(atPath: log).map { String(decoding: $0, as: UTF8.self) } ?? ""
        return log.split(separator: "\n").last { $0.contains("helsebro serve: stopped") }.flatMap { line in
            line.firstRange(of: "committed=").flatMap { Int(line[$0.upperBound...].prefix { $0.isNumber }) }
        }
    }

    /// Set when the test itself ended the process, so `stop()` can tell a crash from a kill.
    var endedByTest = false

    func kill9() {
        endedByTest = true
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// The last lines of the service's log: with a crash, Swift's backtrace.
    func logTail(_ lines: Int = 60) -> String {
        let text = FileManager.default.contents(atPath: log).map { String(decoding: $0, as: UTF8.self) } ?? ""
        return text.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).joined(separator: "\n")
    }

    func stop() {
        if !process.isRunning && !endedByTest && process.terminationReason == .uncaughtSignal {
            Issue.record("helsebro serve died of signal \(process.terminationStatus):\n\(logTail())")
        }
        endedByTest = true
        if process.isRunning {
            process.interrupt()
            let deadline = Date().addingTimeInterval(10)
            while process.isRunning && Date() < deadline { usleep(10_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }
    }

    deinit { if process.isRunning { kill9() } }
}

/// Date Time (0x2A08) bytes of a UTC instant.
func gattDateTime(_ t: Timestamp) -> [UInt8] {
    let secs = t.seconds
    let days = secs / 86_400
    let (y, mo, d) = Timestamp.civil(days: days)
    let sod = Int(secs - days * 86_400)
    return [
        UInt8(y & 0xFF), UInt8(y >> 8), UInt8(mo), UInt8(d), UInt8(sod / 3600), UInt8(sod / 60 % 60), UInt8(sod % 60),
    ]
}

func now() -> Timestamp { Timestamp(microseconds: Int64(Date().timeIntervalSince1970 * 1_000_000)) }

/// A Blood Pressure Measurement with a time stamp: systolic, diastolic, MAP in mmHg.
func bloodPressure(_ sys: Int, _ dia: Int, _ map: Int, at t: Timestamp) -> [UInt8] {
    [0x02, UInt8(sys & 0xFF), UInt8(sys >> 8 & 0x0F), UInt8(dia), 0, UInt8(map), 0] + gattDateTime(t)
}

/// A temporary journal with one patient per device, paired since 2000: SQLite in `directory`, or a new database on
/// the test PostgreSQL when `HELSEBRO_TEST_JOURNAL=postgres`. Returns its `--journal` location and the journal.
func makeJournal(_ directory: String, devices: [(id: String, profile: String, firmware: String, patient: String)])
    throws -> (String, SQLJournal)
{
    let (path, journal) = try TestJournal.make(directory)
    var patients = Set<String>()
    for d in devices {
        if patients.insert(d.patient).inserted { try journal.addPatient(id: d.patient, name: nil) }
        try journal.addDevice(DeviceRecord(id: d.id, profile: d.profile, firmware: d.firmware))
        try journal.pair(Pairing(device: d.id, patient: d.patient, from: .year2000, to: nil))
    }
    return (path, journal)
}

/// The repository's device profiles and firmware specs.
func repositoryRegistry() -> Registry {
    Registry.load(
        profilesDirectory: repositoryRoot + "/DeviceProfiles", firmwareDirectory: repositoryRoot + "/Firmware-Specs")
}

/// An independent client (mosquitto_sub) listening on the alerts topic until it has `count` messages.
final class AlertListener {
    let process = Process()
    let outPath: String

    struct Message {
        var topic: String
        var json: [String: Any]?
    }

    init(broker: TestBroker, count: Int) throws {
        outPath = broker.directory + "/alerts-\(UUID().uuidString).out"
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        // stdbuf: mosquitto_sub's stdout is a file here, which it would otherwise buffer until it exits.
        process.executableURL = URL(fileURLWithPath: "/usr/bin/stdbuf")
        process.arguments = [
            "-oL", "/usr/bin/mosquitto_sub", "-p", String(broker.port), "-t", "helsebro/v1/alerts/#", "-q", "1", "-C",
            String(count), "-W", "60", "-v", "-d",
        ]
        process.standardOutput = FileHandle(forWritingAtPath: outPath)
        try process.run()
        // -d prints the SUBACK: publish only once the listener is subscribed.
        try waitUntil(20, "mosquitto_sub to subscribe") { self.output.contains("SUBACK") }
    }

    var output: String { String(decoding: FileManager.default.contents(atPath: outPath) ?? Data(), as: UTF8.self) }

    /// The alert messages so far.
    func messages() -> [Message] {
        output.split(separator: "\n").filter { $0.hasPrefix("helsebro/v1/alerts/") }.compactMap { line in
            guard let space = line.firstIndex(of: " ") else { return nil }
            let json = try? JSONSerialization.jsonObject(with: Data(line[line.index(after: space)...].utf8))
            return Message(topic: String(line[..<space]), json: json as? [String: Any])
        }
    }

    /// Waits until mosquitto_sub has its messages, or 60 s, then returns what it has. Not by its own `-W`
    /// timeout: started from the tests, a listener short of messages neither timed out nor stopped on SIGTERM
    /// (seen when a test was made to fail on purpose; most likely the signal mask it inherits), and the test hung.
    func waitForAll() -> [Message] {
        let deadline = Date().addingTimeInterval(60)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        stop()
        return messages()
    }

    /// SIGKILL: SIGTERM did not stop it (see `waitForAll`).
    func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}
