import Testing

@testable import HelsebroCore

/// Validation against a profile: metric mapping, unit conversion, plausible range, time sanity.
@Suite("Decode plans and validation")
struct DecodePlanTests {
    static func metric(
        _ key: String, _ source: MetricSource, _ unit: UCUMUnit, decimals: Int, _ low: Int64, _ high: Int64
    ) -> MetricDefinition {
        MetricDefinition(
            key: key, source: source, loinc: nil, mdc: 150_021, unit: unit, decimals: decimals,
            plausible: PlausibleRange(
                low: DecimalValue(mantissa: low, exponent: 0), high: DecimalValue(mantissa: high, exponent: 0)),
            alerts: AlertThresholds())
    }

    static let bpProfile = DeviceProfile(
        id: "bp", model: "m", manufacturer: "x", version: 1, setting: .home,
        channels: [.gatt(.bloodPressureMeasurement), .gatt(.intermediateCuffPressure)],
        firmware: [],
        metrics: [
            metric("systolic", .field(.systolic), .mmHg, decimals: 0, 0, 300),
            metric("diastolic", .field(.diastolic), .mmHg, decimals: 0, 0, 200),
            metric("map", .field(.meanArterialPressure), .mmHg, decimals: 0, 0, 250),
        ], ignoredSources: ["cuff-pressure"])

    static let now = Timestamp(year: 2026, month: 11, day: 23, hour: 4)

    func run(_ plan: DecodePlan, _ channel: Channel, _ bytes: [UInt8], receive: Timestamp? = now) -> (
        Rejection?, [Reading], Int
    ) {
        var out: [Reading] = []
        var ignored = 0
        let r = bytes.withUnsafeBytes {
            plan.process(
                channelIndex: plan.channelIndex(channel)!, payload: $0, receiveTime: receive, into: &out,
                ignored: &ignored)
        }
        return (r, out, ignored)
    }

    @Test("kPa converts to the profile's mmHg at its decimals")
    func conversion() throws {
        let plan = try DecodePlan.compile(profile: Self.bpProfile, firmware: nil).get()
        // 18.9 kPa = 141.76 mmHg → 142; 11.0 kPa = 82.5 → 83 (half away from zero); 15.6 kPa = 117.0
        let (r, out, _) = run(plan, .gatt(.bloodPressureMeasurement), hex("01 BDF0 6EF0 9CF0"))
        #expect(r == nil)
        #expect(out.map(\.value.text) == ["142", "83", "117"])
        #expect(out.allSatisfy { $0.unit == .mmHg && $0.status.contains(.timeFromReceiveTime) && $0.time == Self.now })
        #expect(out.map(\.metric) == [0, 1, 2])
    }

    @Test("unconverted values keep the device's precision")
    func precisionKept() throws {
        let plan = try DecodePlan.compile(profile: Self.bpProfile, firmware: nil).get()
        let (_, out, _) = run(plan, .gatt(.bloodPressureMeasurement), hex("00 7BF5 5AF0 6BF0"))
        #expect(out.map(\.value.text) == ["140.3", "9.0", "10.7"])
    }

    @Test("outside the plausible range is rejected with the range in the reason, never the value")
    func implausible() throws {
        let plan = try DecodePlan.compile(profile: Self.bpProfile, firmware: nil).get()
        let (r, out, _) = run(plan, .gatt(.bloodPressureMeasurement), hex("00 5E01 5A00 6B00"))  // systolic 350
        #expect(r == .implausible(metric: 0) && out.isEmpty)
        let text = r!.description(plan: plan)
        #expect(text.contains("0–300 mm[Hg]") && text.contains("systolic") && !text.contains("350"))
    }

    @Test("special values pass as absent values")
    func specialsPass() throws {
        let plan = try DecodePlan.compile(profile: Self.bpProfile, firmware: nil).get()
        let (r, out, _) = run(plan, .gatt(.bloodPressureMeasurement), hex("01 FF07 0008 0108"))
        #expect(r == nil && out.map(\.value) == [.absent(.nan), .absent(.nres), .absent(.reserved)])
    }

    @Test("a field the profile lacks is rejected; an ignored one is dropped and counted")
    func fieldsNotInProfile() throws {
        let plan = try DecodePlan.compile(profile: Self.bpProfile, firmware: nil).get()
        let (r, _, _) = run(plan, .gatt(.bloodPressureMeasurement), hex("04 8A00 5A00 6B00 4800"))
        #expect(r == .fieldNotInProfile(.pulseRate))
        let (r2, out2, ignored) = run(plan, .gatt(.intermediateCuffPressure), hex("00 8A00 0000 0000"))
        #expect(r2 == nil && out2.isEmpty && ignored == 1)
    }

    @Test("time sanity: before 2000 and far future are rejected")
    func timeSanity() throws {
        let plan = try DecodePlan.compile(profile: Self.bpProfile, firmware: nil).get()
        let old = [UInt8(0x02)] + hex("8A00 5A00 6B00") + dateTime(1999, 12, 31, 23, 0, 0)
        #expect(run(plan, .gatt(.bloodPressureMeasurement), old).0 == .timeBefore2000(metric: 0))
        let future = [UInt8(0x02)] + hex("8A00 5A00 6B00") + dateTime(2026, 11, 23, 4, 11, 0)
        #expect(run(plan, .gatt(.bloodPressureMeasurement), future).0 == .timeInFuture(metric: 0, skewSeconds: 600))
        let nearFuture = [UInt8(0x02)] + hex("8A00 5A00 6B00") + dateTime(2026, 11, 23, 4, 9, 0)
        #expect(run(plan, .gatt(.bloodPressureMeasurement), nearFuture).0 == nil)
    }

