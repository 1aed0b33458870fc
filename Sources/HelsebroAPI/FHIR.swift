import Foundation
import HelsebroCore
import HelsebroJournal

/// FHIR R4 (4.0.1) JSON for the journal: Observation (vital-signs profile, LOINC and MDC codings, UCUM), Patient,
/// Device, Flag for alerts, summaries as Observations (CGM IG codes), AuditEvent, Bundle, OperationOutcome and the
/// CapabilityStatement. Written by hand as text: the shapes are few and fixed, and this keeps the output exact.
public enum FHIR {
    static let loinc = "http://loinc.org"
    static let mdc = "urn:iso:std:iso:11073:10101"
    static let ucum = "http://unitsofmeasure.org"
    static let categorySystem = "http://terminology.hl7.org/CodeSystem/observation-category"
    static let text = JSONText.string

    /// The FHIR R4 vital-signs profiles by LOINC code (FHIR R4 §8.1.2): a specific profile where one exists, else
    /// the base `vitalsigns` profile.
    static let vitalProfiles: [String: String] = [
        "8867-4": "heartrate", "9279-1": "resprate", "2708-6": "oxygensat", "59408-5": "oxygensat",
        "8310-5": "bodytemp", "29463-7": "bodyweight", "8302-2": "bodyheight", "39156-5": "bmi",
        "8480-6": "vitalsigns", "8462-4": "vitalsigns", "8478-0": "vitalsigns",
    ]

    static func coding(_ system: String, _ code: String, _ display: String? = nil) -> String {
        "{\"system\": \(text(system)), \"code\": \(text(code))" + (display.map { ", \"display\": \(text($0))" } ?? "")
            + "}"
    }

    static func quantity(_ value: String, _ unit: String) -> String {
        "{\"value\": \(value), \"unit\": \(text(unit)), \"system\": \"\(ucum)\", \"code\": \(text(unit))}"
    }

    // MARK: Observation

    public static func observation(_ s: StoredReading) -> String {
        let r = s.reading
        var codings: [String] = []
        if let l = r.loinc { codings.append(coding(loinc, l)) }
        if let m = r.mdc { codings.append(coding(mdc, String(m))) }
        var o = "{\"resourceType\": \"Observation\", \"id\": \"reading-\(s.id)\""
        if let l = r.loinc, let profile = vitalProfiles[l] {
            o += ", \"meta\": {\"profile\": [\"http://hl7.org/fhir/StructureDefinition/\(profile)\"]}"
        }
        o +=
            ", \"identifier\": [{\"system\": \"urn:helsebro:reading\", \"value\": \(text(s.message + "#" + r.metric))}]"
        o += ", \"status\": \"final\""
        if let l = r.loinc, vitalProfiles[l] != nil {
            o += ", \"category\": [{\"coding\": [\(coding(categorySystem, "vital-signs", "Vital Signs"))]}]"
        }
        o += ", \"code\": {\"coding\": [\(codings.joined(separator: ", "))], \"text\": \(text(r.metric))}"
        o += ", \"subject\": {\"reference\": \(text("Patient/" + r.patient))}"
        o += ", \"effectiveDateTime\": \(text(r.time.rfc3339)), \"issued\": \(text(s.received.rfc3339))"
        switch r.value {
        case .number(let d): o += ", \"valueQuantity\": \(quantity(d.description, r.unit))"
        case .absent(let a):
            o +=
                ", \"dataAbsentReason\": {\"coding\": [\(coding("http://terminology.hl7.org/CodeSystem/data-absent-reason", a.fhirDataAbsentReason))]}"
        }
        o += ", \"device\": {\"reference\": \(text("Device/" + r.device))}"
        return o + "}"
    }

    // MARK: Patient, Device

    public static func patient(id: String, name: String?) -> String {
        var p =
            "{\"resourceType\": \"Patient\", \"id\": \(text(id)), "
            + "\"identifier\": [{\"system\": \"urn:helsebro:patient\", \"value\": \(text(id))}], \"active\": true"
        if let name, !name.isEmpty { p += ", \"name\": [{\"text\": \(text(name))}]" }
        return p + "}"
    }

