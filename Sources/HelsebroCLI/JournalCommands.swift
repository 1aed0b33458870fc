import ArgumentParser
import Foundation
import HelsebroAPI
import HelsebroCore
import HelsebroIngest
import HelsebroJournal

/// `helsebro journal show`.
struct JournalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "journal", abstract: "Patient journals.", subcommands: [Show.self, Follow.self])

    struct Follow: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "follow",
            abstract: "Print readings and quarantined messages of every patient as they arrive (Ctrl-C stops).")
        @Option(help: "Stop after this many seconds (default: never).") var seconds: Double?
        @Option(help: "Polling interval in milliseconds.") var intervalMs = 500
        @OptionGroup var journal: JournalOptions

        func run() throws {
            let store = try journal.open()
            // Start from what is there now: only new arrivals are shown. Rows are followed in commit order (several
            // instances writing one PostgreSQL journal commit ids out of order).
            let (lastReading, lastQuarantine, lastAlert) = try store.latestIDs()
            var readings = CommitOrderCursor(after: lastReading)
            var alerts = CommitOrderCursor(after: lastAlert)
            var quarantine = CommitOrderCursor(after: lastQuarantine)
            let deadline = seconds.map { Date().addingTimeInterval($0) }
            while deadline.map({ Date() < $0 }) ?? true {
                let now = Int64(Date().timeIntervalSince1970 * 1000)
                for s in try store.readings(afterID: readings.floor, limit: 1000) where readings.accept(s.id) {
                    let r = s.reading
                    let value: String =
                        switch r.value {
                        case .number(let d): d.description
                        case .absent(let a): "(absent: \(a.code))"
                        }
                    let status = r.status.filter { !$0.hasPrefix("time-") && !$0.hasPrefix("sequence") }
                    let notes = status.isEmpty ? "" : "  [" + status.joined(separator: ", ") + "]"
                    print(
                        "reading     \(r.time.rfc3339)  \(r.patient)  \(r.metric) \(value) \(r.unit)  (\(r.device))\(notes)"
                    )
                }
                for a in try store.alertEvents(afterID: alerts.floor, patient: nil, limit: 1000)
                where alerts.accept(a.id) {
                    print(JournalCommand.alertLine(a.event))
                }
                for q in try store.quarantine(afterID: quarantine.floor, limit: 1000) where quarantine.accept(q.id) {
                    print("QUARANTINE  \(q.received.rfc3339)  \(q.topic)  [\(q.code)] \(q.reason)")
                }
                readings.advance(now: now)
                alerts.advance(now: now)
                quarantine.advance(now: now)
                fflush(nil)
                usleep(useconds_t(intervalMs * 1000))
            }
        }
    }

    /// `ALERT RAISED #12 2026-…  p-1  systolic threshold-high critical: 232 mm[Hg] (threshold 220)`.
    static func alertLine(_ e: AlertEngine.Event) -> String {
        var s = "ALERT \(e.transition.uppercased()) #\(e.id.map(String.init) ?? "?") \(e.time.rfc3339)  \(e.patient)  "
        if e.key.device.isEmpty {
            s += "\(e.metric) \(e.kind) \(e.severity.name): \(e.value) \(e.unit.code)"
            s += e.threshold.map { " (threshold \($0))" } ?? ""
        } else if e.kind == AlertEngine.Kind.deviceStatus {
            s += "\(e.kind) \(e.metric) \(e.severity.name) (device \(e.key.device))"
        } else {
            s +=
                "\(e.kind) \(e.severity.name): silent \(e.value) min, expected every \(e.threshold ?? e.value) (device \(e.key.device))"
        }
        if e.actor != AlertEngine.system { s += "  by \(e.actor)" }
        if let until = e.until { s += " until \(until.rfc3339)" }
        return s
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Show a patient's readings.")
        @Option(help: "Patient id.") var patient: String
        @Option(help: "Only readings measured at or after this time (RFC 3339).") var since: RFC3339?
        @Option(help: "text, json (one object per line) or fhir (an R4 Bundle).") var format: OutputFormat = .text
        @OptionGroup var journal: JournalOptions

        func run() throws {
            let rows = try journal.open().readings(patient: patient, since: since?.timestamp)
            switch format {
            case .text:
                for s in rows {
                    let r = s.reading
                    let value: String =
                        switch r.value {
                        case .number(let d): d.description
                        case .absent(let a): "(absent: \(a.code))"
                        }
                    print(
                        "\(r.time.rfc3339)  \(r.metric)  \(value) \(r.unit)  device \(r.device)\(r.status.isEmpty ? "" : "  [" + r.status.joined(separator: ", ") + "]")"
                    )
                }
            case .json:
                for s in rows { print(Self.json(s)) }
            case .fhir:
                print(
                    FHIR.bundle(
                        type: "collection",
                        entries: rows.map {
                            FHIR.Entry(fullUrl: "urn:uuid:helsebro-reading-\($0.id)", resource: FHIR.observation($0))
                        }))
            }
        }

        static func json(_ s: StoredReading) -> String {
            let r = s.reading
            var out =
                "{\"id\": \(s.id), \"patient\": \(JSONText.string(r.patient)), \"device\": \(JSONText.string(r.device))"
            out += ", \"metric\": \(JSONText.string(r.metric)), \"loinc\": \(r.loinc.map(JSONText.string) ?? "null")"
            out += ", \"mdc\": \(r.mdc.map { String($0) } ?? "null")"
            switch r.value {
            case .number(let d): out += ", \"value\": \(d), \"absent\": null"
            case .absent(let a): out += ", \"value\": null, \"absent\": \(JSONText.string(a.code))"
            }
            out +=
                ", \"unit\": \(JSONText.string(r.unit)), \"precision\": \(r.value.number.map { String($0.decimalPlaces) } ?? "null")"
            out +=
                ", \"time\": \(JSONText.string(r.time.rfc3339)), \"received\": \(JSONText.string(s.received.rfc3339))"
            out += ", \"status\": [\(r.status.map(JSONText.string).joined(separator: ", "))]"
            out += ", \"profile-version\": \(r.profileVersion.map(String.init) ?? "null")}"
            return out
        }
    }
}

