import Foundation
import HelsebroConfig
import HelsebroCore
import HelsebroJournal
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import Synchronization

/// The HTTP server inside `helsebro serve`: FHIR R4 under `/fhir`, clinicians', patients' and technicians' endpoints
/// under `/api`, the OpenAPI document at `/openapi.yaml`.
public struct APIServer: Sendable {
    let store: any JournalStore
    let library: ConfigLibrary
    let registries: RegistryCache
    let gate: Gate
    let host: String
    let port: Int
    /// PEM certificate chain and private key files; plain HTTP without.
    let tls: (certificate: String, key: String)?
    let logger: Logger
    /// How long emergency access lasts.
    let emergencySeconds: Int64 = 4 * 3600

    public init(
        store: any JournalStore, library: ConfigLibrary, key: TokenKey, host: String, port: Int,
        tls: (certificate: String, key: String)? = nil, logger: Logger
    ) {
        self.tls = tls
        self.store = store
        self.library = library
        self.registries = RegistryCache(store: store, library: library)
        self.gate = Gate(store: store, key: key)
        self.host = host
        self.port = port
        self.logger = logger
    }

    /// Serves until the task is cancelled.
    public func run() async throws {
        let router = Router()
        addFHIRRoutes(router)
        addAPIRoutes(router)
        addConfigRoutes(router)
        let logger = self.logger
        let (host, port) = (self.host, self.port)
        var server = HTTPServerBuilder.http1()
        if let tls {
            let chain = try NIOSSLCertificate.fromPEMFile(tls.certificate)
            let key = try NIOSSLPrivateKey(file: tls.key, format: .pem)
            let configuration = TLSConfiguration.makeServerConfiguration(
                certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
            server = try .tls(.http1(), tlsConfiguration: configuration)
        }
        let scheme = tls == nil ? "http" : "https"
        let app = Application(
            router: router, server: server,
            configuration: .init(address: .hostname(host, port: port), serverName: "helsebro"),
            onServerRunning: { _ in logger.info("http listening", metadata: ["address": "\(scheme)://\(host):\(port)"])
            },
            logger: logger)
        try await app.runService(gracefulShutdownSignals: [])
    }

    // MARK: Helpers

    static func respond(_ body: String, status: HTTPResponse.Status = .ok, fhir: Bool) -> Response {
        Response(
            status: status, headers: [.contentType: fhir ? "application/fhir+json" : "application/json"],
            body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    static func respond(status: HTTPResponse.Status, _ body: String, fhir: Bool) -> Response {
        respond(body, status: status, fhir: fhir)
    }

    static func base(_ request: Request) -> String {
        "http://" + (request.head.authority ?? "localhost")
    }

    static func journal<T>(_ body: () throws(JournalError) -> T) throws -> T {
        do {
            return try body()
        } catch {
            throw APIError.from(error)
        }
    }

    static func body(_ request: Request) async throws -> [String: Any] {
        var r = request
        let buffer = try await r.collectBody(upTo: 64 * 1024)
        guard let object = try? JSONSerialization.jsonObject(with: Data(buffer.readableBytesView)) as? [String: Any]
        else { throw APIError(.badRequest, "invalid", "the body must be a JSON object") }
        return object
    }

    func parameter(_ context: BasicRequestContext, _ name: String) throws -> String {
        guard let v = context.parameters.get(name), !v.isEmpty else {
            throw APIError(.badRequest, "invalid", "missing \(name)")
        }
        return v
    }

    // MARK: FHIR

    func addFHIRRoutes(_ router: Router<BasicRequestContext>) {
        let fhir = router.group("fhir")
        fhir.get("metadata") { _, _ in
            Self.respond(FHIR.capabilityStatement(date: Timestamp.now), fhir: true)
        }
        fhir.get("Patient/:id") { request, context in
            let p = try gate.principal(request)
            let id = try parameter(context, "id")
            try gate.authorize(p, patient: id, action: "GET /fhir/Patient")
            let name = try Self.journal { () throws(JournalError) in try store.patientName(id) }
            return Self.respond(FHIR.patient(id: id, name: name), fhir: true)
        }
        fhir.get("Patient/:id/$everything") { request, context in
            let p = try gate.principal(request)
            let id = try parameter(context, "id")
            try gate.authorize(p, patient: id, action: "GET /fhir/Patient/$everything")
            return Self.respond(try everything(id, base: Self.base(request)), fhir: true)
        }
        fhir.get("Observation") { request, _ in
            let p = try gate.principal(request)
            let q = request.uri.queryParameters
            guard let patient = q.get("patient").map(Self.reference) else {
                throw APIError(.badRequest, "invalid", "search Observations by patient")
            }
            try gate.authorize(p, patient: patient, action: "GET /fhir/Observation")
            return Self.respond(try searchObservations(request, patient: patient), fhir: true)
        }
        fhir.get("Observation/:id") { request, context in
            let p = try gate.principal(request)
            let id = try parameter(context, "id")
            guard id.hasPrefix("reading-"), let n = Int64(id.dropFirst(8)),
                let s = try Self.journal({ () throws(JournalError) in try store.reading(id: n) })
            else {
                throw APIError(.notFound, "not-found", "no Observation \(id)")
            }
            try gate.authorize(p, patient: s.reading.patient, action: "GET /fhir/Observation/{id}")
            return Self.respond(FHIR.observation(s), fhir: true)
        }
        fhir.get("Device") { request, _ in
            let p = try gate.principal(request)
            try gate.require(p, .technician, .admin)
            let (all, pairings) = try Self.journal { () throws(JournalError) in
                (try store.devices(), try store.pairings())
            }
            let wearers = Self.wearers(pairings)
            var devices = all
            if let patient = request.uri.queryParameters.get("patient").map(Self.reference) {
                devices = devices.filter { wearers[$0.id] == patient }
            }
            let base = Self.base(request)
            let profiles = registries.current().profiles
            let entries = devices.map { d in
                FHIR.Entry(
                    fullUrl: "\(base)/fhir/Device/\(d.id)",
                    resource: FHIR.device(d, profile: profiles[d.profile], patient: wearers[d.id]))
            }
            return Self.respond(FHIR.bundle(type: "searchset", entries: entries, total: entries.count), fhir: true)
        }
        fhir.get("Device/:id") { request, context in
            let p = try gate.principal(request)
            try gate.require(p, .technician, .admin)
            let id = try parameter(context, "id")
            let (all, pairings) = try Self.journal { () throws(JournalError) in
                (try store.devices(), try store.pairings())
            }
            guard let d = all.first(where: { $0.id == id }) else {
                throw APIError(.notFound, "not-found", "no Device \(id)")
            }
            let resource = FHIR.device(
                d, profile: registries.current().profiles[d.profile], patient: Self.wearers(pairings)[d.id])
            return Self.respond(resource, fhir: true)
        }
        fhir.get("Flag") { request, _ in
            let p = try gate.principal(request)
            guard let patient = request.uri.queryParameters.get("patient").map(Self.reference) else {
                throw APIError(.badRequest, "invalid", "search Flags by patient")
            }
            try gate.authorize(p, patient: patient, scope: "alerts", action: "GET /fhir/Flag")
            let alerts = try Self.journal { () throws(JournalError) in
                try store.alerts(patient: patient, states: nil, limit: 1000)
            }
            let base = Self.base(request)
            let entries = alerts.map {
                FHIR.Entry(fullUrl: "\(base)/fhir/Flag/alert-\($0.id)", resource: FHIR.flag($0))
            }
            return Self.respond(FHIR.bundle(type: "searchset", entries: entries, total: entries.count), fhir: true)
        }
        fhir.get("Flag/:id") { request, context in
            let p = try gate.principal(request)
            let id = try parameter(context, "id")
            guard id.hasPrefix("alert-"), let n = Int64(id.dropFirst(6)),
                let a = try Self.journal({ () throws(JournalError) in try store.alert(id: n) })
            else { throw APIError(.notFound, "not-found", "no Flag \(id)") }
            try gate.authorize(p, patient: a.key.patient, scope: "alerts", action: "GET /fhir/Flag/{id}")
            return Self.respond(FHIR.flag(a), fhir: true)
        }
        fhir.get("AuditEvent") { request, _ in
            let p = try gate.principal(request)
            guard let patient = request.uri.queryParameters.get("patient").map(Self.reference) else {
                throw APIError(.badRequest, "invalid", "search AuditEvents by patient")
            }
            // The access log is the patient's to read (and an admin's, to audit); reading it is logged too.
            if p.role != .admin { try gate.authorize(p, patient: patient, action: "GET /fhir/AuditEvent") }
            guard p.role == .patient || p.role == .admin else {
                throw APIError(.forbidden, "forbidden", "the access log is for the patient")
            }
            let log = try Self.journal { () throws(JournalError) in try store.accessLog(patient: patient) }
            let base = Self.base(request)
            let entries = log.map {
                FHIR.Entry(fullUrl: "\(base)/fhir/AuditEvent/access-\($0.id)", resource: FHIR.auditEvent($0))
            }
            return Self.respond(FHIR.bundle(type: "searchset", entries: entries, total: entries.count), fhir: true)
        }
    }

    /// `Patient/p-1` or `p-1`.
    static func reference(_ text: String) -> String {
        text.hasPrefix("Patient/") ? String(text.dropFirst(8)) : text
    }

    /// Who wears each device now, by device id.
    static func wearers(_ pairings: [Pairing]) -> [String: String] {
        let now = Timestamp.now
        var out: [String: String] = [:]
        for p in pairings where p.covers(now) { out[p.device] = p.patient }
        return out
    }

    /// `Observation?patient=&code=&date=ge…&date=le…&_count=&_offset=`, paged with `next`/`previous` links.
    func searchObservations(_ request: Request, patient: String) throws -> String {
        let q = request.uri.queryParameters
        var loinc: String?
        var mdc: UInt32?
        if let code = q.get("code") {
            let parts = code.split(separator: "|", maxSplits: 1).map(String.init)
            let (system, value) = parts.count == 2 ? (parts[0], parts[1]) : ("", parts[0])
            if system == FHIR.mdc || (system.isEmpty && UInt32(value) != nil) {
                guard let m = UInt32(value) else { throw APIError(.badRequest, "invalid", "an MDC code is a number") }
                mdc = m
            } else if system.isEmpty || system == FHIR.loinc {
                loinc = value
            } else {
                throw APIError(.badRequest, "invalid", "code system must be LOINC or MDC")
            }
        }
        var from: Timestamp?
        var to: Timestamp?
        for d in q.getAll("date") {
            let prefix = String(d.prefix(2))
            let value = ["ge", "le", "gt", "lt", "eq"].contains(prefix) ? String(d.dropFirst(2)) : d
            guard let t = Timestamp(rfc3339: value) ?? Timestamp(rfc3339: value + "T00:00:00Z") else {
                throw APIError(.badRequest, "invalid", "date must be RFC 3339 (or YYYY-MM-DD) with ge, le, gt or lt")
            }
            switch prefix {
            case "ge": from = t
            case "gt": from = Timestamp(microseconds: t.microseconds + 1)
            case "le": to = t
            case "lt": to = Timestamp(microseconds: t.microseconds - 1)
            default:
                from = t
                to = t
            }
        }
        let count = min(max(Int(q.get("_count") ?? "") ?? 50, 1), 500)
        let offset = max(Int(q.get("_offset") ?? "") ?? 0, 0)
        let (total, rows) = try Self.journal { () throws(JournalError) in
            try store.searchReadings(
                patient: patient, loinc: loinc, mdc: mdc, from: from, to: to, limit: count, offset: offset)
        }
        let base = Self.base(request)
        var query = request.uri.query ?? ""
        query = query.split(separator: "&").filter { !$0.hasPrefix("_offset=") }.joined(separator: "&")
        func page(_ o: Int) -> String { "\(base)/fhir/Observation?\(query)&_offset=\(o)" }
        var links = [(relation: "self", url: page(offset))]
        if offset + rows.count < total { links.append((relation: "next", url: page(offset + count))) }
        if offset > 0 { links.append((relation: "previous", url: page(max(0, offset - count)))) }
        let entries = rows.map {
            FHIR.Entry(fullUrl: "\(base)/fhir/Observation/reading-\($0.id)", resource: FHIR.observation($0))
        }
        return FHIR.bundle(type: "searchset", entries: entries, total: total, links: links)
    }

    /// The patient, their readings, alerts as Flags, summaries as Observations and the devices they wear.
    func everything(_ patient: String, base: String) throws -> String {
        try Self.journal { () throws(JournalError) in
            let name = try store.patientName(patient)
            var entries = [
                FHIR.Entry(fullUrl: "\(base)/fhir/Patient/\(patient)", resource: FHIR.patient(id: patient, name: name))
            ]
            for s in try store.readings(patient: patient, since: nil) {
                entries.append(
                    .init(fullUrl: "\(base)/fhir/Observation/reading-\(s.id)", resource: FHIR.observation(s)))
            }
            for a in try store.alerts(patient: patient, states: nil, limit: 10_000) {
                entries.append(.init(fullUrl: "\(base)/fhir/Flag/alert-\(a.id)", resource: FHIR.flag(a)))
            }
            for s in try store.summaries(patient: patient, metric: nil) {
                for (i, o) in FHIR.summaryObservations(s).enumerated() {
                    entries.append(.init(fullUrl: "urn:uuid:helsebro-summary-\(s.id)-\(i)", resource: o))
                }
            }
            let devices = Set(try store.pairings().filter { $0.patient == patient }.map(\.device))
            let profiles = registries.current().profiles
            for d in try store.devices() where devices.contains(d.id) {
                entries.append(
                    .init(
                        fullUrl: "\(base)/fhir/Device/\(d.id)",
                        resource: FHIR.device(d, profile: profiles[d.profile], patient: patient)))
            }
            return FHIR.bundle(type: "searchset", entries: entries, total: entries.count)
        }
    }
}

/// The registry as of the journal's latest uploaded profile or firmware spec, rebuilt only when that changes.
final class RegistryCache: Sendable {
    let store: any JournalStore
    let library: ConfigLibrary
    let state: Mutex<(revision: Int64, registry: Registry?)> = Mutex((-1, nil))

    init(store: any JournalStore, library: ConfigLibrary) {
        self.store = store
        self.library = library
    }

    func current() -> Registry {
        let revision = (try? store.configRevision()) ?? 0
        return state.withLock { s in
            if s.revision != revision || s.registry == nil { s = (revision, library.registry()) }
            return s.registry!
        }
    }
}