    public static func device(_ d: DeviceRecord, profile: DeviceProfile?, patient: String?) -> String {
        var o =
            "{\"resourceType\": \"Device\", \"id\": \(text(d.id)), "
            + "\"identifier\": [{\"system\": \"urn:helsebro:device\", \"value\": \(text(d.id))}], \"status\": \"active\""
        if let profile {
            o += ", \"manufacturer\": \(text(profile.manufacturer))"
            o += ", \"deviceName\": [{\"name\": \(text(profile.model)), \"type\": \"model-name\"}]"
        }
        o += ", \"modelNumber\": \(text(d.profile))"
        if let fw = d.firmware { o += ", \"version\": [{\"value\": \(text(fw))}]" }
        if let patient { o += ", \"patient\": {\"reference\": \(text("Patient/" + patient))}" }
        return o + "}"
    }

    // MARK: Flag (alerts)

    /// An alert as a Flag: an alert is a standing warning about the patient, shown while it is open and closed when it
    /// resolves, which is what Flag models (status active/inactive over a period). DetectedIssue is for an issue
    /// found in a clinical act (an order, a medication) with a mitigation, which an alert on a measurement is not.
    /// Severity, state and the last value go in the code's text and an extension-free `code.coding` of our own system.
    public static func flag(_ a: AlertRecord) -> String {
        let k = a.key
        var description = "\(a.severity.name) \(k.kind) alert on \(k.metric): \(a.value) \(a.unit.code)"
        if let t = a.threshold { description += " (threshold \(t))" }
        description += ", \(a.state)"
        var o = "{\"resourceType\": \"Flag\", \"id\": \"alert-\(a.id)\""
        o += ", \"identifier\": [{\"system\": \"urn:helsebro:alert\", \"value\": \"\(a.id)\"}]"
        o += ", \"status\": \(text(a.state == "resolved" ? "inactive" : "active"))"
        o +=
            ", \"category\": [{\"coding\": [\(coding("http://terminology.hl7.org/CodeSystem/flag-category", "clinical", "Clinical"))]}]"
        o += ", \"code\": {\"coding\": [\(coding("urn:helsebro:alert-kind", k.kind))], \"text\": \(text(description))}"
        o += ", \"subject\": {\"reference\": \(text("Patient/" + k.patient))}"
        o +=
            ", \"period\": {\"start\": \(text(a.raised.rfc3339))"
            + (a.resolved.map { ", \"end\": \(text($0.rfc3339))" } ?? "") + "}"
        if !k.device.isEmpty { o += ", \"author\": {\"reference\": \(text("Device/" + k.device))}" }
        return o + "}"
    }

    // MARK: Summaries

