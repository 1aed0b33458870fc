import Foundation
import HelsebroAPI
import HelsebroCore
import HelsebroIngest
import HelsebroJournal
import HelsebroTestSupport
import Testing

/// The HTTP API of a running `helsebro serve` on loopback, with a real broker and journal, called with curl.
@Suite("HTTP API against a running service", .serialized)
struct APIIntegrationTests {
    /// A service with an HTTP port, a token key, two patients with readings, an alert and a CGM summary.
    final class Fixture {
        let broker: TestBroker
        let journalPath: String
        let journal: SQLJournal
        let serve: ServeProcess
        let base: String
        let key: TokenKey

        init() throws {
            broker = try TestBroker()
            (journalPath, journal) = try makeJournal(
                broker.directory,
                devices: [
                    (id: "cuff-1", profile: "bp-cuff-ua200", firmware: "bp-cuff-ua200-fw2", patient: "patient-a"),
                    (id: "cgm-1", profile: "cgm-cg14", firmware: "cgm-cg14-fw1", patient: "patient-a"),
                    (id: "cuff-2", profile: "bp-cuff-ua200", firmware: "bp-cuff-ua200-fw2", patient: "patient-b"),
                ])
            let keyFile = broker.directory + "/token.key"
            key = try TokenKey.load(file: keyFile)
            let port = freePort()
            base = "http://127.0.0.1:\(port)"
            serve = try ServeProcess(
                broker: broker, journal: journalPath,
                extraArguments: ["--http", "127.0.0.1:\(port)", "--token-key", keyFile, "--no-summaries"])
            try serve.waitUntilSubscribed()
            try waitUntil(30, "the HTTP API to listen") { (try? self.call("GET", "/fhir/metadata").status) == 200 }
            let t = Timestamp(seconds: now().seconds - 3600)
            func reading(
                _ patient: String, _ device: String, _ metric: String, _ v: Int64, _ unit: String, _ loinc: String,
                _ at: Timestamp
            ) -> JournalReading {
                JournalReading(
                    patient: patient, device: device, metric: metric,
                    value: .number(DecimalValue(mantissa: v, exponent: 0)),
                    unit: unit, loinc: loinc, mdc: nil, time: at, status: [])
            }
            let cgm = (0..<12).map {
                reading(
                    "patient-a", "cgm-1", "glucose", $0 < 3 ? 60 : 130, "mg/dL", "99504-3",
                    t.adding(seconds: Int64($0) * 300))
            }
            _ = try journal.write([
                MessageOutcome(
                    identity: "m-a", topic: "t", device: "cuff-1", payload: [1], received: t,
                    result: .readings([
                        reading("patient-a", "cuff-1", "systolic", 141, "mm[Hg]", "8480-6", t),
                        JournalReading(
                            patient: "patient-a", device: "cuff-1", metric: "mean-arterial-pressure",
                            value: .absent(.nan),
                            unit: "mm[Hg]", loinc: "8478-0", mdc: 150_023, time: t, status: []),
                    ])),
                MessageOutcome(
                    identity: "m-cgm", topic: "t", device: "cgm-1", payload: [2], received: t, result: .readings(cgm)),
                MessageOutcome(
                    identity: "m-b", topic: "t", device: "cuff-2", payload: [3], received: t,
                    result: .readings([reading("patient-b", "cuff-2", "systolic", 120, "mm[Hg]", "8480-6", t)])),
            ])
            _ = try journal.recordAlertEvents([
                AlertEngine.Event(
                    key: AlertEngine.Key(
                        patient: "patient-a", metric: "systolic", kind: AlertEngine.Kind.thresholdHigh),
                    severity: .warning, transition: "raised", state: "open",
                    value: DecimalValue(mantissa: 185, exponent: 0),
                    unit: .mmHg, threshold: DecimalValue(mantissa: 180, exponent: 0), time: t)
            ])
            _ = try Summarizer(store: journal, homeDevices: ["cuff-1"]).summarize(
                patient: "patient-a", metric: "glucose", days: 2, end: now())
        }

