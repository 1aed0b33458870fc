import Foundation
import HelsebroConfig
import HelsebroCore
import HelsebroJournal
import Hummingbird

/// Technicians' profiles and firmware specs: uploaded as YAML, checked as `helsebro profile lint` checks them (with
/// the rest of the registry), kept in the journal in every version. The running service picks a new version up within
/// seconds; readings record the profile version they were decoded with.
extension APIServer {
    func addConfigRoutes(_ router: Router<BasicRequestContext>) {
        let api = router.group("api")
        for (segment, firmware) in [("profiles", false), ("firmware", true)] {
            let kind = firmware ? "firmware" : "profile"
            api.get(RouterPath(stringLiteral: segment)) { request, _ in
                _ = try gate.principal(request)
                let registry = registries.current()
                let stored = try Self.journal { () throws(JournalError) in
                    try store.configDocuments(kind: kind, id: nil)
                }
                let ids = firmware ? registry.firmware.keys.sorted() : registry.profiles.keys.sorted()
                let rows = ids.map { id -> String in
                    let versions = stored.filter { $0.id == id }.map(\.version)
                    let version = firmware ? versions.max() ?? 0 : registry.profiles[id]?.version ?? 0
                    return "{\"id\": \(Self.text(id)), \"version\": \(version), "
                        + "\"uploaded-versions\": [\(versions.map(String.init).joined(separator: ", "))]}"
                }
                return Self.respond("[" + rows.joined(separator: ", ") + "]", fhir: false)
            }
            api.get(RouterPath(stringLiteral: segment + "/:id")) { request, context in
                _ = try gate.principal(request)
                let id = try parameter(context, "id")
                let stored = try Self.journal { () throws(JournalError) in try store.configDocuments(kind: kind, id: id)
                }
                guard let text = stored.last?.yaml ?? library.shippedText(id: id, firmware: firmware) else {
                    throw APIError(.notFound, "not-found", "no \(kind) '\(id)'")
                }
                return Self.yaml(text)
            }
            api.get(RouterPath(stringLiteral: segment + "/:id/versions/:version")) { request, context in
                _ = try gate.principal(request)
                let id = try parameter(context, "id")
                guard let version = Int(try parameter(context, "version")) else {
                    throw APIError(.badRequest, "invalid", "version is a number")
                }
                let stored = try Self.journal { () throws(JournalError) in try store.configDocuments(kind: kind, id: id)
                }
                if let d = stored.first(where: { $0.version == version }) { return Self.yaml(d.yaml) }
                // The shipped file is the version it declares (profiles) or version 0 (firmware specs).
                if let text = library.shippedText(id: id, firmware: firmware) {
                    let shipped =
                        firmware
                        ? 0
                        : Registry.load(sources: [.init(path: "f", id: id, isFirmware: false, text: text)]).profiles[
                            id]?.version
                    if shipped == version { return Self.yaml(text) }
                }
                throw APIError(.notFound, "not-found", "no version \(version) of \(kind) '\(id)'")
            }
            api.put(RouterPath(stringLiteral: segment + "/:id")) { request, context in
                let p = try gate.principal(request)
                try gate.require(p, .technician, .admin)
                let id = try parameter(context, "id")
                var r = request
                let buffer = try await r.collectBody(upTo: 256 * 1024)
                let text = String(decoding: buffer.readableBytesView, as: UTF8.self)
                let path = "request:\(firmware ? "Firmware-Specs" : "DeviceProfiles")/\(id).yaml"
                let before = registries.current()
                let candidate = library.registry(adding: [.init(path: path, id: id, isFirmware: firmware, text: text)])
                let issues = candidate.issues.filter { $0.file == path }
                if !issues.isEmpty {
                    let list = issues.map {
                        "{\"line\": \($0.line), \"column\": \($0.column), \"field\": \(Self.text($0.field)), \"message\": \(Self.text($0.message))}"
                    }
                    return Self.respond(
                        "{\"error\": \"invalid\", \"message\": \"the \(kind) does not pass lint\", \"issues\": [\(list.joined(separator: ", "))]}",
                        status: .badRequest, fhir: false)
                }
                let stored = try Self.journal { () throws(JournalError) in try store.configDocuments(kind: kind, id: id)
                }
                let version: Int
                if firmware {
                    version = (stored.map(\.version).max() ?? 0) + 1
                } else {
                    guard let profile = candidate.profiles[id] else {
                        throw APIError(.badRequest, "invalid", "the profile did not load")
                    }
                    let current = max(before.profiles[id]?.version ?? 0, stored.map(\.version).max() ?? 0)
                    guard profile.version > current else {
                        throw APIError(.conflict, "conflict", "version must be above \(current), the current version")
                    }
                    version = profile.version
                }
                try Self.journal { () throws(JournalError) in
                    try store.addConfigDocument(
                        ConfigDocument(
                            kind: kind, id: id, version: version, yaml: text, created: Timestamp.now,
                            createdBy: p.subject)
                    )
                }
                return Self.respond(
                    "{\"id\": \(Self.text(id)), \"version\": \(version)}", status: .created, fhir: false)
            }
        }
    }

    static func yaml(_ text: String) -> Response {
        Response(
            status: .ok, headers: [.contentType: "application/yaml"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
