import Foundation
import HelsebroConfig
import HelsebroCore
import HelsebroJournal
import Hummingbird

extension APIServer {
    static let text = JSONText.string

    static func consentJSON(_ c: Consent) -> String {
        "{\"id\": \(c.id), \"patient\": \(text(c.patient)), \"grantee\": \(text(c.grantee)), "
            + "\"scopes\": [\(c.scopes.map(text).joined(separator: ", "))], \"granted\": \(text(c.granted.rfc3339)), "
            + "\"expires\": \(c.expires.map { text($0.rfc3339) } ?? "null"), "
            + "\"revoked\": \(c.revoked.map { text($0.rfc3339) } ?? "null"), \"in-force\": \(c.inForce(at: Timestamp.now))}"
    }

    func addAPIRoutes(_ router: Router<BasicRequestContext>) {
        let api = router.group("api")

        // MARK: Patients: consents, emergency access, access log

        api.post("patients/:id/consents") { request, context in
            let p = try gate.principal(request)
            let patient = try parameter(context, "id")
            guard p.role == .patient, p.subject == patient else {
                throw APIError(.forbidden, "forbidden", "only the patient grants consent to their record")
            }
            let body = try await Self.body(request)
            guard let grantee = body["grantee"] as? String, !grantee.isEmpty else {
                throw APIError(.badRequest, "invalid", "grantee (a clinician's id, or org:NAME) is required")
            }
            let scopes = (body["scopes"] as? [String]) ?? ["journal", "alerts"]
            guard !scopes.isEmpty, scopes.allSatisfy({ $0 == "journal" || $0 == "alerts" }) else {
                throw APIError(.badRequest, "invalid", "scopes are journal and alerts")
            }
            var expires: Timestamp?
            if let e = body["expires"] as? String {
                guard let t = Timestamp(rfc3339: e), t > Timestamp.now else {
                    throw APIError(.badRequest, "invalid", "expires must be an RFC 3339 time in the future")
                }
                expires = t
            }
            let c = try Self.journal { () throws(JournalError) in
                try store.grantConsent(
                    patient: patient, grantee: grantee, scopes: scopes, expires: expires, at: Timestamp.now)
            }
            return Self.respond(status: .created, Self.consentJSON(c), fhir: false)
        }
        api.get("patients/:id/consents") { request, context in
            let p = try gate.principal(request)
            let patient = try parameter(context, "id")
            guard p.role == .patient, p.subject == patient else {
                throw APIError(.forbidden, "forbidden", "a patient's consents are theirs to see")
            }
            let list = try Self.journal { () throws(JournalError) in try store.consents(patient: patient) }
            return Self.respond("[" + list.map(Self.consentJSON).joined(separator: ", ") + "]", fhir: false)
        }
        api.delete("patients/:id/consents/:consent") { request, context in
            let p = try gate.principal(request)
            let patient = try parameter(context, "id")
            guard p.role == .patient, p.subject == patient else {
                throw APIError(.forbidden, "forbidden", "only the patient revokes their consents")
            }
            guard let id = Int64(try parameter(context, "consent")),
                try Self.journal({ () throws(JournalError) in try store.consents(patient: patient) }).contains(where: {
                    $0.id == id
                })
            else { throw APIError(.notFound, "not-found", "no such consent for this patient") }
            let c = try Self.journal { () throws(JournalError) in
                try store.revokeConsent(id: id, by: p.subject, at: Timestamp.now)
            }
            return Self.respond(Self.consentJSON(c), fhir: false)
        }
        api.post("patients/:id/emergency-access") { request, context in
            let p = try gate.principal(request)
            try gate.require(p, .clinician)
            let patient = try parameter(context, "id")
            let body = try await Self.body(request)
            guard let reason = (body["reason"] as? String)?.trimmingCharacters(in: .whitespacesAndNewlines),
                reason.count >= 10
            else {
                throw APIError(.badRequest, "invalid", "state the reason for emergency access (at least 10 characters)")
            }
            let e = try Self.journal { () throws(JournalError) in
                try store.grantEmergencyAccess(
                    patient: patient, clinician: p.subject, reason: reason, at: Timestamp.now, seconds: emergencySeconds
                )
            }
            _ = try Self.journal { () throws(JournalError) in
                try store.appendAccessLog(
                    AccessLogEntry(
                        time: e.from, actor: p.subject, role: p.role.rawValue, patient: patient,
                        action: "POST /api/patients/{id}/emergency-access", outcome: "allowed",
                        basis: "emergency \(e.id): \(reason)"))
            }
            return Self.respond(
                status: .created,
                "{\"id\": \(e.id), \"patient\": \(Self.text(patient)), \"until\": \(Self.text(e.to.rfc3339))}",
                fhir: false)
        }
        api.get("patients/:id/access-log") { request, context in
            let p = try gate.principal(request)
            let patient = try parameter(context, "id")
            guard (p.role == .patient && p.subject == patient) || p.role == .admin else {
                throw APIError(.forbidden, "forbidden", "the access log is for the patient")
            }
            if p.role == .patient {
                try gate.authorize(p, patient: patient, action: "GET /api/patients/{id}/access-log")
            }
            let log = try Self.journal { () throws(JournalError) in try store.accessLog(patient: patient) }
            let rows = log.map {
                "{\"id\": \($0.id), \"time\": \(Self.text($0.time.rfc3339)), \"actor\": \(Self.text($0.actor)), "
                    + "\"role\": \(Self.text($0.role)), \"action\": \(Self.text($0.action)), "
                    + "\"outcome\": \(Self.text($0.outcome)), \"basis\": \(Self.text($0.basis)), \"hash\": \(Self.text($0.hash))}"
            }
            return Self.respond("[" + rows.joined(separator: ",\n ") + "]", fhir: false)
        }

        // MARK: Clinicians: alerts, thresholds, observations

        api.get("patients/:id/alerts") { request, context in
            let p = try gate.principal(request)
            let patient = try parameter(context, "id")
            try gate.authorize(p, patient: patient, scope: "alerts", action: "GET /api/patients/{id}/alerts")
            let state = request.uri.queryParameters.get("state")
            let states: [String]? =
                switch state {
                case nil: nil
                case "active": ["open", "acknowledged", "snoozed"]
                case let s?: [s]
                }
            let list = try Self.journal { () throws(JournalError) in
                try store.alerts(patient: patient, states: states, limit: 500)
            }
            return Self.respond("[" + list.map(\.json).joined(separator: ", ") + "]", fhir: false)
        }
        api.post("alerts/:id/ack") { request, context in
            let p = try gate.principal(request)
            try gate.require(p, .clinician)
            let a = try alertFor(context)
            try gate.authorize(p, patient: a.key.patient, scope: "alerts", action: "POST /api/alerts/{id}/ack")
            let e = try Self.journal { () throws(JournalError) in
                try store.acknowledgeAlert(id: a.id, by: p.subject, at: Timestamp.now)
            }
            return Self.respond(e.json, fhir: false)
        }
        api.post("alerts/:id/snooze") { request, context in
            let p = try gate.principal(request)
            try gate.require(p, .clinician)
            let a = try alertFor(context)
            try gate.authorize(p, patient: a.key.patient, scope: "alerts", action: "POST /api/alerts/{id}/snooze")
            let body = try await Self.body(request)
            guard let minutes = body["minutes"] as? Int, (1...1440).contains(minutes) else {
                throw APIError(.badRequest, "invalid", "minutes (1 to 1440) is required")
            }
            let now = Timestamp.now
            let e = try Self.journal { () throws(JournalError) in
                try store.snoozeAlert(id: a.id, until: now.adding(seconds: Int64(minutes) * 60), by: p.subject, at: now)
            }
            return Self.respond(e.json, fhir: false)
        }
        api.get("alerts/stream") { request, _ in
            let p = try gate.principal(request)
            try gate.require(p, .clinician, .patient)
            return alertStream(p, only: request.uri.queryParameters.get("patient"))
        }
        api.post("patients/:id/observations") { request, context in
            let p = try gate.principal(request)
            try gate.require(p, .clinician)
            let patient = try parameter(context, "id")
            try gate.authorize(p, patient: patient, action: "POST /api/patients/{id}/observations")
            let body = try await Self.body(request)
            let observation = try Self.journal { () throws(JournalError) in
                try ClinicalObservation(
                    patient: patient, consciousness: body["consciousness"] as? String,
                    oxygen: body["oxygen"] as? String,
                    spo2Scale: body["spo2Scale"] as? Int, by: p.subject, time: Timestamp.now,
                    fields: ("consciousness", "oxygen", "spo2Scale"))
            }
            try Self.journal { () throws(JournalError) in try store.addObservation(observation) }
            return Self.respond(status: .created, "{\"recorded\": true}", fhir: false)
        }
        api.post("patients/:id/thresholds") { request, context in
            let p = try gate.principal(request)
            try gate.require(p, .clinician)
            let patient = try parameter(context, "id")
            try gate.authorize(p, patient: patient, action: "POST /api/patients/{id}/thresholds")
            let body = try await Self.body(request)
            guard let metric = body["metric"] as? String else {
                throw APIError(.badRequest, "invalid", "metric is required")
            }
            guard let why = body["why"] as? String, !why.isEmpty else {
                throw APIError(.badRequest, "invalid", "why is required")
            }
            func bound(_ key: String) throws -> DecimalValue? {
                guard let v = body[key] else { return nil }
                guard let n = v as? NSNumber, let d = DecimalValue(text: Array("\(n)".utf8)) else {
                    throw APIError(.badRequest, "invalid", "\(key) must be a number")
                }
                return d
            }
            var window: DailyWindow?
            if let f = body["from"] as? String, let t = body["to"] as? String {
                guard let w = DailyWindow(from: f, to: t) else {
                    throw APIError(.badRequest, "invalid", "from and to are HH:MM")
                }
                window = w
            }
            let o = ThresholdOverride(
                patient: patient, metric: metric, low: try bound("low"), high: try bound("high"),
                criticalLow: try bound("criticalLow"), criticalHigh: try bound("criticalHigh"), window: window,
                setBy: p.subject, setAt: Timestamp.now, reason: why)
            guard o.low != nil || o.high != nil || o.criticalLow != nil || o.criticalHigh != nil else {
                throw APIError(.badRequest, "invalid", "give at least one of low, high, criticalLow, criticalHigh")
            }
            if let problem = registries.current().problem(with: o) {
                throw APIError(.badRequest, "invalid", problem)
            }
            let id = try Self.journal { () throws(JournalError) in try store.addOverride(o) }
            return Self.respond(status: .created, "{\"id\": \(id)}", fhir: false)
        }

        // MARK: Technicians: devices and pairings

        api.get("devices") { request, _ in
            let p = try gate.principal(request)
            try gate.require(p, .technician, .admin)
            let devices = try Self.journal { () throws(JournalError) in try store.devices() }
            let rows = devices.map {
                "{\"id\": \(Self.text($0.id)), \"profile\": \(Self.text($0.profile)), \"firmware\": \($0.firmware.map(Self.text) ?? "null")}"
            }
            return Self.respond("[" + rows.joined(separator: ", ") + "]", fhir: false)
        }
        api.post("devices") { request, _ in
            let p = try gate.principal(request)
            try gate.require(p, .technician, .admin)
            let body = try await Self.body(request)
            guard let id = body["id"] as? String, !id.isEmpty else {
                throw APIError(.badRequest, "invalid", "id is required")
            }
            let device = try deviceRecord(id: id, body)
            try Self.journal { () throws(JournalError) in try store.addDevice(device) }
            return Self.respond(status: .created, "{\"id\": \(Self.text(id))}", fhir: false)
        }
        api.put("devices/:id") { request, context in
            let p = try gate.principal(request)
            try gate.require(p, .technician, .admin)
            let id = try parameter(context, "id")
            let device = try deviceRecord(id: id, try await Self.body(request))
            try Self.journal { () throws(JournalError) in try store.updateDevice(device) }
            return Self.respond(
                "{\"id\": \(Self.text(id)), \"profile\": \(Self.text(device.profile))}", fhir: false)
        }
        api.post("devices/:id/unpair") { request, context in
            let p = try gate.principal(request)
            try gate.require(p, .technician, .admin)
            let id = try parameter(context, "id")
            let at = Timestamp.now
            let ended = try Self.journal { () throws(JournalError) in try store.endPairing(device: id, at: at) }
            return Self.respond(
                "{\"device\": \(Self.text(id)), \"patient\": \(Self.text(ended.patient)), \"to\": \(Self.text(at.rfc3339))}",
                fhir: false)
        }
        api.post("pairings") { request, _ in
            let p = try gate.principal(request)
            try gate.require(p, .technician, .admin)
            let body = try await Self.body(request)
            guard let device = body["device"] as? String, let patient = body["patient"] as? String else {
                throw APIError(.badRequest, "invalid", "device and patient are required")
            }
            let from = (body["from"] as? String).flatMap(Timestamp.init(rfc3339:)) ?? Timestamp.now
            try Self.journal { () throws(JournalError) in
                try store.pair(Pairing(device: device, patient: patient, from: from, to: nil))
            }
            return Self.respond(
                status: .created, "{\"device\": \(Self.text(device)), \"patient\": \(Self.text(patient))}", fhir: false)
        }

        router.get("openapi.yaml") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/yaml"],
                body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.text)))
        }
    }

    /// A device from a request body: its profile and firmware must make a decode plan in the registry now.
    func deviceRecord(id: String, _ body: [String: Any]) throws -> DeviceRecord {
        guard let profile = body["profile"] as? String else {
            throw APIError(.badRequest, "invalid", "profile is required")
        }
        let firmware = body["firmware"] as? String
        do {
            _ = try registries.current().plan(profile: profile, firmware: firmware)
        } catch {
            throw APIError(.badRequest, "invalid", "\(error)")
        }
        return DeviceRecord(id: id, profile: profile, firmware: firmware)
    }

    func alertFor(_ context: BasicRequestContext) throws -> AlertRecord {
        guard let id = Int64(try parameter(context, "id")),
            let a = try Self.journal({ () throws(JournalError) in try store.alert(id: id) })
        else { throw APIError(.notFound, "not-found", "no such alert") }
        return a
    }

    /// Server-Sent Events: each alert transition of the patients `p` may see, as it is journalled. Access is decided
    /// again for every event and every half second: when a consent is revoked or expires the stream stops sending
    /// that patient's alerts at once, and a stream for one patient (`?patient=`) ends.
    func alertStream(_ p: Principal, only: String?) -> Response {
        let store = self.store
        let gate = self.gate
        let body = ResponseBody { writer in
            var cursor = (try? store.latestIDs().alert) ?? 0
            var logged: Set<String> = []
            var quiet = 0
            try await writer.write(ByteBuffer(string: ": helsebro alerts\n\n"))
            while !Task.isCancelled {
                let now = Timestamp.now
                if let only, (try? gate.basis(p, patient: only, scope: "alerts", at: now)) ?? nil == nil {
                    try await writer.write(
                        ByteBuffer(string: "event: end\ndata: {\"reason\": \"access to this patient ended\"}\n\n"))
                    break
                }
                let events = (try? store.alertEvents(afterID: cursor, patient: only, limit: 500)) ?? []
                for stored in events {
                    cursor = stored.id
                    let e = stored.event
                    guard (try? gate.basis(p, patient: e.patient, scope: "alerts", at: now)) ?? nil != nil else {
                        continue
                    }
                    if !logged.contains(e.patient) {
                        logged.insert(e.patient)
                        _ = try? gate.authorize(
                            p, patient: e.patient, scope: "alerts", action: "GET /api/alerts/stream")
                    }
                    try await writer.write(ByteBuffer(string: "event: alert\ndata: \(e.json)\n\n"))
                }
                quiet = events.isEmpty ? quiet + 1 : 0
                if quiet >= 20 {
                    quiet = 0
                    try await writer.write(ByteBuffer(string: ": keep-alive\n\n"))
                }
                try await Task.sleep(nanoseconds: 500_000_000)
            }
            try await writer.finish(nil)
        }
        return Response(
            status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"], body: body)
    }
}