        deinit { serve.stop() }

        func token(_ role: Role, _ subject: String, org: String? = nil) -> String {
            key.issue(
                Principal(subject: subject, role: role, organisation: org, expires: now().adding(seconds: 3600)),
                issuedAt: now())
        }

        struct Reply {
            var status: Int
            var body: String
            var json: Any? { try? JSONSerialization.jsonObject(with: Data(body.utf8)) }
        }

        func call(_ method: String, _ path: String, token: String? = nil, body: String? = nil) throws -> Reply {
            var args = ["-s", "-o", "-", "-w", "\n%{http_code}", "-X", method, base + path]
            if let token { args += ["-H", "Authorization: Bearer \(token)"] }
            if let body { args += ["-H", "Content-Type: application/json", "--data", body] }
            let out = try run("/usr/bin/curl", args)
            let lines = out.split(separator: "\n", omittingEmptySubsequences: false)
            return Reply(status: Int(lines.last ?? "") ?? -1, body: lines.dropLast().joined(separator: "\n"))
        }
    }

    @Test(
        "each role on each endpoint: 401 without a token, 403 without consent or role, 200 with it; emergency access logged"
    )
    func roles() throws {
        let f = try Fixture()
        let patientA = f.token(.patient, "patient-a")
        let patientB = f.token(.patient, "patient-b")
        let clinician = f.token(.clinician, "dr-a", org: "ahus")
        let other = f.token(.clinician, "dr-other")
        let technician = f.token(.technician, "tech-1")
        let device = f.token(.device, "cuff-1")
        let admin = f.token(.admin, "ops-1")
        let patientData = [
            "/fhir/Patient/patient-a", "/fhir/Patient/patient-a/$everything", "/fhir/Observation?patient=patient-a",
            "/fhir/Flag?patient=patient-a", "/api/patients/patient-a/alerts",
        ]
        for path in patientData + ["/fhir/Device", "/api/devices", "/api/patients/patient-a/consents"] {
            let r = try f.call("GET", path)
            #expect(r.status == 401, "\(path) without a token")
        }
        #expect(try f.call("GET", "/fhir/Patient/patient-a", token: "not.a.token").status == 401)
        let forged = TokenKey(secret: Array("another key entirely, 32 chars long".utf8)).issue(
            Principal(subject: "patient-a", role: .patient, expires: now().adding(seconds: 60)), issuedAt: now())
        #expect(try f.call("GET", "/fhir/Patient/patient-a", token: forged).status == 401)
        for path in patientData {
            #expect(try f.call("GET", path, token: patientA).status == 200, "\(path) as the patient")
            #expect(try f.call("GET", path, token: patientB).status == 403, "\(path) as another patient")
            #expect(try f.call("GET", path, token: clinician).status == 403, "\(path) without consent")
            #expect(try f.call("GET", path, token: technician).status == 403, "\(path) as a technician")
            #expect(try f.call("GET", path, token: device).status == 403, "\(path) as a device")
            #expect(try f.call("GET", path, token: admin).status == 403, "\(path) as an admin")
        }
        let worn = try #require(
            try f.call("GET", "/fhir/Device?patient=patient-a", token: technician).json as? [String: Any])
        #expect(worn["total"] as? Int == 2)
        #expect(try f.call("GET", "/fhir/Flag/alert-1", token: patientA).status == 200)
        #expect(try f.call("GET", "/fhir/Flag/alert-1", token: patientB).status == 403)
        for path in ["/fhir/Device", "/fhir/Device/cuff-1", "/api/devices"] {
            #expect(try f.call("GET", path, token: technician).status == 200, "\(path) as a technician")
            #expect(try f.call("GET", path, token: clinician).status == 403, "\(path) as a clinician")
        }
        // The patient consents to the clinician's organisation, for the journal only.
        let grant = try f.call(
            "POST", "/api/patients/patient-a/consents", token: patientA,
            body: #"{"grantee": "org:ahus", "scopes": ["journal"]}"#)
        #expect(grant.status == 201)
        #expect(
            try f.call("POST", "/api/patients/patient-a/consents", token: clinician, body: #"{"grantee": "dr-a"}"#)
                .status == 403)
        #expect(try f.call("GET", "/fhir/Patient/patient-a", token: clinician).status == 200)
        #expect(try f.call("GET", "/fhir/Observation?patient=patient-a", token: clinician).status == 200)
        // The consent does not give the alerts scope.
        #expect(try f.call("GET", "/fhir/Flag?patient=patient-a", token: clinician).status == 403)
        #expect(try f.call("GET", "/fhir/Patient/patient-b", token: clinician).status == 403)
        #expect(try f.call("GET", "/fhir/Patient/patient-a", token: other).status == 403)
        // Emergency access: a reason is required; then the data, and the patient sees it.
        let noReason = try f.call(
            "POST", "/api/patients/patient-a/emergency-access", token: other, body: #"{"reason": "x"}"#)
        #expect(noReason.status == 400)
        let emergency = try f.call(
            "POST", "/api/patients/patient-a/emergency-access", token: other,
            body: #"{"reason": "unconscious in the emergency department"}"#)
        #expect(emergency.status == 201)
        #expect(try f.call("GET", "/fhir/Patient/patient-a", token: other).status == 200)
        let log = try #require(
            try f.call("GET", "/api/patients/patient-a/access-log", token: patientA).json as? [[String: Any]])
        let entries = log.map {
            ($0["actor"] as? String ?? "", $0["outcome"] as? String ?? "", $0["basis"] as? String ?? "")
        }
        #expect(entries.contains { $0.0 == "dr-other" && $0.1 == "refused" })
        #expect(
            entries.contains {
                $0.0 == "dr-other" && $0.1 == "allowed" && $0.2.contains("unconscious in the emergency department")
            })
        #expect(entries.contains { $0.0 == "dr-a" && $0.1 == "allowed" && $0.2.hasPrefix("consent ") })
        #expect(entries.contains { $0.0 == "tech-1" && $0.1 == "refused" })
        #expect(try f.call("GET", "/api/patients/patient-a/access-log", token: clinician).status == 403)
        // The patient's log as FHIR AuditEvents; the admin may read it to audit.
        #expect(try f.call("GET", "/fhir/AuditEvent?patient=patient-a", token: admin).status == 200)
        // Errors under /fhir are OperationOutcomes.
        let denied = try f.call("GET", "/fhir/Patient/patient-b", token: clinician)
        #expect((denied.json as? [String: Any])?["resourceType"] as? String == "OperationOutcome")
        #expect(try f.call("GET", "/fhir/Observation/reading-999999", token: patientA).status == 404)
        // Technicians register devices; a bad profile is refused with the reason.
        let bad = try f.call("POST", "/api/devices", token: technician, body: #"{"id": "x-1", "profile": "nope"}"#)
        #expect(bad.status == 400)
        #expect(
            try f.call(
                "POST", "/api/devices", token: technician,
                body: #"{"id": "cuff-9", "profile": "bp-cuff-ua200", "firmware": "bp-cuff-ua200-fw2"}"#
            ).status == 201)
        #expect(
            try f.call("POST", "/api/devices", token: clinician, body: #"{"id": "y", "profile": "bp-cuff-ua200"}"#)
                .status == 403)
        // A firmware update, and the end of a pairing; a device not paired cannot be unpaired.
        #expect(
            try f.call(
                "PUT", "/api/devices/cuff-9", token: technician,
                body: #"{"profile": "bp-cuff-ua200", "firmware": "bp-cuff-ua200-fw1"}"#
            ).status == 200)
        #expect(try f.journal.devices().first { $0.id == "cuff-9" }?.firmware == "bp-cuff-ua200-fw1")
        let unpaired = try f.call("POST", "/api/devices/cuff-2/unpair", token: technician)
        #expect(unpaired.status == 200 && (unpaired.json as? [String: Any])?["patient"] as? String == "patient-b")
        #expect(try f.journal.pairings().first { $0.device == "cuff-2" }?.to != nil)
        #expect(try f.call("POST", "/api/devices/cuff-9/unpair", token: technician).status == 404)
        #expect(try f.journal.verifyAccessLog().problem == nil)
    }

    @Test("observation search by code and date, paged; an alert acknowledged over HTTP; NEWS2 observation")
    func searchAndClinicianActions() throws {
        let f = try Fixture()
        let patientA = f.token(.patient, "patient-a")
        let clinician = f.token(.clinician, "dr-a")
        _ = try f.call("POST", "/api/patients/patient-a/consents", token: patientA, body: #"{"grantee": "dr-a"}"#)
        let page = try #require(
            try f.call(
                "GET", "/fhir/Observation?patient=patient-a&code=http://loinc.org|99504-3&_count=5", token: clinician
            )
            .json as? [String: Any])
        #expect(page["total"] as? Int == 12 && (page["entry"] as? [Any])?.count == 5)
        let next = try #require(
            ((page["link"] as? [[String: Any]]) ?? []).first { $0["relation"] as? String == "next" }?["url"] as? String)
        let second = try #require(
            try f.call("GET", String(next.dropFirst(f.base.count)), token: clinician).json as? [String: Any])
        #expect((second["entry"] as? [Any])?.count == 5)
        let mdc = try #require(
            try f.call(
                "GET", "/fhir/Observation?patient=patient-a&code=urn:iso:std:iso:11073:10101|150023", token: clinician
            ).json as? [String: Any])
        #expect(mdc["total"] as? Int == 1)
        let future = try #require(
            try f.call("GET", "/fhir/Observation?patient=patient-a&date=ge2100-01-01", token: clinician).json
                as? [String: Any])
        #expect(future["total"] as? Int == 0)
        #expect(
            try f.call("GET", "/fhir/Observation?patient=patient-a&date=ge-nonsense", token: clinician).status == 400)
        let alerts = try #require(
            try f.call("GET", "/api/patients/patient-a/alerts?state=open", token: clinician).json as? [[String: Any]])
        let id = try #require(alerts.first?["id"] as? Int)
        let ack = try f.call("POST", "/api/alerts/\(id)/ack", token: clinician)
        #expect(ack.status == 200 && (ack.json as? [String: Any])?["by"] as? String == "dr-a")
        #expect(try f.call("POST", "/api/alerts/\(id)/ack", token: clinician).status == 409)
        #expect(
            try f.journal.alerts(patient: "patient-a", states: ["acknowledged"], limit: 5).first?.acknowledgedBy
                == "dr-a")
        let obs = try f.call(
            "POST", "/api/patients/patient-a/observations", token: clinician,
            body: #"{"consciousness": "A", "oxygen": "air"}"#)
        #expect(obs.status == 201)
        #expect(try f.journal.observations(afterID: 0).first?.observation.by == "dr-a")
        let threshold = try f.call(
            "POST", "/api/patients/patient-a/thresholds", token: clinician,
            body:
                #"{"metric": "systolic", "high": 160, "from": "22:00", "to": "07:00", "why": "nocturnal hypertension"}"#
        )
        #expect(threshold.status == 201)
        #expect(try f.journal.overrides(patient: "patient-a").first?.setBy == "dr-a")
    }

    @Test("a live alert stream ends at once when the patient revokes the consent")
    func revocationEndsStream() throws {
        let f = try Fixture()
        let patientA = f.token(.patient, "patient-a")
        let clinician = f.token(.clinician, "dr-a")
        let grant = try #require(
            try f.call("POST", "/api/patients/patient-a/consents", token: patientA, body: #"{"grantee": "dr-a"}"#).json
                as? [String: Any])
        let consent = try #require(grant["id"] as? Int)
        let out = f.broker.directory + "/stream.out"
        _ = FileManager.default.createFile(atPath: out, contents: nil)
        let curl = Process()
        curl.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        curl.arguments = [
            "-s", "-N", "-H", "Authorization: Bearer \(clinician)", f.base + "/api/alerts/stream?patient=patient-a",
        ]
        curl.standardOutput = FileHandle(forWritingAtPath: out)
        try curl.run()
        defer { if curl.isRunning { curl.terminate() } }
        func text() -> String { String(decoding: FileManager.default.contents(atPath: out) ?? Data(), as: UTF8.self) }
        try waitUntil(10, "the stream to open") { text().contains("helsebro alerts") }
        // A device's abnormal reading becomes an alert on the stream.
        let pub = try f.broker.publisher()
        defer { pub.close() }
        try pub.publish(
            topic: "helsebro/v1/devices/cuff-1/gatt/2a35",
            payload: bloodPressure(232, 95, 140, at: Timestamp(seconds: now().seconds - 30)))
        #expect(pub.flush())
        try waitUntil(20, "the alert on the stream") {
            text().contains("event: alert") && text().contains("\"value\": 232")
        }
        // Revoked: the stream says so and ends.
        #expect(try f.call("DELETE", "/api/patients/patient-a/consents/\(consent)", token: patientA).status == 200)
        try waitUntil(5, "the stream to end") { !curl.isRunning }
        #expect(text().contains("event: end"))
        #expect(
            try f.call("GET", "/api/alerts/stream?patient=patient-a", token: f.token(.technician, "t")).status == 403)
    }

    @Test("technicians upload profile versions: linted, versioned, old versions readable, readings keep their version")
    func profileVersions() throws {
        let f = try Fixture()
        let technician = f.token(.technician, "tech-1")
        let list = try #require(try f.call("GET", "/api/profiles", token: technician).json as? [[String: Any]])
        #expect(list.first { $0["id"] as? String == "bp-cuff-ua200" }?["version"] as? Int == 1)
        let shipped = try String(contentsOfFile: repositoryRoot + "/DeviceProfiles/bp-cuff-ua200.yaml", encoding: .utf8)
        // Refused with line and field: a unit Helsebro does not know.
        let broken = shipped.replacingOccurrences(of: "version: 1", with: "version: 2")
            .replacingOccurrences(
                of: "unit: mm[Hg]\n    decimals: 0\n    plausible: {low: 0, high: 300}",
                with: "unit: furlongs\n    decimals: 0\n    plausible: {low: 0, high: 300}")
        #expect(broken != shipped)
        let bad = try f.call("PUT", "/api/profiles/bp-cuff-ua200", token: technician, body: broken)
        let issues = try #require((bad.json as? [String: Any])?["issues"] as? [[String: Any]])
        #expect(
            bad.status == 400 && issues.first?["field"] as? String == "metrics[0].unit"
                && issues.first?["line"] as? Int == 20)
        // The same version again is a conflict; the clinician may not upload at all.
        #expect(try f.call("PUT", "/api/profiles/bp-cuff-ua200", token: technician, body: shipped).status == 409)
        #expect(
            try f.call("PUT", "/api/profiles/bp-cuff-ua200", token: f.token(.clinician, "dr"), body: shipped).status
                == 403)
        // Version 2 narrows the systolic plausible range to 250.
        let v2 = shipped.replacingOccurrences(of: "version: 1", with: "version: 2")
            .replacingOccurrences(
                of: "plausible: {low: 0, high: 300}\n    alerts: {critical-low: 90",
                with: "plausible: {low: 0, high: 250}\n    alerts: {critical-low: 90")
        #expect(v2.contains("high: 250"))
        let put = try f.call("PUT", "/api/profiles/bp-cuff-ua200", token: technician, body: v2)
        #expect(put.status == 201 && (put.json as? [String: Any])?["version"] as? Int == 2)
        #expect(try f.call("GET", "/api/profiles/bp-cuff-ua200/versions/1", token: technician).body == shipped)
        #expect(try f.call("GET", "/api/profiles/bp-cuff-ua200/versions/2", token: technician).body == v2)
        #expect(try f.call("GET", "/api/profiles/bp-cuff-ua200", token: technician).body == v2)
        // The running service decodes with version 2 (it looks again every two seconds): 260 mmHg is now implausible.
        Thread.sleep(forTimeInterval: 2.5)
        let pub = try f.broker.publisher()
        defer { pub.close() }
        let t = Timestamp(seconds: now().seconds - 20)
        try pub.publish(topic: "helsebro/v1/devices/cuff-1/gatt/2a35", payload: bloodPressure(130, 80, 97, at: t))
        try pub.publish(
            topic: "helsebro/v1/devices/cuff-1/gatt/2a35",
            payload: bloodPressure(260, 80, 140, at: t.adding(seconds: 5)))
        #expect(pub.flush())
        try waitUntil(20, "both messages handled") { try f.journal.statistics().messages == 5 }
        let fresh = try f.journal.readings(patient: "patient-a", since: t).filter { $0.reading.device == "cuff-1" }
        #expect(fresh.count == 3 && fresh.allSatisfy { $0.reading.profileVersion == 2 })
        #expect(try f.journal.quarantine(since: nil).first?.reason.contains("0–250") == true)
    }

    @Test("HTTPS with a certificate and key from the configuration; plain HTTP and untrusted clients get nothing")
    func https() throws {
        let broker = try TestBroker()
        let (path, _) = try makeJournal(broker.directory, devices: [])
        let cert = broker.directory + "/cert.pem"
        let key = broker.directory + "/key.pem"
        let made = try runStatus(
            "/usr/bin/openssl",
            [
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "1", "-subj",
                "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
            ])
        #expect(made.status == 0, "\(made.output)")
        let port = freePort()
        let serve = try ServeProcess(
            broker: broker, journal: path,
            extraArguments: [
                "--http", "127.0.0.1:\(port)", "--http-tls-cert", cert, "--http-tls-key", key, "--token-key",
                broker.directory + "/token.key",
            ])
        defer { serve.stop() }
        func status(_ args: [String]) -> String {
            (try? run("/usr/bin/curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}"] + args)) ?? ""
        }
        try waitUntil(30, "HTTPS to answer") {
            status(["--cacert", cert, "https://127.0.0.1:\(port)/fhir/metadata"]) == "200"
        }
        #expect(status(["http://127.0.0.1:\(port)/fhir/metadata"]) != "200")
        #expect(try runStatus("/usr/bin/curl", ["-s", "https://127.0.0.1:\(port)/fhir/metadata"]).status != 0)
    }

    @Test("the access log's hash chain finds a changed, a removed and a reordered entry")
    func tamperEvidence() throws {
        let f = try Fixture()
        let patientA = f.token(.patient, "patient-a")
        for _ in 0..<4 { _ = try f.call("GET", "/fhir/Patient/patient-a", token: patientA) }
        f.serve.stop()
        let verify = try run(helsebroExecutable(), ["audit", "verify", "--journal", f.journalPath])
        #expect(verify.contains("intact: 4 entries"))
        // The log refuses updates and deletes outright.
        #expect(throws: (any Error).self) {
            try TestJournal.runSQL(
                f.journalPath, sqlite: "UPDATE access_log SET basis = 'x' WHERE id = 2",
                postgres: "UPDATE access_log SET basis = 'x' WHERE id = 2")
        }
        #expect(throws: (any Error).self) {
            try TestJournal.runSQL(
                f.journalPath, sqlite: "DELETE FROM access_log WHERE id = 2",
                postgres: "DELETE FROM access_log WHERE id = 2")
        }
        // The tampering below edits a copy of the journal file.
        guard !TestJournal.isPostgres else { return }
        // Someone with the file drops the guard and edits; each kind of tampering is found, in a copy of its own.
        for (name, sql, expected) in [
            ("changed", "UPDATE access_log SET actor = 'nobody' WHERE id = 2", "entry 2: its content was changed"),
            ("removed", "DELETE FROM access_log WHERE id = 2", "entry 3: entry 2 is missing"),
            (
                "reordered",
                "UPDATE access_log SET id = id + 100 WHERE id IN (2, 3); UPDATE access_log SET id = 5 - (id - 100) WHERE id > 100",
                "entry 2: does not follow"
            ),
            ("truncated", "DELETE FROM access_log WHERE id = 4", "entries up to 4 were written"),
        ] {
            let copy = f.broker.directory + "/\(name).sqlite"
            // SQLite's backup API: the copy includes what is still in the write-ahead log.
            let backup = try runStatus(
                "/usr/bin/env",
                [
                    "python3", "-c",
                    "import sqlite3, sys; s = sqlite3.connect(sys.argv[1]); d = sqlite3.connect(sys.argv[2]); s.backup(d); d.close()",
                    String(f.journalPath.dropFirst("sqlite:".count)), copy,
                ])
            #expect(backup.status == 0, "\(backup.output)")
            try sqlite(copy, "DROP TRIGGER access_log_no_update; DROP TRIGGER access_log_no_delete; " + sql)
            let r = try runStatus(helsebroExecutable(), ["audit", "verify", "--journal", "sqlite:" + copy])
            #expect(r.status == 1 && r.output.contains(expected), "\(name): \(r.output)")
        }
    }

    @Test("FHIR output is valid R4 for an independent validator (fhir.resources 6.1.0, FHIR 4.0.1)")
    func independentValidation() throws {
        let f = try Fixture()
        let patientA = f.token(.patient, "patient-a")
        var files: [String] = []
        for (i, path) in [
            "/fhir/metadata", "/fhir/Patient/patient-a", "/fhir/Observation?patient=patient-a&_count=3",
            "/fhir/Flag?patient=patient-a", "/fhir/Patient/patient-a/$everything", "/fhir/AuditEvent?patient=patient-a",
            "/fhir/Patient/patient-b",
        ].enumerated() {
            let r = try f.call("GET", path, token: patientA)
            let file = f.broker.directory + "/fhir-\(i).json"
            try r.body.write(toFile: file, atomically: true, encoding: .utf8)
            files.append(file)
        }
        let everything = try String(contentsOfFile: files[4], encoding: .utf8)
        #expect(
            everything.contains("106793-3") && everything.contains("dataAbsentReason")
                && everything.contains("\"Flag\""))
        let python = repositoryRoot + "/.build-py/bin/python"
        try #require(
            FileManager.default.isExecutableFile(atPath: python), "run Tools/test.sh: it installs fhir.resources")
        let valid = try runStatus(python, [repositoryRoot + "/Tools/fhir-validate.py"] + files)
        #expect(valid.status == 0, "\(valid.output)")
        #expect(valid.output.components(separatedBy: "valid ").count - 1 == files.count)
        // The validator is real: a broken Observation (a string where a Quantity goes) is refused.
        let broken = f.broker.directory + "/broken.json"
        try #"{"resourceType": "Observation", "status": "final", "code": {"text": "x"}, "valueQuantity": "high"}"#
            .write(
                toFile: broken, atomically: true, encoding: .utf8)
        #expect(try runStatus(python, [repositoryRoot + "/Tools/fhir-validate.py", broken]).status == 1)
    }
}
