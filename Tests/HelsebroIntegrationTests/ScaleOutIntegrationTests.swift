import Foundation
import HelsebroCore
import HelsebroJournal
import HelsebroMQTT
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
}