    /// A summary as Observations: daily statistics with `observation-statistics` components; the CGM summary as the
    /// HL7 CGM IG's Observations (times in ranges 106793-3 with five components, mean 97507-8, GMI 97506-0, CV
    /// 104638-2, days of wear 104636-6, sensor active 104637-4); home blood pressure with morning and evening means.
    public static func summaryObservations(_ s: SummaryRecord) -> [String] {
        guard let body = try? JSONSerialization.jsonObject(with: Data(s.body.utf8)) as? [String: Any] else { return [] }
        let period = "\"effectivePeriod\": {\"start\": \(text(s.start.rfc3339)), \"end\": \(text(s.end.rfc3339))}"
        let subject = "\"subject\": {\"reference\": \(text("Patient/" + s.patient))}"
        func head(_ id: String, _ code: String) -> String {
            "{\"resourceType\": \"Observation\", \"id\": \"summary-\(s.id)-\(id)\", \"status\": \"final\", "
                + "\"code\": \(code), \(subject), \(period)"
        }
        func number(_ v: Any?) -> String? { (v as? NSNumber).map { "\($0)" } }
        let stats = "http://terminology.hl7.org/CodeSystem/observation-statistics"
        func statComponents(_ st: [String: Any]?, _ unit: String, prefix: String = "") -> [String] {
            guard let st else { return [] }
            return [("average", "mean"), ("minimum", "min"), ("maximum", "max"), ("std-dev", "sd"), ("count", "count")]
                .compactMap { code, key in
                    guard let v = number(st[key]) else { return nil }
                    let q = key == "count" ? "{\"value\": \(v)}" : quantity(v, unit)
                    let label = prefix.isEmpty ? "" : ", \"text\": \(text(prefix + " " + code))"
                    return "{\"code\": {\"coding\": [\(coding(stats, code))]\(label)}, \"valueQuantity\": \(q)}"
                }
        }
        let metricCode: String = {
            if let l = body["loinc"] as? String {
                return "{\"coding\": [\(coding(loinc, l))], \"text\": \(text(s.metric))}"
            }
            return "{\"text\": \(text(s.metric))}"
        }()
        switch s.kind {
        case "daily":
            let unit = body["unit"] as? String ?? ""
            let c = statComponents(body["statistics"] as? [String: Any], unit)
            return [head("daily", metricCode) + ", \"component\": [\(c.joined(separator: ", "))]}"]
        case "home-bp":
            let unit = body["unit"] as? String ?? "mm[Hg]"
            let c =
                statComponents(body["morning"] as? [String: Any], unit, prefix: "morning")
                + statComponents(body["evening"] as? [String: Any], unit, prefix: "evening")
            return [head("home-bp", metricCode) + ", \"component\": [\(c.joined(separator: ", "))]}"]
        case "cgm":
            func part(_ key: String) -> (code: String, value: String, unit: String)? {
                guard let p = body[key] as? [String: Any], let code = p["loinc"] as? String, let v = number(p["value"])
                else { return nil }
                return (code, v, p["unit"] as? String ?? "%")
            }
            var out: [String] = []
            for key in ["mean", "gmi", "cv", "days-worn", "sensor-active"] {
                guard let p = part(key) else { continue }
                out.append(
                    head(key, "{\"coding\": [\(coding(loinc, p.code))]}")
                        + ", \"valueQuantity\": \(quantity(p.value, p.unit))}")
            }
            if let ranges = body["times-in-ranges"] as? [String: Any] {
                let components = ["very-low", "low", "target", "high", "very-high"].compactMap { key -> String? in
                    guard let p = ranges[key] as? [String: Any], let code = p["loinc"] as? String,
                        let v = number(p["value"])
                    else { return nil }
                    return
                        "{\"code\": {\"coding\": [\(coding(loinc, code))], \"text\": \(text(key))}, \"valueQuantity\": \(quantity(v, "%"))}"
                }
                out.append(
                    head("times-in-ranges", "{\"coding\": [\(coding(loinc, "106793-3"))]}")
                        + ", \"component\": [\(components.joined(separator: ", "))]}")
            }
            return out
        default:
            return []
        }
    }

    // MARK: AuditEvent

    public static func auditEvent(_ e: AccessLogEntry) -> String {
        let emergency = e.basis.hasPrefix("emergency")
        var o = "{\"resourceType\": \"AuditEvent\", \"id\": \"access-\(e.id)\""
        o +=
            ", \"type\": \(coding("http://terminology.hl7.org/CodeSystem/audit-event-type", "rest", "RESTful Operation"))"
        o += ", \"action\": \"R\", \"recorded\": \(text(e.time.rfc3339))"
        o +=
            ", \"outcome\": \(text(e.outcome == "allowed" ? "0" : "4")), \"outcomeDesc\": \(text(e.outcome + ": " + e.basis))"
        if e.outcome == "allowed" {
            let reason = emergency ? ("ETREAT", "Emergency Treatment") : ("TREAT", "Treatment")
            o +=
                ", \"purposeOfEvent\": [{\"coding\": [\(coding("http://terminology.hl7.org/CodeSystem/v3-ActReason", reason.0, reason.1))]}]"
        }
        o +=
            ", \"agent\": [{\"type\": {\"text\": \(text(e.role))}, \"who\": {\"identifier\": {\"value\": \(text(e.actor))}}, \"requestor\": true}]"
        o += ", \"source\": {\"observer\": {\"display\": \"helsebro\"}}"
        o +=
            ", \"entity\": [{\"what\": {\"reference\": \(text("Patient/" + e.patient))}, \"description\": \(text(e.action))}"
        o +=
            ", {\"what\": {\"identifier\": {\"system\": \"urn:helsebro:access-log-sha256\", \"value\": \(text(e.hash))}}, \"description\": \"hash chain\"}]"
        return o + "}"
    }

