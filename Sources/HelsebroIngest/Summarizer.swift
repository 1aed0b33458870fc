import Foundation
import HelsebroConfig
import HelsebroCore
import HelsebroJournal
import Logging
import Synchronization

/// Turns a patient's readings into summaries a clinician would rather read: statistics per local day, the consensus
/// CGM metrics for glucose from a CGM, and morning and evening means for home blood pressure. Written into the
/// journal with the LOINC codes FHIR carries (HL7 CGM IG, vital-signs profile).
public struct Summarizer: Sendable {
    let store: any JournalStore
    /// Devices used at home, whose systolic and diastolic readings get the home blood-pressure summary.
    let homeDevices: Set<String>
    let clock = DeviceClock.oslo

    public init(store: any JournalStore, homeDevices: Set<String>) {
        self.store = store
        self.homeDevices = homeDevices
    }

    /// LOINC codes of glucose from a CGM (HL7 CGM IG sensor readings: mass and molar).
    static let cgmGlucose: Set<String> = ["99504-3", "105272-9"]
    static let homeBloodPressure: Set<String> = ["8480-6", "8462-4"]

    /// Summaries of `metric` over the `days` local days ending with the day of `end` (the last one up to `end`):
    /// one per day with readings, and over the whole span the CGM metrics or home blood-pressure means where they
    /// apply. Written to the journal and returned.
    public func summarize(patient: String, metric: String, days: Int, end: Timestamp) throws(JournalError)
        -> [SummaryRecord]
    {
        let lastDay = clock.localDay(end.adding(seconds: -1))
        let from = clock.startOfLocalDay(lastDay - Int64(days) + 1)
        let rows = try store.readings(patient: patient, metric: metric, from: from, to: end)
        var out: [SummaryRecord] = []
        var day: [StoredReading] = []
        func flush() {
            guard let first = day.first else { return }
            let d = clock.localDay(first.reading.time)
            let start = clock.startOfLocalDay(d)
            let stop = min(clock.startOfLocalDay(d + 1), end)
            if let body = Self.daily(day, date: Self.date(d)) {
                out.append(
                    SummaryRecord(patient: patient, metric: metric, kind: "daily", start: start, end: stop, body: body))
            }
            day.removeAll()
        }
        for r in rows {
            if let first = day.first, clock.localDay(first.reading.time) != clock.localDay(r.reading.time) { flush() }
            day.append(r)
        }
        flush()
        let numeric = rows.compactMap { r in r.reading.value.number.map { (r, $0.double) } }
        if let loinc = rows.first?.reading.loinc, Self.cgmGlucose.contains(loinc) {
            let mgdL = numeric.map { r, v in r.reading.unit == "mmol/L" ? v * 18.016 : v }
            if let m = CGMMetrics(times: numeric.map(\.0.reading.time), values: mgdL, from: from, to: end) {
                out.append(
                    SummaryRecord(
                        patient: patient, metric: metric, kind: "cgm", start: from, end: end, body: Self.cgm(m)))
            }
        }
        let home = numeric.filter { homeDevices.contains($0.0.reading.device) }
        if let loinc = rows.first?.reading.loinc, Self.homeBloodPressure.contains(loinc), !home.isEmpty {
            let bpFrom = max(from, clock.startOfLocalDay(lastDay - 6))
            let week = home.filter { $0.0.reading.time >= bpFrom }
            let bp = HomeBloodPressure(times: week.map(\.0.reading.time), values: week.map(\.1), clock: clock)
            if bp.both != nil {
                out.append(
                    SummaryRecord(
                        patient: patient, metric: metric, kind: "home-bp", start: bpFrom, end: end,
                        body: Self.homeBP(bp, loinc: loinc, unit: rows[0].reading.unit)))
            }
        }
        try store.writeSummaries(out)
        return out
    }

    /// The scheduled run for local day `day`: daily summaries of every patient and metric with readings that day,
    /// CGM metrics over the 14 days ending with it and home blood pressure over its 7.
    public func scheduled(day: Int64) throws(JournalError) -> Int {
        let end = clock.startOfLocalDay(day + 1)
        var written = 0
        for key in try store.readingKeys(from: clock.startOfLocalDay(day), to: end) {
            let rows = try summarize(patient: key.patient, metric: key.metric, days: 14, end: end)
            written += rows.count
        }
        return written
    }

    static func date(_ day: Int64) -> String {
        let c = Timestamp.civil(days: day)
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(c.year)-\(two(c.month))-\(two(c.day))"
    }

