import Testing

@testable import HelsebroCore

/// NEWS2 (Royal College of Physicians 2017, chart 1): every band boundary, both SpO2 scales, incomplete sets.
@Suite("NEWS2")
struct News2Tests {
    @Test(
        "respiration rate bands",
        arguments: [(8.0, 3), (9, 1), (11, 1), (12, 0), (20, 0), (21, 2), (24, 2), (25, 3), (4, 3), (40, 3)])
    func respiration(value: Double, points: Int) { #expect(News2Score.respiration(value) == points) }

    @Test("SpO2 scale 1 bands", arguments: [(91.0, 3), (92, 2), (93, 2), (94, 1), (95, 1), (96, 0), (100, 0)])
    func scale1(value: Double, points: Int) {
        #expect(News2Score.spo2(value, scale: .scale1, onOxygen: false) == points)
        #expect(News2Score.spo2(value, scale: .scale1, onOxygen: true) == points)
    }

    @Test(
        "SpO2 scale 2 bands, on air and on oxygen",
        arguments: [
            (83.0, false, 3), (84, false, 2), (85, false, 2), (86, false, 1), (87, false, 1), (88, false, 0),
            (92, false, 0),
            (93, false, 0), (100, false, 0), (93, true, 1), (94, true, 1), (95, true, 2), (96, true, 2), (97, true, 3),
            (88, true, 0), (92, true, 0), (83, true, 3),
        ])
    func scale2(value: Double, oxygen: Bool, points: Int) {
        #expect(News2Score.spo2(value, scale: .scale2, onOxygen: oxygen) == points)
    }

    @Test(
        "systolic bands", arguments: [(90.0, 3), (91, 2), (100, 2), (101, 1), (110, 1), (111, 0), (219, 0), (220, 3)])
    func systolic(value: Double, points: Int) { #expect(News2Score.systolic(value) == points) }

    @Test(
        "pulse bands",
        arguments: [(40.0, 3), (41, 1), (50, 1), (51, 0), (90, 0), (91, 1), (110, 1), (111, 2), (130, 2), (131, 3)])
    func pulse(value: Double, points: Int) { #expect(News2Score.pulse(value) == points) }

    @Test(
        "temperature bands",
        arguments: [(35.0, 3), (35.1, 1), (36.0, 1), (36.1, 0), (38.0, 0), (38.1, 1), (39.0, 1), (39.1, 2)])
    func temperature(value: Double, points: Int) { #expect(News2Score.temperature(value) == points) }

    /// Values between chart steps are rounded half away from zero first.
    @Test(
        "rounding to the chart's resolution",
        arguments: [
            (110.4, 1), (110.5, 0), (90.4, 3), (90.5, 2),
        ])
    func rounding(value: Double, points: Int) { #expect(News2Score.systolic(value) == points) }

    @Test("temperature rounds to tenths")
    func temperatureRounding() {
        #expect(News2Score.temperature(36.04) == 1)
        #expect(News2Score.temperature(36.05) == 0)
    }

    static let normal = News2Score.Observations(
        respirationRate: 16, spo2: 97, onOxygen: false, systolic: 125, pulse: 72, consciousness: .alert,
        temperature: 36.8)

    @Test("a normal set scores 0, low risk")
    func normalSet() throws {
        guard case .score(let s) = News2Score.score(Self.normal) else {
            Issue.record("incomplete")
            return
        }
        #expect(s.total == 0 && s.risk == .low)
    }

    @Test("trigger levels: a single 3, 5–6 urgent, 7+ emergency")
    func triggers() {
        var o = Self.normal
        o.consciousness = .voice
        #expect(News2Score.score(o) == .score(News2Score(parameters: [0, 0, 0, 0, 0, 3, 0])))
        if case .score(let s) = News2Score.score(o) { #expect(s.risk == .lowMedium) }
        o = Self.normal
        o.onOxygen = true  // 2
        o.pulse = 115  // 2
        o.temperature = 38.5  // 1
        if case .score(let s) = News2Score.score(o) {
            #expect(s.total == 5 && s.risk == .medium)
        } else {
            Issue.record("incomplete")
        }
        o.respirationRate = 26  // +3
        if case .score(let s) = News2Score.score(o) {
            #expect(s.total == 8 && s.risk == .high)
        } else {
            Issue.record("incomplete")
        }
    }

    @Test("a set with a parameter missing is incomplete, never a partial total")
    func incomplete() {
        var o = Self.normal
        o.consciousness = nil
        o.temperature = nil
        #expect(News2Score.score(o) == .incomplete(["consciousness", "temperature"]))
        #expect(
            News2Score.score(.init())
                == .incomplete([
                    "respiration-rate", "spo2", "air-or-oxygen", "systolic", "pulse", "consciousness", "temperature",
                ]))
    }
}

@Suite("Thresholds and sustained conditions")
struct ThresholdTests {
    static let bp = AlertThresholds(
        low: DecimalValue(mantissa: 100, exponent: 0), high: DecimalValue(mantissa: 180, exponent: 0),
        criticalLow: DecimalValue(mantissa: 90, exponent: 0), criticalHigh: DecimalValue(mantissa: 220, exponent: 0))

    @Test(
        "crossings by band",
        arguments: [
            (85.0, "low", AlertSeverity.critical), (90, "low", .critical), (95, "low", .warning),
            (100, "low", .warning),
            (180, "high", .warning), (219, "high", .warning), (220, "high", .critical),
        ])
    func crossing(value: Double, direction: String, severity: AlertSeverity) {
        let c = Self.bp.crossing(value)
        #expect(c?.direction.rawValue == direction && c?.severity == severity)
    }

    @Test("no crossing in range", arguments: [101.0, 140, 179])
    func inRange(value: Double) { #expect(Self.bp.crossing(value) == nil) }

    @Test("k of the last n readings")
    func kOfN() {
        var t = ConditionTracker(k: 2, n: 3)
        let at = Timestamp(seconds: 0)
        let got = [true, false, true, false, false, true].map { t.record(crossed: $0, at: at) }
        // 2 of the last 3 on the third; not while the latest reading is in range; 1 of 3 on the last.
        #expect(got == [false, false, true, false, false, false])
    }

    @Test("sustained for a duration")
    func duration() {
        var t = ConditionTracker(durationSeconds: 900)
        let steps: [(Bool, Int64)] = [(true, 0), (true, 600), (true, 900), (false, 960), (true, 1000)]
        let got = steps.map { t.record(crossed: $0.0, at: Timestamp(seconds: $0.1)) }
        // Established at 15 minutes; a reading in range restarts the clock.
        #expect(got == [false, false, true, false, false])
    }
}

/// Every transition of the alert lifecycle, with times given by the test (no clock, no sleeping).
@Suite("Alert lifecycle")
struct AlertLifecycleTests {
    func t(_ s: Int64) -> Timestamp { Timestamp(seconds: s) }

    @Test("raise, storm suppression, worse severity updates, hysteresis before resolving")
    func raiseAndResolve() {
        var a = AlertStateMachine(resolveAfter: 2)
        var got: [AlertStateMachine.Action] = [a.reading(.warning, at: t(0))]
        let repeats = (1...50).map { a.reading(.warning, at: t(Int64($0))) }
        got.append(a.reading(.critical, at: t(60)))
        got.append(a.reading(.warning, at: t(61)))  // does not downgrade an open alert
        got.append(a.reading(nil, at: t(62)))  // one reading in range is not enough
        got.append(a.reading(.warning, at: t(63)))  // and the count starts again
        got.append(a.reading(nil, at: t(64)))
        got.append(a.reading(nil, at: t(65)))
        got.append(a.reading(nil, at: t(66)))
        #expect(repeats.allSatisfy { $0 == .none })  // no storm
        #expect(got == [.raise(.warning), .update(.critical), .none, .none, .none, .none, .resolve, .none])
        #expect(a.state == .inactive)
    }

    @Test("acknowledge, and a worse crossing needs a new acknowledgement")
    func acknowledge() {
        var a = AlertStateMachine()
        var got = [a.acknowledge(by: "nurse-1", at: t(0))]
        got.append(a.reading(.warning, at: t(0)))
        got.append(a.acknowledge(by: "nurse-1", at: t(10)))
        let acknowledged = a.state
        got.append(a.reading(.warning, at: t(20)))
        got.append(a.reading(.critical, at: t(30)))
        #expect(
            got == [.refuse("no open alert"), .raise(.warning), .acknowledge(by: "nurse-1"), .none, .update(.critical)])
        #expect(acknowledged == .acknowledged(severity: .warning, by: "nurse-1", at: t(10)))
        #expect(a.state == .open(severity: .critical, since: t(30), escalated: false))
    }

    @Test("snooze a warning until a time; never a critical alert")
    func snooze() {
        var a = AlertStateMachine()
        var got = [a.reading(.warning, at: t(0))]
        got.append(a.snooze(until: t(0), at: t(5)))
        got.append(a.snooze(until: t(600), at: t(5)))
        got.append(a.tick(t(599)))
        got.append(a.tick(t(600)))
        #expect(
            got == [
                .raise(.warning), .refuse("snooze must end in the future"), .snooze(until: t(600)), .none,
                .reopen(.warning),
            ])
        var c = AlertStateMachine()
        _ = c.reading(.critical, at: t(0))
        let refused = c.snooze(until: t(600), at: t(5))
        #expect(refused == .refuse("a critical alert cannot be snoozed"))
        var d = AlertStateMachine()
        _ = d.reading(.warning, at: t(0))
        _ = d.snooze(until: t(600), at: t(1))
        let worse = d.reading(.critical, at: t(2))
        #expect(worse == .update(.critical))  // worsening ends the snooze
    }

    @Test("escalation when not acknowledged in time, once")
    func escalation() {
        var a = AlertStateMachine(escalateAfterSeconds: 900)
        _ = a.reading(.warning, at: t(0))
        let got = [a.tick(t(899)), a.tick(t(900)), a.tick(t(2000))]
        #expect(got == [.none, .escalate(.urgent), .none])  // one step up, once
        var critical = AlertStateMachine(escalateAfterSeconds: 60)
        _ = critical.reading(.critical, at: t(0))
        let resent = critical.tick(t(60))
        #expect(resent == .escalate(.critical))  // critical is re-sent at critical
        var b = AlertStateMachine(escalateAfterSeconds: 900)
        _ = b.reading(.warning, at: t(0))
        _ = b.acknowledge(by: "dr-2", at: t(100))
        let late = b.tick(t(5000))
        #expect(late == .none)  // acknowledged alerts do not escalate
    }
}
