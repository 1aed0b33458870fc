import Foundation
import HelsebroCore
import HelsebroJournal
import Hummingbird

/// An error that becomes an HTTP response: an OperationOutcome under `/fhir`, `{"error", "message"}` elsewhere.
/// Messages never contain patient data.
struct APIError: HTTPResponseError {
    var status: HTTPResponse.Status
    /// FHIR issue type: `login`, `forbidden`, `not-found`, `invalid`, `conflict`, `exception`.
    var code: String
    var message: String

    init(_ status: HTTPResponse.Status, _ code: String, _ message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        let fhir = request.uri.path.hasPrefix("/fhir")
        let body =
            fhir
            ? FHIR.operationOutcome(code: code, diagnostics: message)
            : "{\"error\": \(JSONText.string(code)), \"message\": \(JSONText.string(message))}"
        var headers: HTTPFields = [.contentType: fhir ? "application/fhir+json" : "application/json"]
        if status == .unauthorized { headers[.wwwAuthenticate] = "Bearer" }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    static func from(_ e: JournalError) -> APIError {
        switch e.code {
        case .notFound: APIError(.notFound, "not-found", e.description)
        case .conflict: APIError(.conflict, "conflict", e.description)
        case .invalidArgument, .alreadyExists: APIError(.badRequest, "invalid", e.description)
        default: APIError(.internalServerError, "exception", "the journal could not answer")
        }
    }
}

/// Authentication and access decisions, and the access log.
///
/// A patient reads their own record. A clinician reads a patient's data only under a consent in force for the
/// scope (`journal` or `alerts`) given to them or to their organisation, or under emergency access they declared with
/// a reason. Every decision about patient data, allowed or refused, is appended to the hash-chained access log.
struct Gate: Sendable {
    let store: any JournalStore
    let key: TokenKey

    func principal(_ request: Request) throws -> Principal {
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer ") else {
            throw APIError(.unauthorized, "login", "a bearer token is required")
        }
        do {
            return try key.verify(String(header.dropFirst(7)), now: Timestamp.now)
        } catch {
            throw APIError(.unauthorized, "login", error.description)
        }
    }

    func require(_ p: Principal, _ roles: Role...) throws {
        guard roles.contains(p.role) else {
            throw APIError(.forbidden, "forbidden", "the \(p.role.rawValue) role may not do this")
        }
    }

    /// Why `p` may see `patient`'s data in `scope`, or nil.
    func basis(_ p: Principal, patient: String, scope: String, at now: Timestamp) throws -> String? {
        switch p.role {
        case .patient:
            return p.subject == patient ? "own record" : nil
        case .clinician:
            let org = p.organisation.map { "org:" + $0 }
            if let c = try store.consents(patient: patient).first(where: {
                $0.inForce(at: now) && $0.scopes.contains(scope) && ($0.grantee == p.subject || $0.grantee == org)
            }) {
                return "consent \(c.id)"
            }
            if let e = try store.emergencyAccess(patient: patient, clinician: p.subject, at: now) {
                return "emergency \(e.id): \(e.reason)"
            }
            return nil
        default:
            return nil
        }
    }

    /// Decides, logs, and throws 403 when refused. Returns the basis.
    @discardableResult
    func authorize(_ p: Principal, patient: String, scope: String = "journal", action: String) throws -> String {
        let now = Timestamp.now
        do {
            let basis = try self.basis(p, patient: patient, scope: scope, at: now)
            let refusal =
                p.role == .clinician
                ? "no consent in force for \(scope) and no emergency access"
                : p.role == .patient
                    ? "another patient's record" : "the \(p.role.rawValue) role may not read patient data"
            _ = try store.appendAccessLog(
                AccessLogEntry(
                    time: now, actor: p.subject, role: p.role.rawValue, patient: patient, action: action,
                    outcome: basis == nil ? "refused" : "allowed", basis: basis ?? refusal))
            guard let basis else { throw APIError(.forbidden, "forbidden", refusal) }
            return basis
        } catch let e as JournalError {
            throw APIError.from(e)
        }
    }
}
