import ArgumentParser
import Foundation
import HelsebroConfig
import HelsebroCore
import HelsebroIngest
import HelsebroJournal

/// A duration option: `90s`, `15m`, `2h`, `3d`.
struct DurationArgument: ExpressibleByArgument {
    var seconds: Int64
    init?(argument: String) {
        guard let unit = argument.last, let n = Int64(argument.dropLast()), n > 0 else { return nil }
        switch unit {
        case "s": seconds = n
        case "m": seconds = n * 60
        case "h": seconds = n * 3600
        case "d": seconds = n * 86_400
        default: return nil
        }
    }
}

/// A decimal option, kept exact.
struct DecimalArgument: ExpressibleByArgument {
    var value: DecimalValue
    init?(argument: String) {
        guard let v = DecimalValue(text: Array(argument.utf8)) else { return nil }
        value = v
    }
}

/// `helsebro alerts list|ack|snooze`.
struct AlertsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alerts", abstract: "Clinicians' alerts: list, acknowledge, snooze.",
        subcommands: [List.self, Ack.self, Snooze.self])

    static let states = ["open", "acknowledged", "snoozed", "resolved"]

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List alerts, newest first.")
        @Option(help: "Only this patient's alerts.") var patient: String?
        @Option(help: "Only alerts in this state: open, acknowledged, snoozed, resolved, or active (all but resolved).")
        var state: String?
        @Option(help: "At most this many.") var limit = 100
        @Option(help: "text or json (one object per line).") var format: ListFormat = .text
        @OptionGroup var journal: JournalOptions

        func run() throws {
            var states: [String]?
            if let state {
                guard state == "active" || AlertsCommand.states.contains(state) else {
                    throw ValidationError("--state must be open, acknowledged, snoozed, resolved or active")
                }
                states = state == "active" ? ["open", "acknowledged", "snoozed"] : [state]
            }
            for a in try journal.open().alerts(patient: patient, states: states, limit: limit) {
                switch format {
                case .text: print(Self.line(a))
                case .json: print(a.json)
                }
            }
        }

        static func line(_ a: AlertRecord) -> String {
            let k = a.key
            var s = "#\(a.id)  \(a.state.uppercased())  \(a.severity.name)  \(k.patient)  \(k.metric) \(k.kind)"
            if !k.device.isEmpty { s += " (device \(k.device))" }
            s += ": \(a.value) \(a.unit.code)" + (a.threshold.map { " (threshold \($0))" } ?? "")
            s += "  raised \(a.raised.rfc3339)"
            if let by = a.acknowledgedBy, let at = a.acknowledgedAt { s += "  acknowledged by \(by) at \(at.rfc3339)" }
            if let until = a.snoozedUntil, a.state == "snoozed" { s += "  snoozed until \(until.rfc3339)" }
            if let r = a.resolved { s += "  resolved \(r.rfc3339)" }
            if a.escalated { s += "  [escalated]" }
            return s
        }
    }

    struct Ack: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "ack",
            abstract: "Acknowledge an alert: it stops escalating. A worse reading later needs a new acknowledgement.")
        @Argument(help: "Alert id (from 'helsebro alerts list').") var id: Int64
        @Option(help: "Who acknowledges (clinician id); recorded with the time.") var by: String
        @OptionGroup var journal: JournalOptions

        func run() throws {
            guard !by.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw ValidationError("--by must name someone")
            }
            let store = try journal.open()
            let e = try refusal { () throws(JournalError) in
                try store.acknowledgeAlert(id: id, by: by, at: Timestamp.now)
            }
            print("alert \(id) acknowledged by \(e.actor) at \(e.time.rfc3339)")
        }
    }

    struct Snooze: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "snooze", abstract: "Silence a warning for a while; a critical alert cannot be snoozed.")
        @Argument(help: "Alert id.") var id: Int64
        @Option(name: .customLong("for"), help: "How long: 30m, 2h.") var duration: DurationArgument
        @Option(help: "Who snoozes (clinician id).") var by: String
        @OptionGroup var journal: JournalOptions

        func run() throws {
            let t = Timestamp.now
            let until = t.adding(seconds: duration.seconds)
            let store = try journal.open()
            _ = try refusal { () throws(JournalError) in try store.snoozeAlert(id: id, until: until, by: by, at: t) }
            print("alert \(id) snoozed by \(by) until \(until.rfc3339)")
        }
    }
}

