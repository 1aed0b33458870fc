import HelsebroCore
import Testing

private func t(_ s: Int64) -> Timestamp { Timestamp(seconds: s) }
private func d(_ m: Int64, _ e: Int8 = 0) -> DecimalValue { DecimalValue(mantissa: m, exponent: e) }

private func metric(
    _ key: String, unit: UCUMUnit = .mmHg, loinc: String? = nil, decimals: Int = 0, alerts: AlertThresholds
) -> MetricDefinition {
    MetricDefinition(
        key: key, source: .senml(key), loinc: loinc, mdc: 0, unit: unit, decimals: decimals,
        plausible: PlausibleRange(low: d(-1000), high: d(1000)), alerts: alerts)
}

@Suite("Per-patient thresholds and local time of day")
struct ThresholdOverrideTests {
    @Test("Oslo minute of day follows EU summer time")
    func minuteOfDay() {
        // 20:30 UTC is 22:30 in July (UTC+2) and 21:30 in January (UTC+1).
        #expect(DeviceClock.oslo.minuteOfDay(Timestamp(year: 2026, month: 7, day: 1, hour: 20, minute: 30)) == 1350)
        #expect(DeviceClock.oslo.minuteOfDay(Timestamp(year: 2026, month: 1, day: 1, hour: 20, minute: 30)) == 1290)
        // 23:30 UTC on 31 December is already 1 January in Oslo.
        let newYear = Timestamp(year: 2026, month: 12, day: 31, hour: 23, minute: 30)
        #expect(DeviceClock.oslo.localDay(newYear) == Timestamp.days(year: 2027, month: 1, day: 1))
        #expect(
            DeviceClock.oslo.startOfLocalDay(Timestamp.days(year: 2027, month: 1, day: 1))
                == Timestamp(year: 2026, month: 12, day: 31, hour: 23))
    }

    @Test("a window past midnight, and malformed windows")
    func windows() throws {
        let night = try #require(DailyWindow(from: "22:00", to: "07:00"))
        #expect(night.contains(minuteOfDay: 22 * 60) && night.contains(minuteOfDay: 3 * 60))
        #expect(!night.contains(minuteOfDay: 7 * 60) && !night.contains(minuteOfDay: 12 * 60))
        let day = try #require(DailyWindow(from: "08:00", to: "20:00"))
        #expect(day.contains(minuteOfDay: 8 * 60) && !day.contains(minuteOfDay: 20 * 60))
        #expect(night.text == "22:00-07:00")
        for (f, to) in [("24:00", "07:00"), ("7:00", "08:00"), ("08:00", "08:00"), ("08:60", "09:00")] {
            #expect(DailyWindow(from: f, to: to) == nil)
        }
    }

    @Test("an all-day override, and a night override on top of it")
    func effective() throws {
        let profile = AlertThresholds(low: d(100), high: d(180), criticalLow: d(90), criticalHigh: d(220))
        let allDay = ThresholdOverride(
            patient: "p", metric: "systolic", low: d(110), setBy: "dr-a", setAt: t(0), reason: "on treatment")
        let night = ThresholdOverride(
            patient: "p", metric: "systolic", high: d(160), window: DailyWindow(from: "22:00", to: "07:00"),
            setBy: "dr-b", setAt: t(10), reason: "nocturnal hypertension")
        let noon = profile.effective([allDay, night], minuteOfDay: 12 * 60)
        #expect(noon.low == d(110) && noon.high == d(180) && noon.criticalHigh == d(220))
        let late = profile.effective([allDay, night], minuteOfDay: 23 * 60)
        #expect(late.low == d(110) && late.high == d(160) && late.criticalLow == d(90))
        // The latest all-day override wins over an earlier one.
        let later = ThresholdOverride(
            patient: "p", metric: "systolic", low: d(105), setBy: "dr-c", setAt: t(20), reason: "adjusted")
        #expect(profile.effective([allDay, later], minuteOfDay: 600).low == d(105))
        #expect(
            profile.overridden(
                by: ThresholdOverride(
                    patient: "p", metric: "systolic", high: d(95), setBy: "x", setAt: t(0), reason: "typo")
            ).inconsistency
                != nil)
        #expect(profile.inconsistency == nil)
    }

    @Test("the engine uses the thresholds it is given: a night threshold fires where the day one does not")
    func engineWithOverride() {
        let m = metric("systolic", alerts: AlertThresholds(high: d(180)))
        var engine = AlertEngine()
        let night = m.alerts.effective(
            [
                ThresholdOverride(
                    patient: "p", metric: "systolic", high: d(160), window: DailyWindow(from: "22:00", to: "07:00"),
                    setBy: "dr", setAt: t(0), reason: "night")
            ], minuteOfDay: 23 * 60)
        #expect(engine.evaluate(patient: "p", metric: m, thresholds: m.alerts, value: d(170), at: t(0)).isEmpty)
        let events = engine.evaluate(patient: "p", metric: m, thresholds: night, value: d(170), at: t(60))
        #expect(events.map(\.transition) == ["raised"])
        #expect(events.first?.threshold == d(160) && events.first?.kind == AlertEngine.Kind.thresholdHigh)
    }
}

