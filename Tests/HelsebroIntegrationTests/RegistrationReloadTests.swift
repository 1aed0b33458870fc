import Foundation
import HelsebroConfig
import HelsebroCore
import HelsebroJournal
import HelsebroMQTT
import HelsebroTestSupport
import Testing

@testable import HelsebroIngest

/// Registrations changed while the service runs (`helsebro device add`, `pair`, a firmware update, a clinician's
/// thresholds) take effect at the pipeline's next look, which reads again only what changed: with 100,000 devices,
/// reading them all took about half a second of the ingest thread at every change.
@Suite("Registration changes while the service runs")
struct RegistrationReloadTests {
    /// Cuffs fleet-1, fleet-2, ... (not paired).
    static func fleet(_ count: Int) -> [DeviceRecord] {
        (1...count).map { DeviceRecord(id: "fleet-\($0)", profile: "bp-cuff-ua200", firmware: "bp-cuff-ua200-fw2") }
    }

    @Test("the journal notes what each registration change touched, and everything for over a thousand devices at once")
    func journalNotesChanges() throws {
        try withTemporaryDirectory("helsebro-reload") { dir in
            let (_, journal) = try makeJournal(dir, devices: [("cuff-1", "bp-cuff-ua200", "bp-cuff-ua200-fw2", "p-1")])
            let first = try journal.registrationRevision()
            try journal.addDevice(DeviceRecord(id: "cuff-2", profile: "bp-cuff-ua200", firmware: nil))
            try journal.pair(Pairing(device: "cuff-2", patient: "p-1", from: .year2000, to: nil))
            _ = try journal.addOverride(
                ThresholdOverride(
                    patient: "p-1", metric: "systolic", high: DecimalValue(mantissa: 160, exponent: 0), setBy: "dr",
                    setAt: .year2000, reason: "r"))
            let second = try journal.registrationRevision()
            #expect(second == first + 3)
            #expect(
                try journal.registrationChanges(after: first, through: second)
                    == RegistrationChanges(devices: ["cuff-2"], patients: ["p-1"]))
            _ = try journal.endPairing(device: "cuff-1", at: Timestamp(seconds: 2_000_000_000))
            try journal.updateDevice(
                DeviceRecord(id: "cuff-2", profile: "bp-cuff-ua200", firmware: "bp-cuff-ua200-fw2"))
            let third = try journal.registrationRevision()
            #expect(
                try journal.registrationChanges(after: second, through: third)
                    == RegistrationChanges(devices: ["cuff-1", "cuff-2"]))
            #expect(try journal.registrationChanges(after: third, through: third) == RegistrationChanges())
            // Records and pairings of the devices asked for, none for one not registered.
            let (records, pairings) = try journal.registrations(devices: ["cuff-1", "cuff-9"])
            #expect(records == [DeviceRecord(id: "cuff-1", profile: "bp-cuff-ua200", firmware: "bp-cuff-ua200-fw2")])
            #expect(pairings.map(\.patient) == ["p-1"] && pairings.first?.to == Timestamp(seconds: 2_000_000_000))
            // A registration of a few devices notes each; of patients alone, nothing; of over a thousand devices,
            // everything.
            try journal.register(
                patients: [("p-2", nil)],
                devices: [DeviceRecord(id: "cuff-3", profile: "bp-cuff-ua200", firmware: nil)],
                pairings: [Pairing(device: "cuff-3", patient: "p-2", from: .year2000, to: nil)])
            let fourth = try journal.registrationRevision()
            #expect(
                try journal.registrationChanges(after: third, through: fourth)
                    == RegistrationChanges(devices: ["cuff-3"]))
            try journal.register(patients: [("p-3", nil)], devices: [], pairings: [])
            #expect(try journal.registrationRevision() == fourth)
            try journal.register(patients: [], devices: Self.fleet(1_001), pairings: [])
            #expect(try journal.registrationChanges(after: fourth, through: fourth + 1) == nil)
            // Notes of the last thousand changes are kept: a reader further behind reads everything.
            for k in 1...1_001 {
                try journal.updateDevice(
                    DeviceRecord(
                        id: "cuff-3", profile: "bp-cuff-ua200", firmware: k % 2 == 0 ? nil : "bp-cuff-ua200-fw2"))
            }
            let last = try journal.registrationRevision()
            #expect(
                try journal.registrationChanges(after: last - 1_000, through: last)
                    == RegistrationChanges(devices: ["cuff-3"]))
            #expect(try journal.registrationChanges(after: last - 1_001, through: last) == nil)
        }
    }

    @Test("a device added, re-paired or changed and a patient's thresholds take effect without reading everything")
    func pipelineReadsOnlyChanges() throws {
        try withTemporaryDirectory("helsebro-reload") { dir in
            let (_, journal) = try makeJournal(
                dir,
                devices: [
                    ("cuff-1", "bp-cuff-ua200", "bp-cuff-ua200-fw2", "p-1"),
                    ("ox-1", "oximeter-cont-ox30", "oximeter-cont-ox30-fw1", "p-1"),
                ])
            let registry = repositoryRegistry()
            let start = Timestamp(seconds: now().seconds)
            func at(_ seconds: Int64) -> Timestamp { Timestamp(seconds: start.seconds + seconds) }
            let pipeline = try IngestPipeline(
                registry: registry, store: journal, topicPrefix: "helsebro/v1", refreshMilliseconds: 0, now: start)
            #expect(pipeline.fullReloads == 1)
            /// The patient the cuff's reading was journalled for, and the alert transitions it caused.
            func measure(_ device: String, systolic: Int, at seconds: Int64) throws -> (String?, [String]) {
                let outcomes = try pipeline.prepare(
                    [
                        InboundMessage(
                            topic: "helsebro/v1/devices/\(device)/gatt/2a35",
                            payload: bloodPressure(systolic, 80, 95, at: at(seconds)))
                    ], now: at(seconds))
                _ = try journal.write(outcomes)
                guard case .readings(let rows) = outcomes.first?.result else { return (nil, []) }
                return (rows.first?.patient, outcomes.flatMap(\.alerts).map { "\($0.kind) \($0.transition)" })
            }
            // A cuff added and paired while running: its first message is read and journalled for its patient.
            try journal.addPatient(id: "p-2", name: nil)
            try journal.addDevice(DeviceRecord(id: "cuff-2", profile: "bp-cuff-ua200", firmware: "bp-cuff-ua200-fw2"))
            try journal.pair(Pairing(device: "cuff-2", patient: "p-2", from: .year2000, to: nil))
            #expect(try measure("cuff-2", systolic: 170, at: 10) == ("p-2", []))
            // A clinician's threshold for p-2 (high 160 instead of the profile's 180) applies to the next reading.
            _ = try journal.addOverride(
                ThresholdOverride(
                    patient: "p-2", metric: "systolic", high: DecimalValue(mantissa: 160, exponent: 0), setBy: "dr",
                    setAt: at(0), reason: "r"))
            #expect(try measure("cuff-2", systolic: 170, at: 20) == ("p-2", ["threshold-high raised"]))
            // Moved to another patient: readings from then on are hers.
            try journal.addPatient(id: "p-3", name: nil)
            _ = try journal.endPairing(device: "cuff-2", at: at(25))
            try journal.pair(Pairing(device: "cuff-2", patient: "p-3", from: at(25), to: nil))
            #expect(try measure("cuff-2", systolic: 120, at: 30).0 == "p-3")
            // Oximeters added while running are watched for silence; one changed to a profile that expects nothing
            // is not.
            try journal.addDevice(DeviceRecord(id: "ox-2", profile: "oximeter-cont-ox30", firmware: nil))
            try journal.pair(Pairing(device: "ox-2", patient: "p-2", from: .year2000, to: nil))
            try journal.addDevice(DeviceRecord(id: "ox-3", profile: "oximeter-cont-ox30", firmware: nil))
            try journal.pair(Pairing(device: "ox-3", patient: "p-3", from: .year2000, to: nil))
            try journal.updateDevice(DeviceRecord(id: "ox-3", profile: "bp-cuff-ua200", firmware: nil))
            var silent: [String] = []
            for second in Int64(290)...310 {
                let events = try pipeline.tick(now: at(second)).toRecord
                _ = try journal.recordAlertEvents(events)
                silent += events.filter { $0.kind == AlertEngine.Kind.missingData }.map { "\(second) \($0.key.device)" }
            }
            #expect(silent.sorted() == ["301 ox-1", "301 ox-2"])
            #expect(pipeline.fullReloads == 1)
            // Over a thousand devices registered at once are read whole.
            try journal.register(patients: [], devices: Self.fleet(1_001), pairings: [])
            #expect(try measure("fleet-1", systolic: 120, at: 320).0 == nil)
            #expect(pipeline.fullReloads == 2)
        }
    }
}