    static func number(_ x: Double, _ places: Int = 1) -> String {
        DecimalValue(rounding: x, places: places)?.description ?? "null"
    }

    static func stats(_ s: PeriodStatistics?) -> String {
        guard let s else { return "null" }
        return "{\"count\": \(s.count), \"min\": \(number(s.min)), \"max\": \(number(s.max)), "
            + "\"mean\": \(number(s.mean)), \"sd\": \(s.standardDeviation.map { number($0) } ?? "null"), "
            + "\"last\": \(number(s.last))}"
    }

    static func daily(_ rows: [StoredReading], date: String) -> String? {
        let values = rows.compactMap { $0.reading.value.number?.double }
        guard let s = PeriodStatistics(values), let r = rows.first?.reading else { return nil }
        let text = JSONText.string
        return "{\"kind\": \"daily\", \"date\": \(text(date)), \"unit\": \(text(r.unit)), "
            + "\"loinc\": \(r.loinc.map(text) ?? "null"), \"statistics\": \(stats(s))}"
    }

    /// The CGM metrics with the HL7 CGM IG's LOINC codes (ConceptMap CGMSummaryToLoinc).
    static func cgm(_ m: CGMMetrics) -> String {
        func part(_ code: String, _ value: Double, _ unit: String) -> String {
            "{\"loinc\": \"\(code)\", \"value\": \(number(value)), \"unit\": \"\(unit)\"}"
        }
        let targets = m.targets.map { "{\"target\": \(JSONText.string($0.name)), \"met\": \($0.met)}" }
        return "{\"kind\": \"cgm\", \"loinc\": \"104643-2\", \"readings\": \(m.readings), "
            + "\"period-days\": \(number(m.periodDays)), "
            + "\"days-worn\": {\"loinc\": \"104636-6\", \"value\": \(m.daysWorn), \"unit\": \"d\"}, "
            + "\"sensor-active\": \(part("104637-4", m.activePercent, "%")), "
            + "\"mean\": \(part("97507-8", m.mean, "mg/dL")), \"gmi\": \(part("97506-0", m.gmi, "%")), "
            + "\"cv\": \(part("104638-2", m.cv, "%")), "
            + "\"times-in-ranges\": {\"loinc\": \"106793-3\", "
            + "\"very-low\": \(part("104642-4", m.veryLowPercent, "%")), "
            + "\"low\": \(part("104641-6", m.lowPercent, "%")), "
            + "\"target\": \(part("97510-2", m.targetPercent, "%")), "
            + "\"high\": \(part("104640-8", m.highPercent, "%")), "
            + "\"very-high\": \(part("104639-0", m.veryHighPercent, "%"))}, "
            + "\"below-70\": \(number(m.below70Percent)), \"above-180\": \(number(m.above180Percent)), "
            + "\"targets\": [\(targets.joined(separator: ", "))]}"
    }

    static func homeBP(_ bp: HomeBloodPressure, loinc: String, unit: String) -> String {
        "{\"kind\": \"home-bp\", \"loinc\": \"\(loinc)\", \"unit\": \(JSONText.string(unit)), "
            + "\"morning\": \(stats(bp.morning)), \"evening\": \(stats(bp.evening)), \"both\": \(stats(bp.both))}"
    }
}

/// Runs the summaries of the day before once after each local midnight (and once at start), on a thread of its own
/// so the ingest loop does not wait for it.
final class SummarySchedule: Sendable {
    let store: any JournalStore
    let registry: Registry?
    let logger: Logger
    let state = Mutex<(lastDay: Int64?, running: Bool)>((nil, false))

    init(store: any JournalStore, registry: Registry?, logger: Logger) {
        self.store = store
        self.registry = registry
        self.logger = logger
    }

    func tick(now: Timestamp) {
        let today = DeviceClock.oslo.localDay(now)
        let start = state.withLock { s -> Bool in
            guard s.lastDay != today, !s.running else { return false }
            s.lastDay = today
            s.running = true
            return true
        }
        guard start else { return }
        Thread.detachNewThread { [self] in
            defer { state.withLock { $0.running = false } }
            do {
                let home = Set(
                    try store.devices().filter { d in
                        (try? registry?.plan(profile: d.profile, firmware: d.firmware))?.profile.setting == .home
                    }.map(\.id))
                let n = try Summarizer(store: store, homeDevices: home).scheduled(day: today - 1)
                logger.info("daily summaries written", metadata: ["summaries": "\(n)"])
            } catch {
                logger.error("daily summaries failed; they run again tomorrow", metadata: ["error": "\(error)"])
            }
        }
    }
}