@Suite("Rules per metric and per device")
struct AlertRuleTests {
    @Test("rate of change: 2 kg gained within 3 days raises, then resolves once the window has passed")
    func weightGain() {
        let m = metric(
            "body-weight", unit: .kilogram, decimals: 2,
            alerts: AlertThresholds(rise: RateRule(by: d(2), withinSeconds: 3 * 86_400)))
        var engine = AlertEngine()
        let day: Int64 = 86_400
        var got: [[String]] = []
        for (i, kg) in [(0, d(800, -1)), (1, d(810, -1)), (2, d(821, -1)), (6, d(820, -1)), (7, d(820, -1))] {
            got.append(
                engine.evaluate(patient: "p", metric: m, thresholds: m.alerts, value: kg, at: t(Int64(i) * day))
                    .map(\.transition))
        }
        #expect(got == [[], [], ["raised"], [], ["resolved"]])
        var again = AlertEngine()
        _ = again.evaluate(patient: "p", metric: m, thresholds: m.alerts, value: d(800, -1), at: t(0))
        let e = again.evaluate(patient: "p", metric: m, thresholds: m.alerts, value: d(821, -1), at: t(2 * day))
        #expect(
            e.first?.kind == AlertEngine.Kind.rateRise && e.first?.value == d(210, -2) && e.first?.threshold == d(2))
        // A fall does not trigger a rise rule, and a change outside the window does not count.
        var fall = AlertEngine()
        _ = fall.evaluate(patient: "p", metric: m, thresholds: m.alerts, value: d(900, -1), at: t(0))
        #expect(fall.evaluate(patient: "p", metric: m, thresholds: m.alerts, value: d(850, -1), at: t(day)).isEmpty)
        #expect(fall.evaluate(patient: "p", metric: m, thresholds: m.alerts, value: d(880, -1), at: t(5 * day)).isEmpty)
    }

    @Test("device status: a loose cuff opens one alert per device, the next good message resolves it")
    func deviceStatus() {
        var engine = AlertEngine()
        let watched: [StatusFlag] = [.cuffTooLoose, .deviceBatteryLow]
        let loose = StatusSet(.cuffTooLoose)
        let a = engine.deviceStatus(patient: "p", device: "cuff-1", status: loose, watched: watched, at: t(0))
        let b = engine.deviceStatus(patient: "p", device: "cuff-1", status: loose, watched: watched, at: t(10))
        let other = engine.deviceStatus(
            patient: "p", device: "cuff-2", status: StatusSet(), watched: watched, at: t(15))
        let c = engine.deviceStatus(patient: "p", device: "cuff-1", status: StatusSet(), watched: watched, at: t(20))
        #expect(a.map(\.transition) == ["raised"] && a.first?.metric == "cuff-too-loose")
        #expect(a.first?.key.device == "cuff-1" && a.first?.kind == AlertEngine.Kind.deviceStatus)
        #expect(b.isEmpty && other.isEmpty)  // no storm; another device's good message resolves nothing here
        #expect(c.map(\.transition) == ["resolved"])
    }

    @Test("missing data: silent longer than expected raises once; hearing from the device resolves")
    func missingData() {
        var engine = AlertEngine()
        let quiet = engine.silence(patient: "p", device: "cgm-1", lastSeen: t(0), expectedSeconds: 1800, now: t(1800))
        let silent = engine.silence(patient: "p", device: "cgm-1", lastSeen: t(0), expectedSeconds: 1800, now: t(1801))
        let still = engine.silence(patient: "p", device: "cgm-1", lastSeen: t(0), expectedSeconds: 1800, now: t(3600))
        let back = engine.silence(patient: "p", device: "cgm-1", lastSeen: t(3700), expectedSeconds: 1800, now: t(3700))
        #expect(quiet.isEmpty && still.isEmpty)
        #expect(silent.map(\.transition) == ["raised"])
        #expect(silent.first?.value == d(30) && silent.first?.threshold == d(30) && silent.first?.unit == .minute)
        #expect(back.map(\.transition) == ["resolved"])
    }

    @Test("a device that no longer belongs to the patient ends its device alerts there, and only those")
    func deviceAlertsEndWithThePairing() {
        var engine = AlertEngine()
        let loose = StatusSet(.cuffTooLoose)
        _ = engine.deviceStatus(patient: "p", device: "cuff-1", status: loose, watched: [.cuffTooLoose], at: t(0))
        _ = engine.deviceStatus(patient: "q", device: "cuff-2", status: loose, watched: [.cuffTooLoose], at: t(0))
        _ = engine.silence(patient: "p", device: "cgm-1", lastSeen: t(0), expectedSeconds: 60, now: t(61))
        let m = metric("systolic", unit: .mmHg, decimals: 0, alerts: AlertThresholds(high: d(180)))
        _ = engine.evaluate(patient: "p", metric: m, thresholds: m.alerts, value: d(190), at: t(0))
        // cuff-1 and cgm-1 now belong to someone else; cuff-2 still to q. Looking at cuff-2 alone ends nothing.
        let belongs = { (device: String, patient: String) in device == "cuff-2" && patient == "q" }
        #expect(engine.endDeviceAlerts(of: ["cuff-2"], at: t(100), belongs: belongs).isEmpty)
        let ended = engine.endDeviceAlerts(of: nil, at: t(100), belongs: belongs)
        #expect(
            ended.map { "\($0.key.device) \($0.kind) \($0.transition) \($0.state)" }.sorted() == [
                "cgm-1 missing-data unpaired resolved", "cuff-1 device-status unpaired resolved",
            ])
        #expect(ended.allSatisfy { $0.patient == "p" && $0.time == t(100) && $0.severity == .warning })
        // The patient's own threshold alert and the other device's stay open; the ended ones are gone.
        #expect(engine.openCount == 2)
        #expect(engine.endDeviceAlerts(of: nil, at: t(200), belongs: belongs).isEmpty)
    }

    @Test("escalation through the engine's tick, and none once acknowledged")
    func escalation() {
        var settings = AlertEngine.Settings()
        settings.escalateAfterSeconds = 600
        var engine = AlertEngine(settings: settings)
        let m = metric("spo2", unit: .percent, alerts: AlertThresholds(low: d(92), criticalLow: d(85)))
        let raised = engine.evaluate(patient: "p", metric: m, thresholds: m.alerts, value: d(90), at: t(0))
        let key = raised[0].key
        #expect(engine.tick(t(599)).isEmpty)
        let escalated = engine.tick(t(600))
        #expect(escalated.map(\.transition) == ["escalated"] && escalated.first?.severity == .urgent)
        #expect(engine.tick(t(1200)).isEmpty)  // once
        var acknowledged = AlertEngine(settings: settings)
        _ = acknowledged.evaluate(patient: "p", metric: m, thresholds: m.alerts, value: d(90), at: t(0))
        acknowledged.acknowledge(key, severity: .warning, by: "nurse", at: t(100))
        #expect(acknowledged.tick(t(5000)).isEmpty)
        // An acknowledgement of a lesser severity does not cover a worse alert.
        var worse = AlertEngine(settings: settings)
        _ = worse.evaluate(patient: "p", metric: m, thresholds: m.alerts, value: d(80), at: t(0))
        worse.acknowledge(key, severity: .warning, by: "nurse", at: t(100))
        #expect(worse.tick(t(600)).map(\.transition) == ["escalated"])
    }

    @Test("snooze through the engine ends with the alert reopened")
    func snooze() {
        var engine = AlertEngine()
        let m = metric("pulse", unit: .perMinute, alerts: AlertThresholds(high: d(110)))
        let key = engine.evaluate(patient: "p", metric: m, thresholds: m.alerts, value: d(120), at: t(0))[0].key
        engine.snooze(key, until: t(300), at: t(10))
        #expect(engine.tick(t(299)).isEmpty)
        #expect(engine.tick(t(300)).map(\.transition) == ["reopened"])
    }

    @Test("restored open alerts resolve and suppress storms as before the restart")
    func restore() {
        let m = metric("systolic", alerts: AlertThresholds(high: d(180)))
        var engine = AlertEngine()
        let key = AlertEngine.Key(patient: "p", metric: "systolic", kind: AlertEngine.Kind.thresholdHigh)
        engine.restore([
            AlertRecord(
                id: 7, key: key, severity: .warning, state: "open", value: d(190), unit: .mmHg, threshold: d(180),
                raised: t(0), updated: t(0))
        ])
        #expect(engine.openCount == 1)
        #expect(engine.evaluate(patient: "p", metric: m, thresholds: m.alerts, value: d(195), at: t(10)).isEmpty)
        _ = engine.evaluate(patient: "p", metric: m, thresholds: m.alerts, value: d(150), at: t(20))
        let resolved = engine.evaluate(patient: "p", metric: m, thresholds: m.alerts, value: d(150), at: t(30))
        #expect(resolved.map(\.transition) == ["resolved"] && resolved.first?.state == "resolved")
    }

    @Test("a patient's alerts come and go while another patient's stay open, over and over")
    func patientsApart() {
        let m = metric("systolic", alerts: AlertThresholds(high: d(180)))
        var engine = AlertEngine()
        func reading(_ p: String, _ v: Int64, _ s: Int64) -> [String] {
            engine.evaluate(patient: p, metric: m, thresholds: m.alerts, value: d(v), at: t(s)).map(\.transition)
        }
        #expect(reading("p-2", 190, 0) == ["raised"])
        var got: [[String]] = []
        for cycle in Int64(0)..<3 {
            let s = 10 + cycle * 100
            got.append(reading("p-1", 190, s))
            got.append(reading("p-1", 150, s + 10) + reading("p-1", 150, s + 20))
            // Once resolved, p-1 has nothing open: a normal reading moves nothing.
            got.append(reading("p-1", 150, s + 30))
        }
        #expect(got == Array(repeating: [["raised"], ["resolved"], []], count: 3).flatMap { $0 })
        #expect(engine.openCount == 1)
        #expect(reading("p-2", 150, 500) + reading("p-2", 150, 510) == ["resolved"])
        #expect(engine.openCount == 0)
    }

    @Test("alert keys: equal fields are one key; text moved between fields, or a different device, is another")
    func keys() {
        typealias Key = AlertEngine.Key
        let a = Key(patient: "p-1", metric: "systolic", kind: AlertEngine.Kind.thresholdHigh)
        let same = Key(patient: String("p-" + "1"), metric: "systolic", kind: AlertEngine.Kind.thresholdHigh)
        #expect(a == same && a.hashValue == same.hashValue)
        let others = [
            Key(patient: "p-1s", metric: "ystolic", kind: AlertEngine.Kind.thresholdHigh),
            Key(patient: "p-1", metric: "systolic", kind: AlertEngine.Kind.thresholdLow),
            Key(patient: "p-1", metric: "systolic", kind: AlertEngine.Kind.thresholdHigh, device: "cuff-1"),
            Key(patient: "p-1", metric: "systolicthreshold-high", kind: ""),
            Key(patient: "pasient-æøå", metric: "systolic", kind: AlertEngine.Kind.thresholdHigh),
        ]
        for other in others { #expect(other != a) }
        // A table of many keys finds each one, and none that was not put in.
        var table: [Key: Int] = [:]
        for p in 0..<300 {
            for m in ["systolic", "diastolic", "spo2"] { table[Key(patient: "p-\(p)", metric: m, kind: "rate")] = p }
        }
        #expect(table.count == 900)
        var found = 0
        for p in 0..<300 where table[Key(patient: "p-\(p)", metric: "spo2", kind: "rate")] == p { found += 1 }
        #expect(found == 300)
        #expect(table[Key(patient: "p-300", metric: "spo2", kind: "rate")] == nil)
        #expect(table[Key(patient: "p-1", metric: "spo2", kind: "rate", device: "x")] == nil)
    }
}

