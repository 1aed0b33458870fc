import Foundation
import HelsebroCore
import HelsebroIngest
import HelsebroJournal
import HelsebroTestSupport
import Testing

/// Alerts, thresholds, observations and summaries against a real journal, through the commands.
@Suite("helsebro alerts, rules, observe and summary")
struct DecisionCommandTests {

    func event(
        _ transition: String, _ state: String, severity: AlertSeverity = .warning, value: Int64 = 190, at t: Timestamp
    ) -> AlertEngine.Event {
        AlertEngine.Event(
            key: AlertEngine.Key(patient: "p-1", metric: "systolic", kind: AlertEngine.Kind.thresholdHigh),
            severity: severity, transition: transition, state: state, value: DecimalValue(mantissa: value, exponent: 0),
            unit: .mmHg, threshold: DecimalValue(mantissa: 180, exponent: 0), time: t)
    }

    func list(_ journal: String, _ extra: [String] = []) throws -> [[String: Any]] {
        try helsebro(["alerts", "list", "--format", "json", "--journal", journal] + extra).stdout.split(separator: "\n")
            .compactMap { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }

    @Test("the lifecycle in the journal: snooze, acknowledge, refusals, resolve, one open alert per key")
    func lifecycle() throws {
        try JournalCommandTests().withJournal { journal in
            let store = try TestJournal.open(journal)
            let t = Timestamp(year: 2026, month: 11, day: 20, hour: 9)
            let raised = try store.recordAlertEvents([event("raised", "open", at: t)])
            let id = try #require(raised.first?.id)
            #expect(try list(journal).map { $0["state"] as? String } == ["open"])

            let snooze = try helsebro([
                "alerts", "snooze", "\(id)", "--for", "30m", "--by", "nurse-a", "--journal", journal,
            ])
            #expect(snooze.status == 0 && snooze.stdout.contains("snoozed by nurse-a until"))
            #expect(try list(journal).first?["state"] as? String == "snoozed")
            let ack = try helsebro(["alerts", "ack", "\(id)", "--by", "dr-b", "--journal", journal])
            #expect(ack.status == 0 && ack.stdout.contains("acknowledged by dr-b"))
            #expect(try list(journal).first?["acknowledged-by"] as? String == "dr-b")
            let again = try helsebro(["alerts", "ack", "\(id)", "--by", "dr-b", "--journal", journal])
            #expect(again.status == 2 && again.stderr.contains("already acknowledged"))
            let missing = try helsebro(["alerts", "ack", "999", "--by", "dr-b", "--journal", journal])
            #expect(missing.status == 2 && missing.stderr.contains("does not exist"))

            // A second "raised" for the same key moves the open alert rather than opening another.
            let same = try store.recordAlertEvents([event("raised", "open", value: 200, at: t.adding(seconds: 60))])
            #expect(same.first?.id == id)
            _ = try store.recordAlertEvents([event("resolved", "resolved", at: t.adding(seconds: 120))])
            let resolvedAck = try helsebro(["alerts", "ack", "\(id)", "--by", "dr-b", "--journal", journal])
            #expect(resolvedAck.status == 2 && resolvedAck.stderr.contains("is resolved"))

            let critical = try store.recordAlertEvents([
                event("raised", "open", severity: .critical, value: 230, at: t.adding(seconds: 180))
            ])
            let second = try #require(critical.first?.id)
            #expect(second != id)
            let refused = try helsebro([
                "alerts", "snooze", "\(second)", "--for", "10m", "--by", "nurse-a", "--journal", journal,
            ])
            #expect(refused.status == 2 && refused.stderr.contains("cannot be snoozed"))
            #expect(try list(journal, ["--state", "active"]).map { $0["id"] as? Int } == [Int(second)])
            #expect(try list(journal, ["--state", "resolved"]).map { $0["id"] as? Int } == [Int(id)])

            // Every transition is in the journal with who made it.
            let events = try store.alertEvents(afterID: 0, patient: "p-1", limit: 100).map(\.event)
            #expect(
                events.map(\.transition) == ["raised", "snoozed", "acknowledged", "raised", "resolved", "raised"])
            #expect(
                events.map(\.actor) == ["helsebro", "nurse-a", "dr-b", "helsebro", "helsebro", "helsebro"])
            #expect(events[1].until != nil && events.allSatisfy { $0.id != nil })
            let text = try helsebro(["alerts", "list", "--patient", "p-1", "--journal", journal]).stdout
            #expect(
                text.contains("#\(second)  OPEN  critical  p-1  systolic threshold-high: 230 mm[Hg] (threshold 180)"))
        }
    }

    @Test("a clinician's thresholds: set with who and why, refused when inconsistent, listed, cleared")
    func rules() throws {
        try JournalCommandTests().withJournal { journal in
            let set = try helsebro([
                "rules", "set", "--patient", "p-1", "--metric", "systolic", "--high", "160", "--from", "22:00", "--to",
                "07:00", "--by", "dr-a", "--why", "nocturnal hypertension", "--journal", journal,
            ])
            #expect(set.status == 0 && set.stdout.contains("during 22:00-07:00"))
            let bad = try helsebro([
                "rules", "set", "--patient", "p-1", "--metric", "systolic", "--high", "95", "--by", "dr-a", "--why",
                "typo", "--journal", journal,
            ])
            #expect(bad.status == 2 && bad.stderr.contains("is above high"))
            let noWindowEnd = try helsebro([
                "rules", "set", "--patient", "p-1", "--metric", "systolic", "--high", "150", "--from", "22:00", "--by",
                "dr-a", "--why", "x", "--journal", journal,
            ])
            #expect(noWindowEnd.status == 2)
            let unknownPatient = try helsebro([
                "rules", "set", "--patient", "nobody", "--metric", "systolic", "--high", "150", "--by", "dr-a", "--why",
                "x", "--journal", journal,
            ])
            #expect(unknownPatient.status == 2 && unknownPatient.stderr.contains("no such patient"))
            let listed = try helsebro(["rules", "list", "--patient", "p-1", "--journal", journal]).stdout
            #expect(listed.contains("p-1  systolic: high 160  during 22:00-07:00  set by dr-a at"))
            #expect(listed.contains("nocturnal hypertension"))
            let store = try TestJournal.open(journal)
            #expect(try store.overrides(patient: "p-1").map(\.high) == [DecimalValue(mantissa: 160, exponent: 0)])
            let cleared = try helsebro([
                "rules", "clear", "--patient", "p-1", "--metric", "systolic", "--by", "dr-a", "--why", "controlled",
                "--journal", journal,
            ])
            #expect(cleared.stdout.contains("1 override ended"))
            #expect(try store.overrides(patient: "p-1").isEmpty)
        }
    }

    @Test("observe records consciousness and oxygen and prints NEWS2, incomplete without every vital sign")
    func observe() throws {
        try JournalCommandTests().withJournal { journal in
            let r = try helsebro([
                "observe", "--patient", "p-1", "--consciousness", "a", "--oxygen", "air", "--by", "nurse-c", "--window",
                "3650d", "--journal", journal,
            ])
            #expect(r.status == 0)
            // The journal has a systolic reading only: every other device vital sign is missing.
            #expect(r.stdout.contains("NEWS2 now: incomplete, missing respiration-rate, spo2, pulse, temperature"))
            let stored = try TestJournal.open(journal).observations(afterID: 0)
            #expect(stored.map(\.observation.consciousness) == [.alert] && stored.first?.observation.onOxygen == false)
            let bad = try helsebro([
                "observe", "--patient", "p-1", "--consciousness", "X", "--by", "nurse-c", "--journal", journal,
            ])
            #expect(bad.status == 2 && bad.stderr.contains("A, C, V, P or U"))
        }
    }

    @Test("summaries: per day, CGM consensus metrics with the CGM IG's codes, home blood pressure")
    func summaries() throws {
        try JournalCommandTests().withJournal { journal in
            let store = try TestJournal.open(journal)
            // A CGM day: 2026-11-21 in Oslo, 12 readings at 60 mg/dL then 12 at 120, every 5 minutes from 06:00 local.
            let start = Timestamp(year: 2026, month: 11, day: 21, hour: 5)
            let rows = (0..<24).map { i in
                JournalReading(
                    patient: "p-1", device: "cgm-7", metric: "glucose",
                    value: .number(DecimalValue(mantissa: i < 12 ? 60 : 120, exponent: 0)), unit: "mg/dL",
                    loinc: "99504-3", mdc: 160_212, time: start.adding(seconds: Int64(i) * 300), status: [])
            }
            _ = try store.write([
                MessageOutcome(
                    identity: "cgm", topic: "t", device: "cgm-7", payload: [1], received: start, result: .readings(rows)
                )
            ])
            let end = Timestamp(year: 2026, month: 11, day: 21, hour: 23)  // midnight in Oslo
            let summarizer = Summarizer(store: store, homeDevices: ["cuff-9"])
            let cgm = try summarizer.summarize(patient: "p-1", metric: "glucose", days: 2, end: end)
            #expect(cgm.map(\.kind) == ["daily", "cgm"])
            let daily = try #require(try JSONSerialization.jsonObject(with: Data(cgm[0].body.utf8)) as? [String: Any])
            let stats = try #require(daily["statistics"] as? [String: Any])
            #expect(daily["date"] as? String == "2026-11-21" && stats["count"] as? Int == 24)
            #expect(stats["mean"] as? Double == 90 && stats["min"] as? Int == 60 && stats["last"] as? Int == 120)
            let body = try #require(try JSONSerialization.jsonObject(with: Data(cgm[1].body.utf8)) as? [String: Any])
            let ranges = try #require(body["times-in-ranges"] as? [String: Any])
            #expect(ranges["loinc"] as? String == "106793-3")
            #expect((ranges["target"] as? [String: Any])?["value"] as? Int == 50)
            #expect((ranges["low"] as? [String: Any])?["value"] as? Int == 50)
            #expect((ranges["target"] as? [String: Any])?["loinc"] as? String == "97510-2")
            #expect((body["mean"] as? [String: Any])?["value"] as? Int == 90)
            #expect((body["gmi"] as? [String: Any])?["loinc"] as? String == "97506-0")
            // 24 readings × 5 min over two days: 2 hours of 48 is 4.2 % active; one day worn.
            #expect((body["sensor-active"] as? [String: Any])?["value"] as? Double == 4.2)
            #expect((body["days-worn"] as? [String: Any])?["value"] as? Int == 1)
            // Home blood pressure: the cuff's 141 at 09:00 Oslo on 2026-11-20 is a morning reading.
            let bp = try summarizer.summarize(patient: "p-1", metric: "systolic", days: 7, end: end)
            #expect(bp.map(\.kind) == ["daily", "home-bp"])
            let home = try #require(try JSONSerialization.jsonObject(with: Data(bp[1].body.utf8)) as? [String: Any])
            #expect((home["morning"] as? [String: Any])?["mean"] as? Int == 141 && home["evening"] is NSNull)
            // Written into the journal, and replaced rather than repeated when run again.
            _ = try summarizer.summarize(patient: "p-1", metric: "glucose", days: 2, end: end)
            #expect(
                try store.summaries(patient: "p-1", metric: nil).map(\.kind).sorted() == [
                    "cgm", "daily", "daily", "home-bp",
                ])
            // The command: on demand, ending now.
            let cli = try helsebro([
                "summary", "--patient", "p-1", "--metric", "glucose", "--days", "366", "--format", "json", "--journal",
                journal,
            ])
            #expect(cli.status == 0 && cli.stdout.contains("\"kind\": \"cgm\""))
        }
    }
}

