import Foundation
import HelsebroCore
import HelsebroJournal
import HelsebroMQTT
import HelsebroTestSupport
import Testing

/// Journal faults and shutdown, with `helsebro serve`, a real mosquitto broker and a real SQLite journal: the service
/// stops taking messages while the journal cannot be written, says so, resumes by itself, and loses nothing.
@Suite("Faults, shutdown and logs against a real broker and journal", .serialized)
struct FaultIntegrationTests {
    static let devices = [(id: "cuff-1", profile: "bp-cuff-ua200", firmware: "bp-cuff-ua200-fw2", patient: "patient-a")]

    /// Publishes `count` blood-pressure messages with seq `first…`, one reading time each.
    static func publish(_ port: Int, first: Int, count: Int) throws {
        let pub = try MQTTPublisher(host: "127.0.0.1", port: port, clientID: "fault-pub-\(UUID().uuidString.prefix(8))")
        defer { pub.close() }
        let base = now().seconds - 7200
        for i in first..<(first + count) {
            try pub.publish(
                topic: "helsebro/v1/devices/cuff-1/gatt/2a35",
                payload: bloodPressure(100 + i % 80, 60 + i % 30, 80 + i % 40, at: Timestamp(seconds: base + Int64(i))),
                userProperties: [("seq", String(i))])
        }
        #expect(pub.flush())
    }

    static func stats(_ path: String) throws -> String {
        try runStatus(helsebroExecutable(), ["stats", "--journal", path]).output
    }

    static func logText(_ serve: ServeProcess) -> String {
        FileManager.default.contents(atPath: serve.log).map { String(decoding: $0, as: UTF8.self) } ?? ""
    }

    /// Every message once, with its three readings at its own time.
    static func expectExactlyOnce(_ journal: SQLJournal, _ total: Int) throws {
        let s = try journal.statistics()
        #expect(s.messages == total && s.readings == 3 * total)
        let systolic = try journal.readings(patient: "patient-a", since: nil).filter { $0.reading.metric == "systolic" }
        #expect(systolic.count == total && Set(systolic.map(\.reading.time)).count == total)
    }

    @Test(
        "a locked journal: no messages taken, the log and stats say why, ingest resumes by itself, nothing lost",
        .disabled(if: TestJournal.isPostgres, "SQLite's file lock; PostgreSQL's own is the test below"))
    func lockedJournal() throws {
        let broker = try TestBroker()
        let (path, journal) = try makeJournal(broker.directory, devices: Self.devices)
        let serve = try ServeProcess(broker: broker, journal: path, maxBatch: 20)
        defer { serve.stop() }
        try serve.waitUntilSubscribed()
        try Self.publish(broker.port, first: 0, count: 50)
        try waitUntil(30, "the first 50 messages") { try journal.statistics().messages == 50 }
        #expect(try Self.stats(path).contains("ingest: running"))

        // Another process takes the journal's write lock and keeps it until told to let go.
        let release = broker.directory + "/release-lock"
        let locker = Process()
        locker.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        locker.arguments = [
            "-c",
            """
            import os, sqlite3, time
            c = sqlite3.connect('\(path.dropFirst("sqlite:".count))', isolation_level=None)
            c.execute('BEGIN EXCLUSIVE')
            print('locked', flush=True)
            while not os.path.exists('\(release)'): time.sleep(0.05)
            c.execute('ROLLBACK')
            """,
        ]
        let lockerOut = Pipe()
        locker.standardOutput = lockerOut
        try locker.run()
        defer { if locker.isRunning { locker.terminate() } }
        _ = lockerOut.fileHandleForReading.availableData  // "locked"

        try Self.publish(broker.port, first: 50, count: 150)
        try waitUntil(60, "the service to say it stopped taking messages") {
            Self.logText(serve).contains("the journal cannot be written: stopped taking messages from the broker")
        }
        let paused = try Self.stats(path)
        #expect(paused.contains("ingest: PAUSED") && paused.contains("database is locked"))
        #expect(try journal.statistics().messages == 50)

        FileManager.default.createFile(atPath: release, contents: nil)
        locker.waitUntilExit()
        try waitUntil(90, "all 200 messages after the lock is gone") { try journal.statistics().messages == 200 }
        try Self.expectExactlyOnce(journal, 200)
        #expect(Self.logText(serve).contains("the journal can be written again"))
        #expect(try Self.stats(path).contains("ingest: running"))
    }