@Suite("NEWS2 from the latest vital signs")
struct News2AlertTests {
    func engine(consciousness: News2Score.Consciousness? = .alert, oxygen: Bool? = false) -> AlertEngine {
        var e = AlertEngine()
        for (p, v) in [
            (News2Parameter.respiration, 16.0), (.spo2, 97), (.systolic, 125), (.pulse, 75), (.temperature, 37.0),
        ] {
            e.recordVital(p, patient: "p", value: v, at: t(0))
        }
        e.recordObservation(patient: "p", consciousness: consciousness, onOxygen: oxygen, scale: nil, at: t(0))
        return e
    }

    @Test("vital signs by LOINC code")
    func loinc() {
        #expect(News2Parameter(loinc: "9279-1") == .respiration && News2Parameter(loinc: "59408-5") == .spo2)
        #expect(News2Parameter(loinc: "8480-6") == .systolic && News2Parameter(loinc: "8462-4") == nil)
    }

    @Test("a normal set scores 0 and raises nothing; a single 3 warns, 5–6 is urgent, 7 or more critical")
    func triggerLevels() {
        var e = engine()
        #expect(e.news2(patient: "p", now: t(60)) == .score(News2Score(parameters: [0, 0, 0, 0, 0, 0, 0])))
        #expect(e.evaluateNEWS2(patient: "p", now: t(60)).isEmpty)
        e.recordVital(.respiration, patient: "p", value: 26, at: t(60))  // 3 points
        let single = e.evaluateNEWS2(patient: "p", now: t(60))
        #expect(single.map(\.transition) == ["raised"] && single.first?.severity == .warning)
        #expect(single.first?.value == d(3) && single.first?.threshold == d(3) && single.first?.unit == .score)
        e.recordVital(.pulse, patient: "p", value: 120, at: t(120))  // +2 → 5
        let urgent = e.evaluateNEWS2(patient: "p", now: t(120))
        #expect(urgent.map(\.transition) == ["updated"] && urgent.first?.severity == .urgent)
        #expect(urgent.first?.threshold == d(5))
        e.recordVital(.systolic, patient: "p", value: 95, at: t(180))  // +2 → 7
        let critical = e.evaluateNEWS2(patient: "p", now: t(180))
        #expect(critical.first?.severity == .critical && critical.first?.value == d(7))
    }