    @Test("control-solution glucose tests stay out of the journal")
    func controlSolution() throws {
        let profile = DeviceProfile(
            id: "g", model: "m", manufacturer: "x", version: 1, setting: .home, channels: [.gatt(.glucoseMeasurement)],
            firmware: [], metrics: [Self.metric("glucose", .field(.glucose), .millimolePerLitre, decimals: 1, 0, 55)])
        let plan = try DecodePlan.compile(profile: profile, firmware: nil).get()
        let base = hex("02 2A00") + dateTime(2026, 11, 23, 3, 0, 0) + hex("5AB0")
        let (ok, out, _) = run(plan, .gatt(.glucoseMeasurement), base + [0x11])
        // 90 × 10⁻⁵ kg/L = 90 mg/dL = 4.995… mmol/L → 5.0
        #expect(ok == nil && out[0].value.text == "5.0" && out[0].unit == .millimolePerLitre)
        #expect(
            run(plan, .gatt(.glucoseMeasurement), base + [0x1A]).0 == .notPatientMeasurement(.glucoseControlSolution))
    }

    @Test("a firmware quirk naming a unit the channel cannot announce does not compile")
    func badQuirk() {
        var q = FirmwareQuirks()
        q.actualUnit = .celsius
        let fw = FirmwareSpec(id: "f", profile: "bp", versions: "1", family: .gatt, quirks: q)
        guard case .failure(let problems) = DecodePlan.compile(profile: Self.bpProfile, firmware: fw) else {
            Issue.record("compiled")
            return
        }
        #expect(problems.list.contains { $0.field == "quirks.unit-flag.actual-unit" })
    }

    @Test("SenML records bind by name suffix; SenML % is a ratio unless the gateway says otherwise")
    func senmlBinding() throws {
        let profile = DeviceProfile(
            id: "s", model: "m", manufacturer: "x", version: 1, setting: .home, channels: [.senmlJSON],
            firmware: [],
            metrics: [
                Self.metric("spo2", .senml("spo2"), .percent, decimals: 0, 50, 100),
                Self.metric("temp", .senml("temp"), .celsius, decimals: 1, 32, 42),
            ], ignoredSources: ["battery"])
        let strict = try DecodePlan.compile(profile: profile, firmware: nil).get()
        let pack = Array(
            #"[{"bn":"urn:dev:mac:0024befffe804ff1:","n":"spo2","u":"%","v":0.97,"t":-30},{"n":"temp","u":"Cel","v":36.60},{"n":"battery","u":"%","v":0.5}]"#
                .utf8)
        let (r, out, _) = run(strict, .senmlJSON, pack)
        #expect(r == nil)
        #expect(out.map(\.value.text) == ["97", "36.60"])
        #expect(out[0].status.contains(.timeRelativeToReceive) && out[0].time == Self.now.adding(seconds: -30))
        let percent = Array(#"[{"n":"x:spo2","u":"%","v":97}]"#.utf8)
        #expect(run(strict, .senmlJSON, percent).0 == .implausible(metric: 0))
        var q = FirmwareQuirks()
        q.senmlPercentIsPercentage = true
        let lenient = try DecodePlan.compile(
            profile: profile, firmware: FirmwareSpec(id: "f", profile: "s", versions: "1", family: .senml, quirks: q)
        ).get()
        #expect(run(lenient, .senmlJSON, percent).1.map(\.value.text) == ["97"])
        #expect(run(strict, .senmlJSON, Array(#"[{"n":"x:heart","v":1}]"#.utf8)).0 == .senmlNameNotInProfile(record: 0))
        // A problem of the pack in a later record outranks the profile's in an earlier one, as when the pack was
        // resolved whole before any record was bound.
        #expect(
            run(strict, .senmlJSON, Array(#"[{"n":"x:heart","v":1},{"n":"x:temp","v":1,"v":2}]"#.utf8)).0
                == .senml(.duplicateLabel(record: 1, label: "v")))
        #expect(
            run(strict, .senmlJSON, Array(#"[{"n":"x:temp","u":"K","v":310}]"#.utf8)).0
                == .unknownSenMLUnit(record: 0, unit: "K"))
        #expect(MetricSource.senml("temp").matches(senmlName: "urn:x:temp"))
        #expect(!MetricSource.senml("temp").matches(senmlName: "urn:x:skintemp"))
    }

    @Test("a status set lists its flags in declaration order, from either word of bits")
    func statusFlags() {
        var rng = SplitMix(state: 11)
        for _ in 0..<2_000 {
            var set = StatusSet()
            for flag in StatusFlag.allCases where rng.next() % 8 == 0 { set.insert(flag) }
            #expect(set.flags == StatusFlag.allCases.filter(set.contains))
        }
        #expect(StatusSet().flags.isEmpty)
        #expect(StatusFlag.allCases.count > 64, "the second word is not exercised")
    }

    @Test("decoding and validating allocates nothing per payload once the buffer is warm")
    func reusesBuffer() throws {
        let plan = try DecodePlan.compile(profile: Self.bpProfile, firmware: nil).get()
        var out: [Reading] = []
        out.reserveCapacity(16)
        let capacity = out.capacity
        var ignored = 0
        let frame = hex("00 8A00 5A00 6B00")
        for _ in 0..<1000 {
            out.removeAll(keepingCapacity: true)
            _ = frame.withUnsafeBytes {
                plan.process(channelIndex: 0, payload: $0, receiveTime: Self.now, into: &out, ignored: &ignored)
            }
        }
        #expect(out.count == 3 && out.capacity == capacity)
    }

    /// The decode loop writes several readings per payload; packed (`ReadingTests`), each is 64 bytes.
    @Test("a reading is 64 bytes")
    func readingSize() {
        #expect(MemoryLayout<Reading>.stride == 64)
    }
}
