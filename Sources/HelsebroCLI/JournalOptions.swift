import ArgumentParser
import Foundation
import HelsebroCore
import HelsebroJournal

/// `--journal sqlite:PATH`, or `$HELSEBRO_JOURNAL`; default `sqlite:./helsebro.sqlite`.
struct JournalOptions: ParsableArguments {
    @Option(help: "Journal: sqlite:PATH (env HELSEBRO_JOURNAL).")
    var journal: String = ProcessInfo.processInfo.environment["HELSEBRO_JOURNAL"] ?? "sqlite:./helsebro.sqlite"

    func open() throws -> SQLiteJournal {
        guard journal.hasPrefix("sqlite:") else {
            throw ValidationError("--journal must be sqlite:PATH (PostgreSQL comes later), got '\(journal)'")
        }
        let path = String(journal.dropFirst("sqlite:".count))
        guard !path.isEmpty else { throw ValidationError("--journal sqlite: needs a file path") }
        return try SQLiteJournal(path: path)
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