    @Test("incomplete sets change nothing: no observation, or a vital sign older than the window")
    func incomplete() {
        var noObservation = engine(consciousness: nil, oxygen: nil)
        #expect(noObservation.news2(patient: "p", now: t(60)) == .incomplete(["air-or-oxygen", "consciousness"]))
        #expect(noObservation.evaluateNEWS2(patient: "p", now: t(60)).isEmpty)
        var e = engine(consciousness: .voice)  // 3 points: warning
        #expect(e.evaluateNEWS2(patient: "p", now: t(60)).map(\.transition) == ["raised"])
        // An hour and more later the vital signs are stale: incomplete, and the alert neither resolves nor changes.
        #expect(
            e.news2(patient: "p", now: t(3601))
                == .incomplete(["respiration-rate", "spo2", "systolic", "pulse", "temperature"]))
        #expect(e.evaluateNEWS2(patient: "p", now: t(3601)).isEmpty)
        #expect(e.openCount == 1)
    }

    @Test("a NEWS2 alert resolves only after the score has stayed below the trigger for the hold time")
    func resolveHold() {
        var e = engine(consciousness: .voice)  // 3 points: warning
        #expect(e.evaluateNEWS2(patient: "p", now: t(0)).map(\.transition) == ["raised"])
        e.recordObservation(patient: "p", consciousness: .alert, onOxygen: nil, scale: nil, at: t(10))  // back to 0
        var transitions: [String] = []
        for s in stride(from: Int64(10), through: 610, by: 60) {
            transitions += e.evaluateNEWS2(patient: "p", now: t(s)).map(\.transition)
        }
        #expect(transitions == ["resolved"])  // at 610 s: 600 s below the trigger, and many scores
        var flapping = engine(consciousness: .voice)
        _ = flapping.evaluateNEWS2(patient: "p", now: t(0))
        for s in stride(from: Int64(30), through: 900, by: 30) {
            // Alternating 0 and 3: never 10 minutes below the trigger, so never resolved and never raised again.
            flapping.recordObservation(
                patient: "p", consciousness: s % 60 == 0 ? .voice : .alert, onOxygen: nil, scale: nil, at: t(s))
            #expect(flapping.evaluateNEWS2(patient: "p", now: t(s)).isEmpty)
        }
    }

    @Test("SpO2 scale 2 chosen for the patient")
    func scale2() {
        var e = engine()
        e.recordVital(.spo2, patient: "p", value: 89, at: t(10))
        #expect(e.news2(patient: "p", now: t(10)) == .score(News2Score(parameters: [0, 3, 0, 0, 0, 0, 0])))
        e.recordObservation(patient: "p", consciousness: nil, onOxygen: nil, scale: .scale2, at: t(20))
        #expect(e.news2(patient: "p", now: t(20)) == .score(News2Score(parameters: [0, 0, 0, 0, 0, 0, 0])))
    }
}

