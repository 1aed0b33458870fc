import Foundation
import HelsebroConfig
import HelsebroCore
import HelsebroJournal
import HelsebroMQTT
import HelsebroTestSupport
import Testing

@testable import HelsebroIngest

/// The service's missing-data rule (`expect-every` in a profile) through the ingest pipeline and a real journal:
/// raised by the once-a-second tick when a device stays silent too long, resolved by its next message, and raised
/// again after another silence, and kept open across a restart. `tick` skips devices heard from within their
/// interval, so this also checks that the skip neither hides a new silence nor leaves a resolved alert behind.
@Suite("Missing data in the ingest pipeline")
struct MissingDataTests {
    /// PLX Continuous Measurement (0x2A5F), no optional fields: SpO2 97 %, pulse 70/min.
    static let oximetry: [UInt8] = [0x00, 0x61, 0x00, 0x46, 0x00]
    /// Two continuous oximeters (expect-every 5m), of two patients.
    static let oximeters = [
        (id: "ox-1", profile: "oximeter-cont-ox30", firmware: "oximeter-cont-ox30-fw1", patient: "p-1"),
        (id: "ox-2", profile: "oximeter-cont-ox30", firmware: "oximeter-cont-ox30-fw1", patient: "p-2"),
    ]

    @Test("a silent oximeter (expect-every 5m) raises once, its next message resolves, a restart keeps it open")
    func silenceRaisesAndResolves() throws {
        try withTemporaryDirectory("helsebro-missing") { dir in
            let (_, journal) = try makeJournal(dir, devices: Self.oximeters)
            let registry = repositoryRegistry()
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

    @Test(
        "the tick looks at a device when its silence may begin, each minute it is silent, and when its pairing begins")
    func looksFollowTheDevicesDue() throws {
        try withTemporaryDirectory("helsebro-missing") { dir in
            // ox-1 is never heard from; ox-2 every minute; ox-3 is paired from second 400 on and never heard from.
            let (_, journal) = try makeJournal(dir, devices: Self.oximeters)
            let start = Timestamp(seconds: now().seconds)
            func at(_ seconds: Int64) -> Timestamp { Timestamp(seconds: start.seconds + seconds) }
            try journal.addPatient(id: "p-3", name: nil)
            try journal.addDevice(
                DeviceRecord(id: "ox-3", profile: "oximeter-cont-ox30", firmware: "oximeter-cont-ox30-fw1"))
            try journal.pair(Pairing(device: "ox-3", patient: "p-3", from: at(400), to: nil))
            let registry = repositoryRegistry()
            let pipeline = try IngestPipeline(
                registry: registry, store: journal, topicPrefix: "helsebro/v1", now: start)
            var looks: [Int64: Int] = [:]
            var silence: [String] = []
            var escalated: [AlertEngine.Event] = []
            for second in Int64(1)...1210 {
                if second % 60 == 0 {
                    let payload = MissingDataTests.oximetry
                    let topic = "helsebro/v1/devices/ox-2/gatt/2a5f"
                    _ = try journal.write(
                        try pipeline.prepare([InboundMessage(topic: topic, payload: payload)], now: at(second)))
                }
                let before = pipeline.silenceLooks
                let events = try pipeline.tick(now: at(second)).toRecord
                _ = try journal.recordAlertEvents(events)
                if pipeline.silenceLooks > before { looks[second] = pipeline.silenceLooks - before }
                for e in events where e.kind == AlertEngine.Kind.missingData {
                    silence.append("\(second) \(e.key.device) \(e.transition)")
                    if e.transition == "escalated" { escalated.append(e) }
                }
            }
            // Each first when 5 minutes have passed since the start (none can be silent before), then:
            // ox-1: raised, then as each minute of silence begins;
            // ox-2: every 5 minutes after it was last heard from (each time heard within them);
            // ox-3: not paired at 301, so when its pairing begins, 5 minutes later (raised), then each minute.
            var expected: [Int64: Int] = [301: 3, 401: 1, 601: 1, 701: 1, 901: 1, 1201: 1]
            for s in stride(from: Int64(360), through: 1200, by: 60) { expected[s, default: 0] += 1 }
            for s in stride(from: Int64(760), through: 1210, by: 60) { expected[s, default: 0] += 1 }
            #expect(looks == expected)
            #expect(silence == ["301 ox-1 raised", "701 ox-3 raised", "1201 ox-1 escalated"])
            // The escalation reports the minutes of silence up to date (20), not those of the raise (5).
            #expect(escalated.first?.value == DecimalValue(mantissa: 20, exponent: 0))
        }
    }

    @Test(
        "a device paired with another patient, or unpaired, ends its alerts for the old patient, also after a restart")
    func pairingEndsTheOldPatientsAlerts() throws {
        try withTemporaryDirectory("helsebro-missing") { dir in
            let (_, journal) = try makeJournal(dir, devices: Self.oximeters)
            try journal.addPatient(id: "p-3", name: nil)
            let registry = repositoryRegistry()
            let start = Timestamp(seconds: now().seconds)
            func at(_ seconds: Int64) -> Timestamp { Timestamp(seconds: start.seconds + seconds) }
            var pipeline = try IngestPipeline(
                registry: registry, store: journal, topicPrefix: "helsebro/v1", refreshMilliseconds: 0, now: start)
            var events: [String] = []
            func ticks(_ seconds: ClosedRange<Int64>) throws {
                for second in seconds {
                    let toRecord = try pipeline.tick(now: at(second)).toRecord
                    _ = try journal.recordAlertEvents(toRecord)
                    events += toRecord.map { "\(second) \($0.key.device) \($0.patient) \($0.transition)" }
                }
            }
            let topic = "helsebro/v1/devices/ox-1/gatt/2a5f"
            _ = try journal.write(
                try pipeline.prepare([InboundMessage(topic: topic, payload: Self.oximetry)], now: at(50)))
            try ticks(1...355)
            #expect(events == ["301 ox-2 p-2 raised", "351 ox-1 p-1 raised"])
            // ox-1 now worn by p-3; ox-2's pairing ends at 400, later than the change.
            _ = try journal.endPairing(device: "ox-1", at: at(356))
            try journal.pair(Pairing(device: "ox-1", patient: "p-3", from: at(356), to: nil))
            _ = try journal.endPairing(device: "ox-2", at: at(400))
            try pipeline.reload()
            events = []
            try ticks(356...700)
            // ox-1's alert for p-1 ends at once; ox-2's when its pairing ends;
            // p-3 is told of ox-1's silence 5 minutes after it got the device, not at once for its silence since 50.
            #expect(events == ["356 ox-1 p-1 unpaired", "400 ox-2 p-2 unpaired", "657 ox-1 p-3 raised"])
            let open = try journal.alerts(patient: nil, states: ["open"], limit: 10).map {
                "\($0.key.device) \($0.key.patient)"
            }
            #expect(open == ["ox-1 p-3"])
            // Unpaired while the service was stopped: the first tick after the restart ends the alert.
            _ = try journal.endPairing(device: "ox-1", at: at(705))
            pipeline = try IngestPipeline(
                registry: registry, store: journal, topicPrefix: "helsebro/v1", refreshMilliseconds: 0, now: at(710))
            events = []
            try ticks(711...712)
            #expect(events == ["711 ox-1 p-3 unpaired"])
            #expect(try journal.alerts(patient: nil, states: ["open", "acknowledged", "snoozed"], limit: 10).isEmpty)
        }
    }

    /// A device of `profile` paired with p-1 until 100 s after a start 1000 s ago and with p-2 from then on, and a
    /// pipeline started at the start; `body` gets the journal, the pipeline and the time `at(seconds)` after the start.
    func withHandover(
        _ device: String, profile: String, firmware: String,
        _ body: (SQLJournal, IngestPipeline, (Int64) -> Timestamp) throws -> Void
    ) throws {
        try withTemporaryDirectory("helsebro-missing") { dir in
            let (_, journal) = try makeJournal(
                dir, devices: [(id: device, profile: profile, firmware: firmware, patient: "p-1")])
            try journal.addPatient(id: "p-2", name: nil)
            let start = Timestamp(seconds: now().seconds - 1000)
            func at(_ seconds: Int64) -> Timestamp { Timestamp(seconds: start.seconds + seconds) }
            _ = try journal.endPairing(device: device, at: at(100))
            try journal.pair(Pairing(device: device, patient: "p-2", from: at(100), to: nil))
            let pipeline = try IngestPipeline(
                registry: repositoryRegistry(), store: journal, topicPrefix: "helsebro/v1", refreshMilliseconds: 0,
                now: at(0))
            try body(journal, pipeline, at)
        }
    }

    @Test("a late message measured during an earlier pairing raises no device alert for the old patient")
    func lateMessageOfAnEarlierPairing() throws {
        // The cuff went from p-1 to p-2 at 100.
        try withHandover("cuff-1", profile: "bp-cuff-ua200", firmware: "bp-cuff-ua200-fw2") { journal, pipeline, at in
            /// 128/84 mmHg, MAP 99 (no threshold crossed), measured at `measured`, status bit 1: cuff too loose.
            func send(measured: Int64, received: Int64) throws -> (patients: Set<String>, alerts: [String]) {
                let loose = [0x12, 128, 0, 84, 0, 99, 0] + gattDateTime(at(measured)) + [0x02, 0x00]
                let outcomes = try pipeline.prepare(
                    [InboundMessage(topic: "helsebro/v1/devices/cuff-1/gatt/2a35", payload: loose)], now: at(received))
                _ = try journal.write(outcomes)
                guard case .readings(let rows) = outcomes.first?.result else {
                    Issue.record("the cuff's message was not read: \(String(describing: outcomes.first?.result))")
                    return ([], [])
                }
                let alerts = outcomes.flatMap(\.alerts).map { "\($0.kind) \($0.patient) \($0.transition)" }
                return (Set(rows.map(\.patient)), alerts)
            }
            // Measured at 50 while p-1 wore it, received at 150 when it is p-2's: p-1's readings, no device alert.
            let late = try send(measured: 50, received: 150)
            #expect(late.patients == ["p-1"])
            #expect(late.alerts == [])
            // Measured and received while p-2 wears it: p-2 is told.
            let current = try send(measured: 160, received: 170)
            #expect(current.patients == ["p-2"])
            #expect(current.alerts == ["device-status p-2 raised"])
            // Another late one resolves nothing of p-2's: its flags are not p-2's.
            #expect(try send(measured: 60, received: 180).alerts == [])
            let open = try journal.alerts(patient: nil, states: ["open"], limit: 10).map(\.key.patient)
            #expect(open == ["p-2"])
        }
    }

    @Test("a late message measured during an earlier pairing ends the silence alert of the device's new patient")
    func lateMessageEndsTheNewPatientsSilence() throws {
        try withHandover("bm-1", profile: "bedside-monitor-bm8", firmware: "bedside-monitor-bm8-gw1") {
            _, pipeline, at in
            var events: [String] = []
            for second in Int64(1)...410 {
                events += try pipeline.tick(now: at(second)).toRecord.map { "\($0.patient) \($0.transition)" }
            }
            // Expected every 5 minutes, silent since it went to p-2 at 100.
            #expect(events == ["p-2 raised"])
            // The monitor sends, late, what it measured at 50 while p-1 had it (OBR-7; PID-3 names p-1).
            let civil = Timestamp.civil(days: at(50).seconds / 86_400)
            let second = Int(at(50).seconds % 86_400)
            let hl7Time =
                String(format: "%04d%02d%02d", civil.0, civil.1, civil.2)
                + String(format: "%02d%02d%02d+0000", second / 3600, second / 60 % 60, second % 60)
            let message = [
                #"MSH|^~\&|GW^ACDE48234567ABCD^EUI-64||||20240313090030+0100||ORU^R01^ORU_R01|M-1|P|2.6|||NE|AL"#,
                "PID|||p-1^^^Ward^PI", "OBR|1|A^GW|B^GW|528391^MDC_DEV_SPEC_PROFILE_BP^MDC|||\(hl7Time)",
                "OBX|1|NM|150021^MDC_PRESS_BLD_NONINV_SYS^MDC|1.0.1.1|120|266016^MDC_DIM_MMHG^MDC|||||R",
            ].joined(separator: "\r")
            let outcomes = try pipeline.prepare(
                [InboundMessage(topic: "helsebro/v1/devices/bm-1/hl7v2", payload: Array(message.utf8))], now: at(420))
            guard case .readings(let rows) = outcomes.first?.result else {
                Issue.record("the monitor's message was not read: \(String(describing: outcomes.first?.result))")
                return
            }
            #expect(rows.map(\.patient) == ["p-1"])
            // The device is heard from again: p-2's silence alert resolves; nothing is raised for p-1.
            #expect(
                outcomes.flatMap(\.alerts).map { "\($0.patient) \($0.kind) \($0.transition)" } == [
                    "p-2 missing-data resolved"
                ])
        }
    }

    @Test("a message whose readings span a change of pairing re-scores NEWS2 for each patient")
    func news2ForEachPatientOfAMessage() throws {
        try withHandover("gw-1", profile: "gateway-senml-vitals", firmware: "gateway-senml-vitals-fw1") {
            _, pipeline, at in
            // p-2's other NEWS2 inputs, all scoring 0 (respiration 16, systolic 120, pulse 70, 37.0 °C, alert, air).
            for (parameter, value) in [
                (News2Parameter.respiration, 16.0), (.systolic, 120), (.pulse, 70), (.temperature, 37),
            ] {
                pipeline.alerts.recordVital(parameter, patient: "p-2", value: value, at: at(140))
            }
            pipeline.alerts.recordObservation(
                patient: "p-2", consciousness: .alert, onOxygen: false, scale: nil, at: at(140))
            // SpO2 97 % at 50 (p-1's, whose other inputs are unknown) and 90 % at 150 (p-2's; scores 3: a warning).
            let pack =
                #"[{"bn":"urn:dev:gw-1:","bt":\#(at(50).seconds),"n":"spo2","u":"%","v":97},{"n":"spo2","u":"%","v":90,"t":100}]"#
            let outcomes = try pipeline.prepare(
                [InboundMessage(topic: "helsebro/v1/devices/gw-1/senml+json", payload: Array(pack.utf8))], now: at(160))
            guard case .readings(let rows) = outcomes.first?.result else {
                Issue.record("the gateway's message was not read: \(String(describing: outcomes.first?.result))")
                return
            }
            #expect(rows.map(\.patient) == ["p-1", "p-2"])
            let news2 = outcomes.flatMap(\.alerts).filter { $0.kind == AlertEngine.Kind.news2 }
            #expect(news2.map { "\($0.patient) \($0.transition) \($0.severity)" } == ["p-2 raised warning"])
        }
    }
}
