import HelsebroConfig
import HelsebroCore
import HelsebroMQTT
import HelsebroTestSupport
import Testing

@testable import HelsebroIngest
@testable import HelsebroJournal

/// Identities that begin with the device's stated time (`MessageIdentity.stated`, migration v10): a repeat is still
/// recognised, also of a message a journal took before the upgrade under its earlier identity.
@Suite("Message identities that begin with the stated time")
struct StatedIdentityTests {
    @Test("a repeat is a repeat, also of a message journalled before the upgrade; the mark bounds the lookups")
    func repeatsAcrossTheUpgrade() throws {
        try withTemporaryDirectory("helsebro-stated") { dir in
            let path = dir + "/journal.sqlite"
            let topic = "helsebro/v1/devices/cuff-1/gatt/2a35"
            let base = Timestamp(seconds: now().seconds - 3 * 86_400)
            func earlierIdentity(_ payload: [UInt8]) -> String {
                MessageIdentity.of(
                    device: "cuff-1", channel: "gatt/2a35", sequence: nil, payload: payload,
                    receivedIfNoDeviceTime: nil)
            }
            // Journalled before the upgrade: a measurement, and one from a clock more than a day ahead.
            let old = bloodPressure(128, 84, 99, at: base)
            let ahead = bloodPressure(131, 86, 101, at: Timestamp(seconds: base.seconds + 86_400 + 10))
            let received = base.microseconds + 5_000_000
            do {
                let v9 = try SQLiteDatabase(path: path, migratedUpTo: "v9: what each registration change touched")
                try v9.write { db in
                    _ = try db.insertMany(
                        into: "message", columns: SQLJournal.messageColumns,
                        rows: [old, ahead].map {
                            [.text(earlierIdentity($0)), .text("cuff-1"), .integer(received), .integer(0)]
                        },
                        ignoringConflictsOn: "identity")
                }
            }
            guard let journal = try SQLJournal.open(location: "sqlite:" + path) else {
                Issue.record("the journal did not open")
                return
            }
            try journal.addPatient(id: "p-1", name: nil)
            try journal.addDevice(DeviceRecord(id: "cuff-1", profile: "bp-cuff-ua200", firmware: "bp-cuff-ua200-fw2"))
            try journal.addDevice(
                DeviceRecord(id: "ox-1", profile: "oximeter-cont-ox30", firmware: "oximeter-cont-ox30-fw1"))
            for device in ["cuff-1", "ox-1"] {
                try journal.pair(Pairing(device: device, patient: "p-1", from: .year2000, to: nil))
            }
            let pipeline = try IngestPipeline(
                registry: repositoryRegistry(), store: journal, topicPrefix: "helsebro/v1", now: now())
            func send(_ payload: [UInt8], to topic: String = topic) throws -> (String, BatchResult) {
                let outcomes = try pipeline.prepare([InboundMessage(topic: topic, payload: payload)], now: now())
                return (outcomes[0].identity, try journal.write(outcomes))
            }
            // The message journalled before the upgrade, sent again: a repeat, under its new identity.
            let (identity, again) = try send(old)
            #expect(identity == MessageIdentity.stated(base, earlierIdentity(old)))
            #expect(again.duplicates == 1 && again.readings == 0)
            // New measurements in one batch with that repeat, then a repeat of a new one.
            let new = bloodPressure(130, 85, 100, at: Timestamp(seconds: base.seconds + 60))
            let newer = bloodPressure(132, 87, 102, at: Timestamp(seconds: base.seconds + 120))
            let batch = try journal.write(
                try pipeline.prepare(
                    [new, old, newer].map { InboundMessage(topic: topic, payload: $0) }, now: now()))
            #expect(batch.readings == 6 && batch.duplicates == 1)
            #expect(try send(new).1.duplicates == 1)
            // Stated after the mark (the last receive time before the upgrade and a day): not looked up.
            #expect(try send(ahead).1.readings == 3)
            // Without a time of its own (placed by the receive time): the identity is made as before.
            let (plain, _) = try send(MissingDataTests.oximetry, to: "helsebro/v1/devices/ox-1/gatt/2a5f")
            #expect(plain.hasPrefix("hash:ox-1/gatt/2a5f/"))
            #expect(try journal.statistics().duplicates == 3)
        }
    }

    @Test("a journal without messages at the upgrade notes no mark")
    func noMarkWithoutMessages() throws {
        try withTemporaryDirectory("helsebro-stated") { dir in
            let database = try SQLiteDatabase(path: dir + "/journal.sqlite")
            let mark = try database.read { db in
                try db.scalar(
                    Int64.self, sql: "SELECT value FROM counter WHERE name = ?",
                    arguments: [SQLJournal.statedIdentitiesBefore])
            }
            #expect(mark == nil)
        }
    }
}