@Suite("Summaries")
struct SummaryTests {
    @Test("statistics per period, sample standard deviation")
    func statistics() throws {
        let s = try #require(PeriodStatistics([2, 4, 4, 4, 5, 5, 7, 9]))
        // mean 40/8 = 5; squared deviations 9+1+1+1+0+0+4+16 = 32; sample variance 32/7.
        #expect(s.count == 8 && s.min == 2 && s.max == 9 && s.mean == 5 && s.last == 9)
        #expect(abs((s.standardDeviation ?? 0) - (32.0 / 7).squareRoot()) < 1e-12)
        #expect(PeriodStatistics([3])?.standardDeviation == nil)
        #expect(PeriodStatistics([]) == nil)
    }

    @Test("CGM consensus metrics on a constructed trace, computed by hand")
    func cgm() throws {
        let values: [Double] = [50, 60, 70, 100, 180, 181, 250, 251, 300, 120]
        let start = Timestamp(year: 2026, month: 11, day: 20, hour: 10)
        let times = (0..<10).map { start.adding(seconds: Int64($0) * 300) }
        let m = try #require(CGMMetrics(times: times, values: values, from: start, to: start.adding(seconds: 3000)))
        // < 54: 50. 54–69: 60. 70–180: 70, 100, 180, 120. 181–250: 181, 250. > 250: 251, 300.
        #expect(m.veryLowPercent == 10 && m.lowPercent == 10 && m.targetPercent == 40)
        #expect(m.highPercent == 20 && m.veryHighPercent == 20 && m.below70Percent == 20 && m.above180Percent == 40)
        // Mean 1562 / 10 = 156.2; GMI 3.31 + 0.02392 × 156.2 = 7.046304.
        #expect(abs(m.mean - 156.2) < 1e-9 && abs(m.gmi - 7.046304) < 1e-9)
        // Squared deviations from 156.2 sum to 72077.6; SD = √(72077.6 / 9); CV = SD / 156.2 × 100.
        #expect(abs(m.cv - (72077.6 / 9).squareRoot() / 156.2 * 100) < 1e-9)
        #expect(m.readings == 10 && m.daysWorn == 1 && m.activePercent == 100)
        #expect(m.targets.filter(\.met).map(\.name) == ["sensor-active >= 70 %"])
    }

