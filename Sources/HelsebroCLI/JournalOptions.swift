import ArgumentParser
import Foundation
import HelsebroConfig
import HelsebroCore
import HelsebroJournal
import HelsebroPostgres

/// `--journal sqlite:PATH` or `--journal postgres://...`, and `--config FILE`. Each setting comes from its option, else its environment variable,
/// else the configuration file, else the default (`sqlite:./helsebro.sqlite` for the journal).
struct JournalOptions: ParsableArguments {
    @Option(
        help:
            "Journal: sqlite:PATH or postgres://user[:password]@host[:port]/database (env HELSEBRO_JOURNAL; default sqlite:./helsebro.sqlite)."
    )
    var journal: String?

    @Option(help: "Configuration file (YAML, keys as the long options; env HELSEBRO_CONFIG).")
    var config: String?

    /// The configuration file's values, empty without one.
    func fileValues() throws -> [String: String] {
        guard let path = config ?? ProcessInfo.processInfo.environment["HELSEBRO_CONFIG"] else { return [:] }
        do {
            return try ServiceConfigFile.load(path: path)
        } catch {
            throw ValidationError(error.description)
        }
    }

    /// Option, environment variable, configuration file, default: the first that is set.
    func setting(_ option: String?, env: String, key: String, default fallback: String? = nil) throws -> String? {
        if let option { return option }
        if let v = ProcessInfo.processInfo.environment[env] { return v }
        if let v = try fileValues()[key] { return v }
        return fallback
    }

    var location: String {
        (try? setting(journal, env: "HELSEBRO_JOURNAL", key: "journal", default: "sqlite:./helsebro.sqlite"))
            ?? "sqlite:./helsebro.sqlite"
    }

    /// The bearer-token key file: option, env HELSEBRO_TOKEN_KEY, config `token-key`, else beside a SQLite journal.
    /// A PostgreSQL journal has no folder to put a secret beside: the key file must be named (every instance the
    /// same), rather than one being made wherever the command happens to run.
    func tokenKeyFile(_ option: String?) throws -> String {
        if let v = try setting(option, env: "HELSEBRO_TOKEN_KEY", key: "token-key") { return v }
        let journal = location
        guard journal.hasPrefix("sqlite:") else {
            throw ValidationError(
                "with a PostgreSQL journal, name the token key file with --token-key (or HELSEBRO_TOKEN_KEY), the same for every instance"
            )
        }
        return URL(fileURLWithPath: String(journal.dropFirst(7))).deletingLastPathComponent()
            .appendingPathComponent("helsebro-token.key").path
    }

    func open() throws -> SQLJournal {
        let journal = try setting(
            journal, env: "HELSEBRO_JOURNAL", key: "journal", default: "sqlite:./helsebro.sqlite")!
        guard let opened = try SQLJournal.open(location: journal) else {
            throw ValidationError("--journal must be sqlite:PATH or postgres://..., got '\(journal)'")
        }
        return opened
    }
}

/// RFC 3339 as an option value.
struct RFC3339: ExpressibleByArgument {
    var timestamp: Timestamp
    init?(argument: String) {
        guard let t = Timestamp(rfc3339: argument) else { return nil }
        timestamp = t
    }
}

enum OutputFormat: String, ExpressibleByArgument, CaseIterable { case text, json, fhir }
enum ListFormat: String, ExpressibleByArgument, CaseIterable { case text, json }

func hexString(_ bytes: [UInt8]) -> String {
    let digits = Array("0123456789abcdef")
    var s = ""
    s.reserveCapacity(bytes.count * 2)
    for b in bytes {
        s.append(digits[Int(b >> 4)])
        s.append(digits[Int(b & 0xF)])
    }
    return s
}
