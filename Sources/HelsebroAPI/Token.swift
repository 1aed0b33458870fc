import Crypto
import Foundation
import HelsebroCore

/// The roles of the contract (DESIGN.md, Access).
public enum Role: String, Sendable, CaseIterable {
    case device, technician, clinician, patient, admin
}

/// Who a bearer token says the caller is.
public struct Principal: Sendable, Equatable {
    public var subject: String
    public var role: Role
    /// The organisation a clinician works for, so that a consent to the organisation covers them.
    public var organisation: String?
    public var expires: Timestamp

    public init(subject: String, role: Role, organisation: String? = nil, expires: Timestamp) {
        self.subject = subject
        self.role = role
        self.organisation = organisation
        self.expires = expires
    }
}

/// Bearer tokens: JWTs (RFC 7519) signed with HMAC-SHA256 (`HS256`) by a key from configuration.
///
/// Only `HS256` is accepted (the `alg` header is checked, never trusted), the signature is compared in constant time,
/// and `exp` is required.
public struct TokenKey: Sendable {
    let key: SymmetricKey

    public init(secret: [UInt8]) { key = SymmetricKey(data: secret) }

    /// Reads the key file, creating it with a random 256-bit key (mode 0600) if it does not exist.
    public static func load(file: String) throws -> TokenKey {
        if let data = FileManager.default.contents(atPath: file) {
            let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard text.count >= 32 else {
                throw TokenError("the token key in \(file) is shorter than 32 characters; use a longer one")
            }
            return TokenKey(secret: Array(text.utf8))
        }
        let random = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0).base64EncodedString() }
        guard
            FileManager.default.createFile(
                atPath: file, contents: Data((random + "\n").utf8),
                attributes: [
                    .posixPermissions: 0o600
                ])
        else { throw TokenError("cannot create the token key file \(file)") }
        return TokenKey(secret: Array(random.utf8))
    }

    public func issue(_ p: Principal, issuedAt: Timestamp) -> String {
        let header = Base64URL.encode(Array(#"{"alg":"HS256","typ":"JWT"}"#.utf8))
        var claims =
            "{\"sub\":\(JSONText.string(p.subject)),\"role\":\"\(p.role.rawValue)\",\"iat\":\(issuedAt.seconds),\"exp\":\(p.expires.seconds)"
        if let org = p.organisation { claims += ",\"org\":\(JSONText.string(org))" }
        claims += "}"
        let input = header + "." + Base64URL.encode(Array(claims.utf8))
        return input + "." + Base64URL.encode(signature(input))
    }

    func signature(_ input: String) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: Data(input.utf8), using: key))
    }

    /// The principal of a valid, unexpired token.
    public func verify(_ token: String, now: Timestamp) throws(TokenError) -> Principal {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let headerBytes = Base64URL.decode(parts[0]),
            let claimBytes = Base64URL.decode(parts[1]),
            let sig = Base64URL.decode(parts[2])
        else { throw TokenError("malformed token") }
        guard let header = try? JSONSerialization.jsonObject(with: Data(headerBytes)) as? [String: Any],
            header["alg"] as? String == "HS256"
        else { throw TokenError("unsupported token algorithm; HS256 is required") }
        let input = parts[0] + "." + parts[1]
        guard HMAC<SHA256>.isValidAuthenticationCode(sig, authenticating: Data(input.utf8), using: key) else {
            throw TokenError("bad token signature")
        }
        guard let claims = try? JSONSerialization.jsonObject(with: Data(claimBytes)) as? [String: Any],
            let sub = claims["sub"] as? String, !sub.isEmpty, let roleText = claims["role"] as? String,
            let role = Role(rawValue: roleText), let exp = (claims["exp"] as? NSNumber)?.int64Value
        else { throw TokenError("token lacks sub, role or exp") }
        guard now.seconds < exp else { throw TokenError("token expired") }
        return Principal(
            subject: sub, role: role, organisation: claims["org"] as? String, expires: Timestamp(seconds: exp))
    }
}

public struct TokenError: Error, CustomStringConvertible, Sendable {
    public var description: String
    init(_ d: String) { description = d }
}

/// Base64url without padding (RFC 7515 §2).
enum Base64URL {
    static func encode(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(
            of: "/", with: "_"
        ).replacingOccurrences(of: "=", with: "")
    }

    static func decode(_ text: Substring) -> [UInt8]? {
        var s = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while s.count % 4 != 0 { s += "=" }
        return Data(base64Encoded: s).map { [UInt8]($0) }
    }
}
