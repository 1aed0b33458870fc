import Foundation
import HelsebroCore
import HelsebroJournal
import HelsebroTestSupport
import Testing

/// Journal commands against a real journal: SQLite in a temporary folder, or the test PostgreSQL.
@Suite("helsebro journal, quarantine, stats, patient and device commands")
struct JournalCommandTests {
    /// A journal with two readings of one patient and one quarantined message, written through the store.
    func withJournal(_ body: (String) throws -> Void) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("helsebro-cli-\(UUID().uuidString)")
            .path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (arg, store) = try TestJournal.make(dir)
        #expect(try helsebro(["patient", "add", "--id", "p-1", "--journal", arg]).status == 0)
        #expect(
            try helsebro([
                "device", "add", "--id", "cuff-9", "--profile", "bp-cuff-ua200", "--firmware", "bp-cuff-ua200-fw2",
                "--journal", arg,
            ]).status == 0)
        #expect(
            try helsebro([
                "device", "pair", "--device", "cuff-9", "--patient", "p-1", "--from", "2026-01-01T00:00:00Z",
                "--journal", arg,
            ]).status == 0)
        let t = Timestamp(year: 2026, month: 11, day: 20, hour: 8)
        let rows = [
            JournalReading(
                patient: "p-1", device: "cuff-9", metric: "systolic",
                value: .number(DecimalValue(mantissa: 141, exponent: 0)), unit: "mm[Hg]", loinc: "8480-6", mdc: 150_021,
                time: t, status: []),
            JournalReading(
                patient: "p-1", device: "cuff-9", metric: "mean-arterial-pressure", value: .absent(.nan),
                unit: "mm[Hg]", loinc: "8478-0", mdc: 150_023, time: t, status: ["cuff-too-loose"]),
        ]
        _ = try store.write([
            MessageOutcome(
                identity: "m1", topic: "helsebro/v1/devices/cuff-9/gatt/2a35", device: "cuff-9", payload: [1],
                received: t, result: .readings(rows)),
            MessageOutcome(
                identity: "m2", topic: "helsebro/v1/devices/x/gatt/2a35", device: "x", payload: [0xAB, 0xCD],
                received: t, result: .quarantine(code: "unregistered-device", reason: "device is not registered")),
            MessageOutcome(
                identity: "m1", topic: "helsebro/v1/devices/cuff-9/gatt/2a35", device: "cuff-9", payload: [1],
                received: t, result: .readings(rows)),
        ])
        try body(arg)
    }

    @Test("journal show as JSON lines, FHIR and text")
    func show() throws {
        try withJournal { journal in
            let json = try helsebro(["journal", "show", "--patient", "p-1", "--format", "json", "--journal", journal])
            #expect(json.status == 0)
            let lines = json.stdout.split(separator: "\n").map {
                try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
            }
            #expect(lines.count == 2)
            #expect(
                lines[0]?["metric"] as? String == "systolic" && lines[0]?["value"] as? Int == 141
                    && lines[0]?["patient"] as? String == "p-1")
            #expect(
                lines[0]?["device"] as? String == "cuff-9" && lines[0]?["received"] as? String == "2026-11-20T08:00:00Z"
                    && lines[0]?["id"] is Int)
            #expect(lines[1]?["absent"] as? String == "nan" && lines[1]?["value"] is NSNull)
            let fhir = try helsebro(["journal", "show", "--patient", "p-1", "--format", "fhir", "--journal", journal])
            let bundle = try #require(try JSONSerialization.jsonObject(with: Data(fhir.stdout.utf8)) as? [String: Any])
            #expect(bundle["resourceType"] as? String == "Bundle")
            let entries = try #require(bundle["entry"] as? [[String: Any]])
            let first = try #require(entries.first?["resource"] as? [String: Any])
            #expect(first["resourceType"] as? String == "Observation")
            let quantity = try #require(first["valueQuantity"] as? [String: Any])
            #expect(
                quantity["system"] as? String == "http://unitsofmeasure.org" && quantity["code"] as? String == "mm[Hg]")
            let codings = ((first["code"] as? [String: Any])?["coding"] as? [[String: Any]]) ?? []
            #expect(codings.map { $0["system"] as? String } == ["http://loinc.org", "urn:iso:std:iso:11073:10101"])
            let second = try #require(entries.last?["resource"] as? [String: Any])
            #expect(
                ((second["dataAbsentReason"] as? [String: Any])?["coding"] as? [[String: Any]])?.first?["code"]
                    as? String == "not-a-number")
            let text = try helsebro(["journal", "show", "--patient", "p-1", "--journal", journal])
            #expect(text.stdout.contains("systolic  141 mm[Hg]"))
            let since = try helsebro([
                "journal", "show", "--patient", "p-1", "--since", "2026-11-21T00:00:00Z", "--format", "json",
                "--journal", journal,
            ])
            #expect(since.stdout.isEmpty)
        }
    }

    @Test("quarantine list and stats as JSON")
    func quarantineAndStats() throws {
        try withJournal { journal in
            let q = try helsebro(["quarantine", "list", "--format", "json", "--journal", journal])
            let row = try #require(try JSONSerialization.jsonObject(with: Data(q.stdout.utf8)) as? [String: Any])
            #expect(row["topic"] as? String == "helsebro/v1/devices/x/gatt/2a35" && row["payload"] as? String == "abcd")
            #expect(row["reason"] as? String == "device is not registered" && row["device"] as? String == "x")
            let s = try helsebro(["stats", "--format", "json", "--journal", journal])
            let stats = try #require(try JSONSerialization.jsonObject(with: Data(s.stdout.utf8)) as? [String: Any])
            #expect(
                stats["messages"] as? Int == 2 && stats["readings"] as? Int == 2 && stats["duplicates"] as? Int == 1)
            #expect((stats["quarantined"] as? [String: Int]) == ["unregistered-device": 1])
            #expect(stats["queue-depth"] is Int)
        }
    }

    @Test("a configuration file supplies settings; a misspelt key names file and line")
    func configFile() throws {
        try withJournal { journal in
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent(
                "helsebro-conf-\(UUID().uuidString)"
            ).path
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: dir) }
            try "# Helsebro\njournal: \(journal)\nmax-batch: 50\n".write(
                toFile: dir + "/good.yaml", atomically: true, encoding: .utf8)
            let s = try helsebro(["stats", "--format", "json", "--config", dir + "/good.yaml"])
            #expect(s.status == 0 && s.stdout.contains("\"readings\": 2"))
            try "journal: \(journal)\nmax-bach: 50\n".write(
                toFile: dir + "/bad.yaml", atomically: true, encoding: .utf8)
            let bad = try helsebro(["stats", "--config", dir + "/bad.yaml"])
            #expect(bad.status == 2 && bad.stderr.contains(dir + "/bad.yaml:2:1: max-bach: unknown field"))
        }
    }

    @Test("registration errors are one line that says what to do")
    func registrationErrors() throws {
        try withJournal { journal in
            let twice = try helsebro(["patient", "add", "--id", "p-1", "--journal", journal])
            #expect(twice.status != 0 && twice.stderr.contains("already exists"))
            let noProfile = try helsebro(["device", "add", "--id", "d", "--profile", "nope", "--journal", journal])
            #expect(noProfile.status == 2 && noProfile.stderr.contains("helsebro profile list"))
            let overlap = try helsebro([
                "device", "pair", "--device", "cuff-9", "--patient", "p-1", "--journal", journal,
            ])
            #expect(overlap.status != 0 && overlap.stderr.contains("already paired"))
            let unknown = try helsebro(["device", "pair", "--device", "nope", "--patient", "p-1", "--journal", journal])
            #expect(unknown.stderr.contains("helsebro device add"))
            let badJournal = try helsebro(["stats", "--journal", "sqlite:/nonexistent-dir/x.sqlite"])
            #expect(badJournal.status != 0 && badJournal.stderr.contains("cannot open the journal"))
            #expect(!badJournal.stderr.contains("Backtrace"))
        }
    }
}