/// Runs a journal request; a refusal (not found, conflict) becomes a usage error with its reason (exit 2).
func refusal<T>(_ body: () throws(JournalError) -> T) throws -> T {
    let result = Result { () throws(JournalError) in try body() }
    switch result {
    case .success(let value): return value
    case .failure(let e) where [.notFound, .conflict, .invalidArgument].contains(e.code):
        throw ValidationError(e.description)
    case .failure(let e): throw e
    }
}

/// `helsebro rules set|clear|list`: a clinician's thresholds for one patient.
struct RulesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rules", abstract: "Per-patient alert thresholds, set by a clinician (who, when, why).",
        subcommands: [SetThresholds.self, Clear.self, List.self])

    struct SetThresholds: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set",
            abstract: "Override a metric's thresholds for one patient, all day or in a daily window (local time).")
        @Option(help: "Patient id.") var patient: String
        @Option(help: "Metric key, as in the device profile (systolic, spo2, glucose…).") var metric: String
        @Option var low: DecimalArgument?
        @Option var high: DecimalArgument?
        @Option var criticalLow: DecimalArgument?
        @Option var criticalHigh: DecimalArgument?
        @Option(help: "Window start, HH:MM local time (with --to).") var from: String?
        @Option(help: "Window end, HH:MM (exclusive; may be past midnight).") var to: String?
        @Option(help: "Who sets it (clinician id).") var by: String
        @Option(help: "Why (kept in the journal).") var why: String
        @OptionGroup var journal: JournalOptions
        @OptionGroup var config: ConfigOptions

        func run() throws {
            guard low != nil || high != nil || criticalLow != nil || criticalHigh != nil else {
                throw ValidationError("give at least one of --low, --high, --critical-low, --critical-high")
            }
            guard !why.trimmingCharacters(in: .whitespaces).isEmpty else { throw ValidationError("--why must say why") }
            var window: DailyWindow?
            if from != nil || to != nil {
                guard let from, let to, let w = DailyWindow(from: from, to: to) else {
                    throw ValidationError("--from and --to go together, as HH:MM and different (22:00 and 07:00)")
                }
                window = w
            }
            let o = ThresholdOverride(
                patient: patient, metric: metric, low: low?.value, high: high?.value, criticalLow: criticalLow?.value,
                criticalHigh: criticalHigh?.value, window: window, setBy: by, setAt: Timestamp.now, reason: why)
            if let problem = config.loadRegistry().problem(with: o) { throw ValidationError(problem) }
            let store = try journal.open()
            let id = try refusal { () throws(JournalError) in try store.addOverride(o) }
            print("thresholds #\(id) set for \(patient) \(metric)\(window.map { " during \($0.text)" } ?? "")")
        }
    }

    struct Clear: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "clear",
            abstract: "End a patient's overrides of a metric: the profile's thresholds apply again.")
        @Option var patient: String
        @Option var metric: String
        @Option(help: "Who ends them.") var by: String
        @Option(help: "Why.") var why: String
        @OptionGroup var journal: JournalOptions

        func run() throws {
            let n = try journal.open().endOverrides(
                patient: patient, metric: metric, by: by, reason: why, at: Timestamp.now)
            print("\(n) override\(n == 1 ? "" : "s") ended")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "Overrides in force.")
        @Option var patient: String?
        @OptionGroup var journal: JournalOptions

        func run() throws {
            for o in try journal.open().overrides(patient: patient) {
                let bounds = [
                    ("low", o.low), ("high", o.high), ("critical-low", o.criticalLow),
                    ("critical-high", o.criticalHigh),
                ]
                .compactMap { n, v in v.map { "\(n) \($0)" } }.joined(separator: ", ")
                print(
                    "#\(o.id)  \(o.patient)  \(o.metric): \(bounds)  \(o.window.map { "during \($0.text)" } ?? "all day")  set by \(o.setBy) at \(o.setAt.rfc3339): \(o.reason)"
                )
            }
        }
    }
}