    @Test(
        "PostgreSQL unreachable: no messages taken, ingest resumes when it is back, nothing lost",
        .enabled(if: TestJournal.isPostgres, "PostgreSQL's own fault; the SQLite one is the locked journal above"))
    func journalUnreachable() throws {
        let broker = try TestBroker()
        let (location, journal) = try makeJournal(broker.directory, devices: Self.devices)
        let serve = try ServeProcess(broker: broker, journal: location, maxBatch: 50)
        defer { serve.stop() }
        try serve.waitUntilSubscribed()
        try Self.publish(broker.port, first: 0, count: 300)
        try waitUntil(60, "the first 300 messages") { try journal.statistics().messages == 300 }
        // The server refuses the journal's database and ends every connection to it, as a failover would.
        let database = String(location.split(separator: "/").last!)
        let admin = location.replacingOccurrences(of: "/" + database, with: "/postgres")
        let server = try TestPostgres.shared()
        try server.psql(admin, "ALTER DATABASE \(database) ALLOW_CONNECTIONS false")
        try server.psql(
            admin, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '\(database)'")
        try Self.publish(broker.port, first: 300, count: 500)
        try waitUntil(60, "the service to say it stopped taking messages") {
            Self.logText(serve).contains("the journal cannot be written: stopped taking messages from the broker")
        }
        try server.psql(admin, "ALTER DATABASE \(database) ALLOW_CONNECTIONS true")
        try waitUntil(90, "all 800 messages once PostgreSQL is back") { try journal.statistics().messages == 800 }
        try Self.expectExactlyOnce(journal, 800)
        #expect(Self.logText(serve).contains("the journal can be written again"))
    }

    static var canMountTmpfs: Bool {
        guard getuid() == 0 else { return false }
        let probe = NSTemporaryDirectory() + "helsebro-mount-probe-\(getpid())"
        try? FileManager.default.createDirectory(atPath: probe, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: probe) }
        guard run("/bin/mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", probe]) == 0 else { return false }
        return run("/bin/umount", [probe]) == 0
    }

    @discardableResult
    static func run(_ tool: String, _ arguments: [String]) -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = arguments
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        guard (try? p.run()) != nil else { return -1 }
        p.waitUntilExit()
        return p.terminationStatus
    }

    @Test(
        "a full disk: no messages taken, the log and stats say why, ingest resumes when space is freed, nothing lost",
        .enabled(if: canMountTmpfs, "needs root to mount a size-limited tmpfs"),
        .disabled(if: TestJournal.isPostgres, "a full disk under SQLite's file"))
    func fullDisk() throws {
        let broker = try TestBroker()
        let disk = broker.directory + "/small-disk"
        try FileManager.default.createDirectory(atPath: disk, withIntermediateDirectories: true)
        #expect(Self.run("/bin/mount", ["-t", "tmpfs", "-o", "size=16m", "tmpfs", disk]) == 0)
        defer { Self.run("/bin/umount", ["-l", disk]) }
        let (path, journal) = try makeJournal(disk, devices: Self.devices)
        let serve = try ServeProcess(broker: broker, journal: path, maxBatch: 20)
        defer { serve.stop() }
        try serve.waitUntilSubscribed()
        try Self.publish(broker.port, first: 0, count: 50)
        try waitUntil(30, "the first 50 messages") { try journal.statistics().messages == 50 }

        // Fill the file system to the last block.
        Self.run("/bin/dd", ["if=/dev/zero", "of=\(disk)/filler", "bs=4096"])
        try Self.publish(broker.port, first: 50, count: 1000)
        try waitUntil(60, "the service to say it stopped taking messages") {
            Self.logText(serve).contains("the journal cannot be written: stopped taking messages from the broker")
        }
        let paused = try Self.stats(path)
        #expect(paused.contains("ingest: PAUSED") && paused.contains("disk is full"))

        try FileManager.default.removeItem(atPath: disk + "/filler")
        try waitUntil(90, "all 1050 messages once space is freed") { try journal.statistics().messages == 1050 }
        try Self.expectExactlyOnce(journal, 1050)
        #expect(Self.logText(serve).contains("the journal can be written again"))
    }

    @Test(
        "a message the journal refuses and an oversized payload are quarantined, refused alert transitions dropped; ingest never pauses"
    )
    func poisonMessage() throws {
        let broker = try TestBroker()
        let (path, journal) = try makeJournal(
            broker.directory,
            devices: Self.devices + [
                (id: "cuff-2", profile: "bp-cuff-ua200", firmware: "bp-cuff-ua200-fw2", patient: "patient-b"),
                (id: "cuff-3", profile: "bp-cuff-ua200", firmware: "bp-cuff-ua200-fw2", patient: "patient-c"),
            ])
        // The journal refuses cuff-2's readings (a trigger, as a constraint a message could break would).
        try TestJournal.runSQL(
            path,
            sqlite: """
                CREATE TRIGGER poison BEFORE INSERT ON reading WHEN NEW.device = 'cuff-2' BEGIN SELECT RAISE(ABORT, 'refused by the test'); END;
                CREATE TRIGGER no_alerts BEFORE INSERT ON alert_event WHEN NEW.patient = 'patient-c' BEGIN SELECT RAISE(ABORT, 'refused by the test'); END;
                """,
            postgres: """
                CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$
                    BEGIN RAISE EXCEPTION 'refused by the test' USING ERRCODE = 'check_violation'; END; $$;
                CREATE TRIGGER poison BEFORE INSERT ON reading FOR EACH ROW WHEN (NEW.device = 'cuff-2')
                    EXECUTE FUNCTION refuse();
                CREATE TRIGGER no_alerts BEFORE INSERT ON alert_event FOR EACH ROW WHEN (NEW.patient = 'patient-c')
                    EXECUTE FUNCTION refuse();
                """)
        let serve = try ServeProcess(broker: broker, journal: path, maxBatch: 100)
        defer { serve.stop() }
        try serve.waitUntilSubscribed()
        let pub = try broker.publisher()
        let base = now().seconds - 3600
        var huge = bloodPressure(120, 80, 95, at: Timestamp(seconds: base))
        huge += [UInt8](repeating: 0x41, count: 300_000)
        for i in 0..<200 {
            try pub.publish(
                topic: "helsebro/v1/devices/cuff-1/gatt/2a35",
                payload: bloodPressure(110 + i % 20, 70, 85, at: Timestamp(seconds: base + Int64(i))),
                userProperties: [("seq", String(i))])
            if i == 50 || i == 150 {
                try pub.publish(
                    topic: "helsebro/v1/devices/cuff-2/gatt/2a35",
                    payload: bloodPressure(120, 80, 95, at: Timestamp(seconds: base + Int64(i))),
                    userProperties: [("seq", String(i))])
            }
            if i == 120 {
                // Critically high for patient-c, whose alert transitions the journal refuses: readings kept.
                try pub.publish(
                    topic: "helsebro/v1/devices/cuff-3/gatt/2a35",
                    payload: bloodPressure(230, 125, 160, at: Timestamp(seconds: base + Int64(i))))
            }
            if i == 100 {
                // 300 KB where a blood-pressure measurement is 14 bytes: not decoded, kept in quarantine.
                try pub.publish(topic: "helsebro/v1/devices/cuff-1/gatt/2a35", payload: huge)
            }
        }
        #expect(pub.flush())
        pub.close()
        try waitUntil(60, "204 messages") { try journal.statistics().messages == 204 }
        let q = try journal.quarantine(since: nil)
        #expect(q.filter { $0.code == "journal-refused" && $0.device == "cuff-2" }.count == 2)
        #expect(q.first { $0.code == "journal-refused" }?.reason.contains("refused") == true)
        let big = q.filter { $0.code == "payload-too-large" }
        #expect(big.count == 1 && big.first?.payload == huge)
        #expect(q.count == 3)
        let readings = try journal.readings(patient: "patient-a", since: nil)
        #expect(readings.count == 600 && Set(readings.map(\.reading.time)).count == 200)
        #expect(try journal.readings(patient: "patient-b", since: nil).isEmpty)
        #expect(try journal.readings(patient: "patient-c", since: nil).count == 3)
        #expect(try journal.alerts(patient: "patient-c", states: nil, limit: 10).isEmpty)
        let log = Self.logText(serve)
        #expect(log.contains("the journal refused a message's rows"))
        #expect(log.contains("the journal refused a message's alert transitions"))
        #expect(!log.contains("the journal cannot be written"))
        // The state file is kept beside a SQLite journal (instances sharing PostgreSQL each have their own log).
        if !TestJournal.isPostgres { #expect(try Self.stats(path).contains("ingest: running")) }
    }

    @Test(
        "the broker stopped mid-stream and down for seconds: backoff, the persistent session resumes, nothing lost")
    func brokerDownMidStream() throws {
        let broker = try TestBroker()
        let (path, journal) = try makeJournal(broker.directory, devices: Self.devices)
        let serve = try ServeProcess(broker: broker, journal: path, maxBatch: 50)
        defer { serve.stop() }
        try serve.waitUntilSubscribed()
        try Self.publish(broker.port, first: 0, count: 5000)
        try waitUntil(60, "some progress") { try journal.statistics().messages >= 100 }
        // Stopped while Helsebro holds unacknowledged messages and the broker queues the rest for its session.
        broker.stop()
        let during = try journal.statistics().messages
        #expect(during < 5000)
        // Down for three seconds: Helsebro retries with backoff meanwhile.
        sleep(3)
        try broker.start()
        try Self.publish(broker.port, first: 5000, count: 500)
        try waitUntil(120, "all 5500 messages") { try journal.statistics().messages == 5500 }
        try Self.expectExactlyOnce(journal, 5500)
        #expect(Self.logText(serve).components(separatedBy: "connected to the MQTT broker").count - 1 >= 2)
    }

    @Test("SIGTERM mid-stream: the batch in hand is committed and acknowledged before exit; a restart loses nothing")
    func gracefulStop() throws {
        let broker = try TestBroker()
        let (path, journal) = try makeJournal(broker.directory, devices: Self.devices)
        let first = try ServeProcess(broker: broker, journal: path, maxBatch: 500)
        try first.waitUntilSubscribed()
        let total = 3000
        let port = broker.port
        let publishing = Thread { try? Self.publish(port, first: 0, count: total) }
        publishing.start()
        try waitUntil(60, "progress before SIGTERM") { try journal.statistics().messages >= 300 }
        first.process.terminate()  // SIGTERM
        first.process.waitUntilExit()
        #expect(first.process.terminationStatus == 0)
        // What this process took from the broker is all in the journal: it committed the batch it held and left
        // nothing to be redelivered.
        let log = Self.logText(first)
        let committed = try #require(first.committed)
        #expect(log.contains("unacknowledged=0"))
        #expect(try journal.statistics().messages == committed)
        let second = try ServeProcess(broker: broker, journal: path, maxBatch: 500)
        defer { second.stop() }
        try waitUntil(120, "all \(total) messages after the restart") { try journal.statistics().messages == total }
        try Self.expectExactlyOnce(journal, total)
    }

    @Test(
        "debug logging over a stream, quarantine, alerts and HTTP: no patient id, personal number or payload in the log"
    )
    func noPatientDataInLogs() throws {
        let personalNumber = "01017012345"  // the form of a Norwegian national identity number, made up
        let broker = try TestBroker()
        let (path, journal) = try makeJournal(
            broker.directory,
            devices: [
                (id: "cuff-1", profile: "bp-cuff-ua200", firmware: "bp-cuff-ua200-fw2", patient: "patient-kari"),
                (
                    id: "bm-1", profile: "bedside-monitor-bm8", firmware: "bedside-monitor-bm8-gw1",
                    patient: personalNumber
                ),
            ])
        let http = freePort()
        let keyFile = broker.directory + "/helsebro-token.key"
        let serve = try ServeProcess(
            broker: broker, journal: path, environment: ["HELSEBRO_LOG_LEVEL": "debug"],
            extraArguments: ["--http", "127.0.0.1:\(http)", "--token-key", keyFile])
        try serve.waitUntilSubscribed()
        let pub = try broker.publisher()
        let t = now()
        let cuff = "helsebro/v1/devices/cuff-1/gatt/2a35"
        try pub.publish(topic: cuff, payload: bloodPressure(128, 82, 97, at: t), userProperties: [("seq", "1")])
        try pub.publish(topic: cuff, payload: bloodPressure(230, 125, 160, at: t), userProperties: [("seq", "2")])
        try pub.publish(topic: cuff, payload: [0x1E, 0x80], userProperties: [("seq", "3")])  // truncated
        let hl7 = [
            #"MSH|^~\&|GW^ACDE48234567ABCD^EUI-64||||20240313090030+0100||ORU^R01^ORU_R01|MSG-77|P|2.6|||NE|AL"#,
            "PID|||\(personalNumber)^^^Ward^PI",
            "OBR|1|A^GW|B^GW|528391^MDC_DEV_SPEC_PROFILE_BP^MDC|||20240313095715+0100",
            "OBX|1|NM|150021^MDC_PRESS_BLD_NONINV_SYS^MDC|1.0.1.1|121|266016^MDC_DIM_MMHG^MDC|||||R",
        ]
        try pub.publish(topic: "helsebro/v1/devices/bm-1/hl7v2", payload: Array(hl7.joined(separator: "\r").utf8))
        // The same gateway naming someone else in PID-3: quarantined as a patient mismatch.
        let other = hl7.map { $0.replacingOccurrences(of: personalNumber, with: "24127512345") }
            .map { $0.replacingOccurrences(of: "MSG-77", with: "MSG-78") }
        try pub.publish(topic: "helsebro/v1/devices/bm-1/hl7v2", payload: Array(other.joined(separator: "\r").utf8))
        #expect(pub.flush())
        pub.close()
        try waitUntil(30, "5 messages") { try journal.statistics().messages == 5 }
        try waitUntil(30, "the alert") { try !journal.alerts(patient: "patient-kari", states: nil, limit: 10).isEmpty }
        // HTTP: a patient reads their own record, a stranger is refused; both are decisions about patient data.
        let token = try runStatus(
            helsebroExecutable(),
            [
                "token", "issue", "--role", "patient", "--subject", personalNumber, "--journal", path, "--token-key",
                keyFile,
            ]
        ).output.trimmingCharacters(in: .whitespacesAndNewlines)
        for (bearer, resource) in [(token, "Patient/\(personalNumber)"), (token, "Observation?patient=patient-kari")] {
            _ = try runStatus(
                "/usr/bin/curl",
                ["-s", "-H", "Authorization: Bearer \(bearer)", "http://127.0.0.1:\(http)/fhir/\(resource)"])
        }
        serve.stop()
        let log = Self.logText(serve)
        #expect(log.contains("debug"))  // debug logging was on
        #expect(log.contains("batch committed"))
        for secret in [
            "patient-kari", personalNumber, "24127512345", "PID|", "OBX|", "MSH|", "MSG-77", "ACDE48234567ABCD",
        ] {
            #expect(!log.contains(secret), "the log holds '\(secret)'")
        }
    }
}