/// `helsebro quarantine list`.
struct QuarantineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quarantine", abstract: "Rejected messages.", subcommands: [List.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list", abstract: "List quarantined messages with their reasons.")
        @Option(help: "Only messages received at or after this time (RFC 3339).") var since: RFC3339?
        @Option(help: "text or json (one object per line).") var format: ListFormat = .text
        @OptionGroup var journal: JournalOptions

        func run() throws {
            for q in try journal.open().quarantine(since: since?.timestamp) {
                switch format {
                case .text:
                    print("\(q.received.rfc3339)  \(q.topic)  [\(q.code)] \(q.reason)")
                case .json:
                    print(
                        "{\"topic\": \(JSONText.string(q.topic)), \"device\": \(q.device.map(JSONText.string) ?? "null"), \"code\": \(JSONText.string(q.code)), \"reason\": \(JSONText.string(q.reason)), \"received\": \(JSONText.string(q.received.rfc3339)), \"payload\": \(JSONText.string(hexString(q.payload)))}"
                    )
                }
            }
        }
    }
}

/// `helsebro stats`.
struct StatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats", abstract: "Counts of messages, readings, duplicates and quarantine.")
    @Option(help: "text or json.") var format: ListFormat = .text
    @OptionGroup var journal: JournalOptions

    func run() throws {
        let s = try journal.open().statistics()
        let quarantined = s.quarantined.sorted { $0.key < $1.key }
        let ingest = IngestStateFile(journal: journal.location)?.read()
        switch format {
        case .json:
            let q = quarantined.map { "\(JSONText.string($0.key)): \($0.value)" }.joined(separator: ", ")
            print(
                "{\"messages\": \(s.messages), \"readings\": \(s.readings), \"duplicates\": \(s.duplicates), \"quarantined\": {\(q)}, \"queue-depth\": \(s.counters["queue-depth"] ?? 0), \"backpressure-pauses\": \(s.counters["backpressure-pauses"] ?? 0), \"ingest\": \(Self.json(ingest))}"
            )
        case .text:
            print(
                "messages \(s.messages)  readings \(s.readings)  duplicates \(s.duplicates)  quarantined \(quarantined.map(\.value).reduce(0, +))"
            )
            for (code, n) in quarantined { print("  quarantine \(code): \(n)") }
            print(
                "queue depth \(s.counters["queue-depth"] ?? 0), backpressure pauses \(s.counters["backpressure-pauses"] ?? 0)"
            )
            print(Self.text(ingest))
        }
    }

    /// The service's phase as it last wrote it, corrected to "not running" when its process is gone.
    static func phase(_ state: IngestState?) -> String {
        guard let state else { return "unknown" }
        if state.phase != .stopped && kill(state.pid, 0) != 0 && errno == ESRCH { return "not running" }
        return state.phase.rawValue
    }

    static func text(_ state: IngestState?) -> String {
        let phase = phase(state)
        guard let state, phase == "paused" else { return "ingest: \(phase)" }
        return
            "ingest: PAUSED since \(Timestamp(seconds: state.since).rfc3339): the journal cannot be written (\(state.reason)); nothing is taken from the broker, which keeps the messages, until it can"
    }

    static func json(_ state: IngestState?) -> String {
        let phase = phase(state)
        guard let state else { return "{\"phase\": \"unknown\"}" }
        return
            "{\"phase\": \"\(phase)\", \"since\": \(JSONText.string(Timestamp(seconds: state.since).rfc3339)), \"reason\": \(JSONText.string(state.reason))}"
    }
}