/// `helsebro observe`: a clinician's observation for NEWS2.
struct ObserveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "observe",
        abstract: "Record consciousness (ACVPU) and air or oxygen for a patient's NEWS2, and print the NEWS2 now.")
    @Option(help: "Patient id.") var patient: String
    @Option(help: "A (alert), C (new confusion), V (voice), P (pain), U (unresponsive).") var consciousness: String?
    @Option(help: "air or oxygen.") var oxygen: String?
    @Option(help: "SpO2 scale 1 (default) or 2 (hypercapnic respiratory failure; a clinician's decision).")
    var spo2Scale: Int?
    @Option(help: "Who observed (clinician id).") var by: String
    @Option(help: "Vital signs older than this are not used for NEWS2.") var window = DurationArgument(argument: "60m")!
    @OptionGroup var journal: JournalOptions

    func run() throws {
        let t = Timestamp.now
        let observation = try refusal { () throws(JournalError) in
            try ClinicalObservation(
                patient: patient, consciousness: consciousness, oxygen: oxygen, spo2Scale: spo2Scale, by: by, time: t,
                fields: ("--consciousness", "--oxygen", "--spo2-scale"))
        }
        let store = try journal.open()
        try refusal { () throws(JournalError) in try store.addObservation(observation) }
        print("observation recorded for \(patient) by \(by)")
        // The score as the service will see it: the latest vital signs within the window, and every observation.
        var settings = AlertEngine.Settings()
        settings.news2WindowSeconds = window.seconds
        var engine = AlertEngine(settings: settings)
        for s in try store.readings(patient: patient, since: t.adding(seconds: -window.seconds)) {
            guard let p = News2Parameter(loinc: s.reading.loinc), let v = s.reading.value.number else { continue }
            engine.recordVital(p, patient: patient, value: v.double, at: s.reading.time)
        }
        for s in try store.observations(afterID: 0) where s.observation.patient == patient {
            let x = s.observation
            engine.recordObservation(
                patient: patient, consciousness: x.consciousness, onOxygen: x.onOxygen, scale: x.scale, at: x.time)
        }
        switch engine.news2(patient: patient, now: t) {
        case .score(let s): print("NEWS2 now: \(s.total) (\(s.risk.rawValue) risk)")
        case .incomplete(let missing): print("NEWS2 now: incomplete, missing \(missing.joined(separator: ", "))")
        }
    }
}

/// `helsebro summary`: summaries on demand, written into the journal.
struct SummaryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "summary",
        abstract: "Summarise a patient's metric per day (and CGM metrics or home blood pressure) and journal it.")
    @Option(help: "Patient id.") var patient: String
    @Option(help: "Metric key (glucose, systolic…).") var metric: String
    @Option(help: "Local days, ending today.") var days = 14
    @Option(help: "text or json (one summary per line).") var format: ListFormat = .text
    @OptionGroup var journal: JournalOptions
    @OptionGroup var config: ConfigOptions

    func run() throws {
        guard (1...366).contains(days) else { throw ValidationError("--days must be 1 to 366") }
        let store = try journal.open()
        let registry = config.loadRegistry()
        let home = Set(
            try store.devices().filter {
                (try? registry.plan(profile: $0.profile, firmware: $0.firmware))?.profile.setting == .home
            }.map(\.id))
        let rows = try Summarizer(store: store, homeDevices: home).summarize(
            patient: patient, metric: metric, days: days, end: Timestamp.now)
        if rows.isEmpty { print("no readings of \(metric) for \(patient) in the last \(days) days") }
        for s in rows {
            switch format {
            case .json: print(s.body)
            case .text: print("\(s.kind)  \(s.start.rfc3339) – \(s.end.rfc3339)  \(s.body)")
            }
        }
    }
}
