import Foundation
import HelsebroConfig
import HelsebroCore
import HelsebroIngest
import HelsebroJournal
import HelsebroMQTT
import HelsebroTestSupport
import Testing

/// The service's missing-data rule (`expect-every` in a profile) through the ingest pipeline and a real journal:
/// raised by the once-a-second tick when a device stays silent too long, resolved by its next message, and raised
/// again after another silence, and kept open across a restart. `tick` skips devices heard from within their
/// interval, so this also checks that the skip neither hides a new silence nor leaves a resolved alert behind.
@Suite("Missing data in the ingest pipeline")
struct MissingDataTests {
    /// PLX Continuous Measurement (0x2A5F), no optional fields: SpO2 97 %, pulse 70/min.
    static let oximetry: [UInt8] = [0x00, 0x61, 0x00, 0x46, 0x00]

    @Test("a silent oximeter (expect-every 5m) raises once, its next message resolves, a restart keeps it open")
    func silenceRaisesAndResolves() throws {
        try withTemporaryDirectory("helsebro-missing") { dir in
            let (_, journal) = try makeJournal(
                dir,
                devices: [
                    ("ox-1", "oximeter-cont-ox30", "oximeter-cont-ox30-fw1", "p-1"),
                    ("ox-2", "oximeter-cont-ox30", "oximeter-cont-ox30-fw1", "p-2"),
                ])
            let registry = Registry.load(
                profilesDirectory: repositoryRoot + "/DeviceProfiles",
                firmwareDirectory: repositoryRoot + "/Firmware-Specs")
            let start = Timestamp(seconds: now().seconds)
            func at(_ seconds: Int64) -> Timestamp { Timestamp(seconds: start.seconds + seconds) }
            var pipeline = try IngestPipeline(
                registry: registry, store: journal, topicPrefix: "helsebro/v1", now: start)
            func silence(_ events: [AlertEngine.Event]) -> [String] {
                events.filter { $0.kind == AlertEngine.Kind.missingData }.map { "\($0.key.device) \($0.transition)" }
                    .sorted()
            }
            // As the service does: a tick's transitions and each message (with its alerts) go into the journal.
            func tick(_ seconds: Int64) throws -> [String] {
                let events = try pipeline.tick(now: at(seconds)).toRecord
                _ = try journal.recordAlertEvents(events)
                return silence(events)
            }
            func message(_ device: String, at seconds: Int64) throws -> [String] {
                let outcomes = try pipeline.prepare(
                    [InboundMessage(topic: "helsebro/v1/devices/\(device)/gatt/2a5f", payload: Self.oximetry)],
                    now: at(seconds))
                guard case .readings(let rows) = outcomes.first?.result else {
                    Issue.record("the oximeter's message was not read: \(String(describing: outcomes.first?.result))")
                    return []
                }
                #expect(rows.count == 2)
                _ = try journal.write(outcomes)
                return silence(outcomes.flatMap(\.alerts))
            }

            #expect(try tick(290) == [])
            // ox-2 is heard from in time; ox-1 is not.
            #expect(try message("ox-2", at: 295) == [])
            #expect(try tick(301) == ["ox-1 raised"])
            #expect(try tick(302) == [])
            #expect(try message("ox-1", at: 303) == ["ox-1 resolved"])
            // Both heard from within 5 minutes: nothing, and nothing left open.
            #expect(try tick(500) == [])
            // ox-2 last heard at 295, ox-1 at 303: each raised once its own 5 minutes have passed.
            #expect(try tick(595) == [])
            #expect(try tick(596) == ["ox-2 raised"])
            #expect(try tick(603) == [])
            #expect(try tick(604) == ["ox-1 raised"])

            // A restart: both are still silent, so both alerts stay open (not resolved by the first tick) until
            // the device is heard from.
            pipeline = try IngestPipeline(
                registry: registry, store: journal, topicPrefix: "helsebro/v1", now: at(610))
            #expect(try tick(611) == [])
            #expect(try tick(700) == [])
            #expect(try message("ox-2", at: 701) == ["ox-2 resolved"])
            #expect(try tick(702) == [])
            let open = try journal.alerts(patient: nil, states: ["open"], limit: 10).map(\.key.device)
            #expect(open == ["ox-1"])
        }
    }
}
