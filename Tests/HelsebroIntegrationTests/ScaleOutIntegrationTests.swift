import Foundation
import HelsebroCore
import HelsebroJournal
import HelsebroMQTT
import HelsebroTestSupport
import Testing

/// Several instances on one shared subscription and one PostgreSQL journal (`HELSEBRO_TEST_JOURNAL=postgres`, the
/// second pass of `Tools/test.sh`).
@Suite("Scale-out: two instances in one group on PostgreSQL", .serialized)
struct ScaleOutIntegrationTests {
    static let devices = [
        (id: "cuff-1", profile: "bp-cuff-ua200", firmware: "bp-cuff-ua200-fw2", patient: "patient-a"),
        (id: "cuff-2", profile: "bp-cuff-ua200", firmware: "bp-cuff-ua200-fw2", patient: "patient-b"),
    ]

    @Test(
        "two instances share the stream; one is killed and restarted mid-stream: every message journalled exactly once",
        .enabled(if: TestJournal.isPostgres, "runs in the PostgreSQL pass"))
    func killOneOfTwo() throws {
        let broker = try TestBroker()
        let (location, journal) = try makeJournal(broker.directory, devices: Self.devices)
        let group = ["--group", "ingest"]
        var first = try ServeProcess(
            broker: broker, journal: location, maxBatch: 100, clientID: "helsebro-1", extraArguments: group)
        let second = try ServeProcess(
            broker: broker, journal: location, maxBatch: 100, clientID: "helsebro-2", extraArguments: group)
        defer { second.stop() }
        try first.waitUntilSubscribed()
        try second.waitUntilSubscribed()
        let total = 4000
        let port = broker.port
        // Two devices, seq and reading time per message; published at QoS 1 while the test kills an instance.
        let publishing = Thread {
            guard let pub = try? MQTTPublisher(host: "127.0.0.1", port: port, clientID: "scale-pub") else { return }
            defer { pub.close() }
            let base = now().seconds - 3 * 86_400
            for i in 0..<total {
                let device = "cuff-\(1 + i % 2)"
                _ = try? pub.publish(
                    topic: "helsebro/v1/devices/\(device)/gatt/2a35",
                    payload: bloodPressure(
                        100 + i % 40, 60 + i % 20, 80 + i % 20, at: Timestamp(seconds: base + Int64(i))),
                    userProperties: [("seq", String(i))])
                if i % 200 == 0 { usleep(20_000) }
            }
            _ = pub.flush()
        }
        publishing.start()
        try waitUntil(60, "progress before the kill") { try journal.statistics().messages >= 800 }
        first.kill9()
        // The broker keeps sending the killed member its share, held in its session until it is back.
        sleep(2)
        first = try ServeProcess(
            broker: broker, journal: location, maxBatch: 100, clientID: "helsebro-1", extraArguments: group)
        defer { first.stop() }
        try waitUntil(180, "all \(total) messages") { try journal.statistics().messages == total }
        sleep(1)
        let s = try journal.statistics()
        #expect(s.messages == total && s.readings == 3 * total)
        // Exactly once: each device's systolic readings are one per message, at distinct times.
        for (n, patient) in ["patient-a", "patient-b"].enumerated() {
            let systolic = try journal.readings(patient: patient, since: nil).filter { $0.reading.metric == "systolic" }
            #expect(systolic.count == total / 2, "patient \(n)")
            #expect(Set(systolic.map(\.reading.time)).count == total / 2)
            #expect(Set(systolic.map(\.message)).count == total / 2)
        }
        // Both instances took part after the restart.
        first.stop()
        second.stop()
        let a = try #require(first.committed)
        let b = try #require(second.committed)
        #expect(a > 0 && b > 0, "restarted first: \(a), second: \(b)")
    }

    static let holding = "this instance evaluates decision support for the group"