    @Test("CGM active time and days worn over a two-day period with one day of readings")
    func cgmWear() throws {
        let start = Timestamp(year: 2026, month: 11, day: 19, hour: 23)  // 00:00 in Oslo
        let times = (0..<288).map { start.adding(seconds: Int64($0) * 300) }
        let values = (0..<288).map { 100 + Double($0 % 10) }  // all in range
        let m = try #require(
            CGMMetrics(times: times, values: values, from: start, to: start.adding(seconds: 2 * 86_400)))
        #expect(m.activePercent == 50 && m.daysWorn == 1 && m.periodDays == 2 && m.targetPercent == 100)
        #expect(m.targets.first { $0.name.hasPrefix("sensor-active") }?.met == false)
    }

    @Test("home blood pressure: morning and evening means in Oslo time")
    func homeBloodPressure() throws {
        // Winter: Oslo is UTC+1. 06:30 and 07:00 local are mornings, 21:00 local an evening, 14:00 neither.
        let day = Timestamp(year: 2026, month: 11, day: 20)
        let times = [
            day.adding(seconds: 5 * 3600 + 1800), day.adding(seconds: 6 * 3600), day.adding(seconds: 20 * 3600),
            day.adding(seconds: 13 * 3600),
        ]
        let bp = HomeBloodPressure(times: times, values: [140, 130, 150, 200])
        #expect(bp.morning?.mean == 135 && bp.morning?.count == 2)
        #expect(bp.evening?.mean == 150 && bp.both?.count == 3)
        #expect(abs((bp.both?.mean ?? 0) - 420.0 / 3) < 1e-9)
    }
}