@Suite("registration revision")
struct RegistrationRevisionTests {
    @Test("every change to devices, pairings and overrides moves the revision; reads do not")
    func revision() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("helsebro-rev-\(UUID().uuidString)")
            .path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (_, store) = try TestJournal.make(dir)
        var seen = [try store.registrationRevision()]
        try store.addPatient(id: "p", name: nil)
        try store.addDevice(DeviceRecord(id: "d", profile: "bp-cuff-ua200", firmware: nil))
        seen.append(try store.registrationRevision())
        try store.pair(Pairing(device: "d", patient: "p", from: .year2000, to: nil))
        seen.append(try store.registrationRevision())
        _ = try store.devices()
        _ = try store.pairings()
        seen.append(try store.registrationRevision())
        try store.updateDevice(DeviceRecord(id: "d", profile: "bp-cuff-ua200", firmware: "bp-cuff-ua200-fw1"))
        seen.append(try store.registrationRevision())
        _ = try store.endPairing(device: "d", at: Timestamp(seconds: 2_000_000_000))
        seen.append(try store.registrationRevision())
        _ = try store.addOverride(
            ThresholdOverride(
                patient: "p", metric: "systolic", high: DecimalValue(mantissa: 160, exponent: 0), setBy: "dr",
                setAt: .year2000, reason: "r"))
        seen.append(try store.registrationRevision())
        _ = try store.endOverrides(patient: "p", metric: "systolic", by: "dr", reason: "r", at: .year2000)
        seen.append(try store.registrationRevision())
        #expect(seen == [0, 1, 2, 2, 3, 4, 5, 6])
    }
}