    @Test(
        "decision support across two instances: the alert raised and resolved once; its holder killed, the other takes over",
        .enabled(if: TestJournal.isPostgres, "runs in the PostgreSQL pass"))
    func alertsAcrossInstances() throws {
        let broker = try TestBroker()
        let (location, journal) = try makeJournal(broker.directory, devices: Self.devices)
        let group = ["--group", "ingest"]
        func serve(_ n: Int) throws -> ServeProcess {
            try ServeProcess(
                broker: broker, journal: location, maxBatch: 20, clientID: "helsebro-\(n)", extraArguments: group)
        }
        var instances = [try serve(1), try serve(2)]
        defer { for s in instances { s.stop() } }
        for s in instances { try s.waitUntilSubscribed() }
        try waitUntil(30, "one instance to hold decision support") {
            instances.contains { FaultIntegrationTests.logText($0).contains(Self.holding) }
        }
        let holder = try #require(instances.firstIndex { FaultIntegrationTests.logText($0).contains(Self.holding) })
        let other = 1 - holder
        #expect(!FaultIntegrationTests.logText(instances[other]).contains(Self.holding))
        let listener = try AlertListener(broker: broker, count: 2)
        defer { listener.stop() }
        let pub = try broker.publisher()
        defer { pub.close() }
        // Recent reading times (an alert raised over 15 minutes ago would be escalated by now).
        let base = now().seconds - 250
        var seq = 0
        func send(_ device: String, _ systolic: Int, count: Int) throws {
            for _ in 0..<count {
                seq += 1
                try pub.publish(
                    topic: "helsebro/v1/devices/\(device)/gatt/2a35",
                    payload: bloodPressure(systolic, 80, 100, at: Timestamp(seconds: base + Int64(seq))),
                    userProperties: [("seq", String(seq))])
            }
            #expect(pub.flush())
        }
        // Normal readings from both patients, through both instances.
        try send("cuff-1", 120, count: 100)
        try send("cuff-2", 118, count: 100)
        try waitUntil(60, "200 messages") { try journal.statistics().messages == 200 }
        // The holder dies; 232 mmHg systolic (critical, above 220) six times for patient-a, spread over both
        // instances' shares: the dead one's share waits in its session at the broker.
        instances[holder].kill9()
        try send("cuff-1", 232, count: 6)
        try send("cuff-2", 118, count: 6)
        try waitUntil(30, "the other instance to take decision support over") {
            FaultIntegrationTests.logText(instances[other]).contains(Self.holding)
        }
        instances[holder] = try serve(holder + 1)
        try waitUntil(60, "212 messages") { try journal.statistics().messages == 212 }
        // Back in range: two readings resolve it.
        try send("cuff-1", 121, count: 10)
        try waitUntil(60, "222 messages, all evaluated") {
            try journal.statistics().messages == 222
                && journal.pendingEvaluations(limit: 1, arrivedBefore: nil).isEmpty
        }
        let events = try journal.alertEvents(afterID: 0, patient: nil, limit: 100).map(\.event)
        #expect(events.map(\.transition) == ["raised", "resolved"], "\(events.map { ($0.patient, $0.transition) })")
        #expect(
            events.allSatisfy { $0.patient == "patient-a" && $0.metric == "systolic" && $0.kind == "threshold-high" })
        let alerts = try journal.alerts(patient: nil, states: nil, limit: 10)
        #expect(alerts.count == 1 && alerts.first?.state == "resolved")
        // Published once each, by whichever instance held decision support.
        let published = listener.waitForAll()
        #expect(published.compactMap { $0.json?["transition"] as? String } == ["raised", "resolved"])
    }

    @Test(
        "two instances writing the access log at once: one unbroken chain, no entry lost",
        .enabled(if: TestJournal.isPostgres, "runs in the PostgreSQL pass"))
    func concurrentJournalWriters() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("helsebro-cw-\(getpid())").path
        let (location, first) = try TestJournal.make(directory)
        let second = try TestJournal.open(location)  // another instance: its own connections
        try first.addPatient(id: "p-1", name: nil)
        let writers = 8
        let each = 25
        let failures = LockedBox<[String]>([])
        var threads: [Thread] = []
        let done = DispatchSemaphore(value: 0)
        for w in 0..<writers {
            let journal = w % 2 == 0 ? first : second
            threads.append(
                Thread {
                    defer { done.signal() }
                    for i in 0..<each {
                        do {
                            _ = try journal.appendAccessLog(
                                AccessLogEntry(
                                    time: now(), actor: "clinician-\(w)", role: "clinician", patient: "p-1",
                                    action: "read \(i)", outcome: "allowed", basis: "care-relation"))
                        } catch {
                            failures.withLock { $0.append("\(error)") }
                        }
                    }
                })
        }
        for t in threads { t.start() }
        for _ in threads { done.wait() }
        #expect(failures.withLock { $0 }.isEmpty, "\(failures.withLock { $0.prefix(3) })")
        let verification = try first.verifyAccessLog()
        #expect(verification.entries == writers * each && verification.problem == nil)
    }

}