    // MARK: Bundle, OperationOutcome, CapabilityStatement

    public struct Entry {
        public var fullUrl: String
        public var resource: String

        public init(fullUrl: String, resource: String) {
            self.fullUrl = fullUrl
            self.resource = resource
        }
    }

    public static func bundle(
        type: String, entries: [Entry], total: Int? = nil, links: [(relation: String, url: String)] = []
    ) -> String {
        var b = "{\"resourceType\": \"Bundle\", \"type\": \(text(type))"
        if let total { b += ", \"total\": \(total)" }
        if !links.isEmpty {
            b +=
                ", \"link\": ["
                + links.map { "{\"relation\": \(text($0.relation)), \"url\": \(text($0.url))}" }
                .joined(separator: ", ") + "]"
        }
        let search = type == "searchset" ? ", \"search\": {\"mode\": \"match\"}" : ""
        b +=
            ", \"entry\": ["
            + entries.map { "{\"fullUrl\": \(text($0.fullUrl)), \"resource\": \($0.resource)\(search)}" }
            .joined(separator: ",\n ") + "]"
        return b + "}"
    }

    /// `code` from the FHIR issue-type value set: `login`, `forbidden`, `not-found`, `invalid`, `exception`.
    public static func operationOutcome(code: String, diagnostics: String) -> String {
        "{\"resourceType\": \"OperationOutcome\", \"issue\": [{\"severity\": \"error\", \"code\": \(text(code)), "
            + "\"diagnostics\": \(text(diagnostics))}]}"
    }

    public static func capabilityStatement(date: Timestamp) -> String {
        func read(_ type: String, search: [(String, String)] = [], readable: Bool = true, extra: String = "") -> String
        {
            var interactions = readable ? ["{\"code\": \"read\"}"] : []
            if !search.isEmpty { interactions.append("{\"code\": \"search-type\"}") }
            var r = "{\"type\": \"\(type)\", \"interaction\": [\(interactions.joined(separator: ", "))]"
            if !search.isEmpty {
                r +=
                    ", \"searchParam\": ["
                    + search.map { "{\"name\": \"\($0.0)\", \"type\": \"\($0.1)\"}" }
                    .joined(separator: ", ") + "]"
            }
            return r + extra + "}"
        }
        let resources = [
            read(
                "Patient",
                extra:
                    ", \"operation\": [{\"name\": \"everything\", \"definition\": \"http://hl7.org/fhir/OperationDefinition/Patient-everything\"}]"
            ),
            read(
                "Observation",
                search: [("patient", "reference"), ("code", "token"), ("date", "date"), ("_count", "number")]),
            read("Device", search: [("patient", "reference")]),
            read("Flag", search: [("patient", "reference")]),
            read("AuditEvent", search: [("patient", "reference")], readable: false),
        ]
        return "{\"resourceType\": \"CapabilityStatement\", \"status\": \"active\", \"date\": \(text(date.rfc3339)), "
            + "\"publisher\": \"Helsebro\", \"kind\": \"instance\", "
            + "\"software\": {\"name\": \"Helsebro\", \"version\": \"0.1.0\"}, "
            + "\"implementation\": {\"description\": \"Helsebro patient journal\"}, \"fhirVersion\": \"4.0.1\", "
            + "\"format\": [\"json\"], \"rest\": [{\"mode\": \"server\", "
            + "\"security\": {\"description\": \"Bearer JWT (HS256). Clinicians read a patient's data under the patient's consent or by recorded emergency access; every read is logged.\"}, "
            + "\"resource\": [\(resources.joined(separator: ", "))]}]}"
    }
}
