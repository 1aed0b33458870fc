import ArgumentParser
import Foundation
import HelsebroAPI
import HelsebroCore
import HelsebroJournal

/// `helsebro token issue`: bearer tokens for the HTTP API, for operators.
struct TokenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token", abstract: "Bearer tokens for the HTTP API.", subcommands: [Issue.self])

    struct Issue: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "issue", abstract: "Print a signed token (JWT, HS256) for a role and subject.")
        @Option(help: "device, technician, clinician, patient or admin.") var role: String
        @Option(help: "Who: a clinician's id, or the patient's id for the patient role.") var subject: String
        @Option(help: "The clinician's organisation (consents to org:NAME cover them).") var org: String?
        @Option(help: "How long it is valid: 30m, 8h, 7d.") var ttl = DurationArgument(argument: "8h")!
        @Option(help: "Token key file (env HELSEBRO_TOKEN_KEY; default beside the journal, created if missing).")
        var tokenKey: String?
        @OptionGroup var journal: JournalOptions

        func run() throws {
            guard let r = Role(rawValue: role) else {
                throw ValidationError("--role must be device, technician, clinician, patient or admin")
            }
            guard !subject.isEmpty else { throw ValidationError("--subject must name someone") }
            let key = try TokenKey.load(file: try journal.tokenKeyFile(tokenKey))
            let t = Timestamp.now
            print(
                key.issue(
                    Principal(subject: subject, role: r, organisation: org, expires: t.adding(seconds: ttl.seconds)),
                    issuedAt: t))
        }
    }
}

/// `helsebro audit verify`: checks the access log's hash chain.
struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "The access log.", subcommands: [Verify.self])

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "verify",
            abstract: "Recompute the access log's SHA-256 chain; exit 1 if an entry was changed, removed or reordered.")
        @OptionGroup var journal: JournalOptions

        func run() throws {
            let v = try journal.open().verifyAccessLog()
            if let problem = v.problem {
                print("access log BROKEN at entry \(problem.id): \(problem.reason) (\(v.entries) entries checked)")
                throw ExitCode(1)
            }
            print("access log intact: \(v.entries) entries, chain verified")
        }
    }
}
