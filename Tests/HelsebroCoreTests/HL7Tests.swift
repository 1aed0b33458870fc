import Testing

@testable import HelsebroCore

/// HL7 v2 ORU^R01 as IHE PCD-01 gateways send it. Example messages: IHE PCD TF example as shipped in Open eHealth
/// IPF's validator tests (`valid-pcd01-request.hl7v2`, `valid-pcd01-request2.hl7v2`, payload-formats.md §4.3).
@Suite("HL7 v2 ORU^R01")
struct HL7Tests {
    static let ihe = [
        #"MSH|^~\&|AcmeInc^ACDE48234567ABCD^EUI-64||||20090713090030+0500||ORU^R01^ORU_R01|MSGID1234|P|2.6|||NE|AL|||||IHE PCD ORU-R01 2006^HL7^1.3.6.1.4.1.19376.1.6.1.1.1^ISO"#,
        "PID|||789567^^^Imaginary Hospital^PI||Doe^John^Joseph^^^^L^A|||M",
        "OBR|1|AB12345^AcmeAHDInc^ACDE48234567ABCD^EUI-64|CD12345^AcmeAHDInc^ACDE48234567ABCD^EUI-64|528391^MDC_DEV_SPEC_PROFILE_BP^MDC|||20090813095715+0500",
        "OBX|1||528391^MDC_DEV_SPEC_PROFILE_BP^MDC|1|||||||R|||||||0123456789ABCDEF^EUI-64",
        "OBX|2||150020^MDC_PRESS_BLD_NONINV^MDC|1.0.1|||||||R|||20090813095715+0500",
        "OBX|3|NM|150021^MDC_PRESS_BLD_NONINV_SYS^MDC|1.0.1.1|120|266016^MDC_DIM_MMHG^MDC|||||R",
        "OBX|4|NM|150022^MDC_PRESS_BLD_NONINV_DIA^MDC|1.0.1.2|80|266016^MDC_DIM_MMHG^MDC|||||R",
        "OBX|5|NM|150023^MDC_PRESS_BLD_NONINV_MEAN^MDC|1.0.1.3|100|266016^MDC_DIM_MMHG^MDC|||||R",
    ]

    static let aware = [
        #"MSH|^~\&|HL7^080019FFFF4F6AC0^EUI-64|MMS|||20081211144500||ORU^R01^ORU_R01|12d15a9:11df9e61347:-7fee:30456965|P|2.6|20081211144500||NE|AL||8859/1|||IHE PCD ORU-R01 2006^HL7^Universal ID^HL7"#,
        "PID|||AB60001^^^A^PI||BROOKS^ALBERT^^^^^L",
        "PV1||E|3 WEST ICU^3001^1",
        "OBR|1|080019FFFF4F6AFE20081211144657^AwareGateway^080019FFFF4F6AC0^EUI-64|080019FFFF4F6AC020081211144657^AwareGateway^080019FFFF4F6AC0^EUI-64|126.169.95.2^2000^MDC|||20081211144500",
        "OBX|1|NM|147842^MDC_ECG_HEART_RATE^MDC|1.6.1.1|60|/min^/min^UCUM|||||R|||||||||",
        "OBX|2|NM|148065^MDC_ECG_V_P_C_CNT^MDC|1.6.1.2|0|/min^/min^UCUM|||||R|||||||||",
        "OBX|3|NM|150035^MDC_PRESS_BLD_ART_MEAN^MDC|1.3.1.1|92|mm[Hg]^mm[Hg]^UCUM|||||R|||||||||",
        "OBX|4|NM|150033^MDC_PRESS_BLD_ART_SYS^MDC|1.3.1.2|120|mm[Hg]^mm[Hg]^UCUM|||||R|||||||||",
    ]

    func read(_ lines: [String], separator: String = "\r", clock: DeviceClock = .utc) -> Result<HL7Result, HL7Problem> {
        HL7Message.parse(Array(lines.joined(separator: separator).utf8)).flatMap { HL7Result.read($0, clock: clock) }
    }

    @Test(
        "IHE PCD-01 blood pressure: hierarchy OBXs skipped, time inherited from the compound OBX",
        arguments: ["\r", "\n", "\r\n"])
    func iheExample(separator: String) throws {
        let r = try read(Self.ihe, separator: separator).get()
        #expect(r.controlID == "MSGID1234")
        #expect(r.patientIdentifiers == ["789567"])
        #expect(r.observations.map(\.mdc) == [150_021, 150_022, 150_023])
        #expect(r.observations.map(\.value.description) == ["120", "80", "100"])
        #expect(r.observations.allSatisfy { $0.unit == .mmHg })
        // 2009-08-13 09:57:15 at +05:00 is 04:57:15 UTC.
        #expect(
            r.observations.allSatisfy {
                $0.time == Timestamp(year: 2009, month: 8, day: 13, hour: 4, minute: 57, second: 15)
            })
        #expect(r.problems.isEmpty)
    }

    @Test("Aware gateway: UCUM units, time from OBR-7 read with the device clock")
    func awareExample() throws {
        let r = try read(Self.aware, clock: DeviceClock.named("Europe/Oslo")!).get()
        #expect(r.observations.map(\.mdc) == [147_842, 148_065, 150_035, 150_033])
        #expect(r.observations.map(\.unit) == [.perMinute, .perMinute, .mmHg, .mmHg])
        // 2008-12-11 14:45:00 in Oslo (winter, UTC+1) is 13:45 UTC.
        #expect(r.observations[0].time == Timestamp(year: 2008, month: 12, day: 11, hour: 13, minute: 45))
    }

    @Test("one bad OBX does not sink the good ones")
    func partial() throws {
        var lines = Self.ihe
        lines[5] = "OBX|3|NM|150021^MDC_PRESS_BLD_NONINV_SYS^MDC|1.0.1.1||266016^MDC_DIM_MMHG^MDC|||||X"
        lines[6] = "OBX|4|NM|150022^MDC_PRESS_BLD_NONINV_DIA^MDC|1.0.1.2|8O|266016^MDC_DIM_MMHG^MDC|||||R"
        lines.append("OBX|6|NM|150023^MDC_PRESS_BLD_NONINV_MEAN^MDC|1.0.1.3|100|999999^MDC_DIM_NOTHING^MDC|||||R")
        lines.append(
            "OBX|7|NM|150021^MDC_PRESS_BLD_NONINV_SYS^MDC|1.0.1.1|121|266016^MDC_DIM_MMHG^MDC|||||R|||2009081399")
        let r = try read(lines).get()
        #expect(r.observations.map(\.index) == [5])
        #expect(
            r.problems == [
                .emptyValue(obx: 3, invalid: true), .notANumber(obx: 4), .unknownUnit(obx: 6), .badTime(obx: 7),
            ])
    }

    @Test("trust the numeric code, not the label; labels may lie")
    func numericCode() throws {
        var lines = Self.aware
        lines[4] = "OBX|1|NM|149522^MDC_PULS_RATE^MDC|1.2.1.1|61|/min^/min^UCUM|||||F"
        let r = try read(lines).get()
        #expect(r.observations[0].mdc == 149_522 && r.observations[0].label == "MDC_PULS_RATE")
    }

    @Test(
        "the header scan reads what the full parser reads: MSH-10 and every PID-3 identifier",
        arguments: ["\r", "\n", "\r\n"])
    func headerScan(separator: String) throws {
        for lines in [Self.ihe, Self.aware, Self.ihe + ["PID|||A-1^^^X^PI~B-2^^^Y^MR||Doe"]] {
            let bytes = [0x0B] + Array(lines.joined(separator: separator).utf8) + [0x1C, 0x0D]
            let full = try HL7Result.read(try HL7Message.parse(bytes).get(), clock: .utc).get()
            let header = try #require(HL7Header.scan(bytes))
            #expect(header.controlID == full.controlID)
            #expect(header.patients == full.patientIdentifiers)
        }
        #expect(HL7Header.scan(Self.ihe.joined(separator: "\r").utf8.map { $0 })?.patients == ["789567"])
        // Escapes in PID-3, and no MSH: left to the full parser.
        #expect(HL7Header.scan(Array((Self.ihe[0] + "\rPID|||A\\T\\B^^^X").utf8)) == nil)
        #expect(HL7Header.scan(Array("PID|||1".utf8)) == nil)
        #expect(HL7Header.scan(Array("MSH|^~\\&|A|B|||20240101||ORU^R01|".utf8))?.controlID == "")
    }

    @Test("escape sequences and other encoding characters")
    func escapes() throws {
        let lines = [
            "MSH#$%!@#X#Y#Z##20240101120000##ORU$R01#ID-9#P#2.6",
            "OBX#1#NM#8310-5$Body temperature !F! oral$LN#1#37.5#Cel$Cel$UCUM#36!S!37#H%HH###F###20240101115900+0100",
        ]
        let r = try read(lines).get()
        let o = try #require(r.observations.first)
        #expect(o.loinc == "8310-5" && o.label == "Body temperature # oral")
        #expect(o.referenceRange == "36$37" && o.abnormalFlags == ["H", "HH"])
        #expect(o.time == Timestamp(year: 2024, month: 1, day: 1, hour: 10, minute: 59))
    }

    @Test(
        "malformed messages are rejected with a reason",
        arguments: [
            ("PID|||1", HL7Problem.missingMSH),
            ("MSH|^^~\\|x", .badEncodingCharacters),
            ("MSH|^~\\&|a||||20240101||ADT^A01|1|P|2.6\rOBX|1|NM|150021^X^MDC|1|1|266016^X^MDC", .notORUR01),
            ("MSH|^~\\&|a||||20240101||ORU^R01|1|P|2.6\rPID|||1", .noObservations),
            ("MSH|^~\\&|a||||20240101||ORU^R01|1|P|2.6\rxx|1", .malformedSegment(index: 1)),
        ])
    func malformed(text: String, problem: HL7Problem) {
        let r = HL7Message.parse(Array(text.utf8)).flatMap { HL7Result.read($0) }
        guard case .failure(let p) = r else {
            Issue.record("accepted")
            return
        }
        #expect(p == problem)
    }

    @Test(
        "HL7 date-times",
        arguments: [
            (
                "20090813095715+0500",
                Timestamp(year: 2009, month: 8, day: 13, hour: 4, minute: 57, second: 15).microseconds
            ),
            ("200908130957-0130", Timestamp(year: 2009, month: 8, day: 13, hour: 11, minute: 27).microseconds),
            (
                "19910120082615.471+0100",
                Timestamp(year: 1991, month: 1, day: 20, hour: 7, minute: 26, second: 15).microseconds + 471_000
            ),
        ])
    func times(text: String, micros: Int64) {
        #expect(HL7Time.parse(text, clock: .utc)?.microseconds == micros)
    }

    @Test(
        "invalid date-times",
        arguments: [
            "2009", "20091313095715", "20090813095715+05", "2009081309571", "20090230120000",
            // Digits that are numbers to Unicode but not to Int(_:) (found by fuzz-hl7: it trapped).
            "200908130957\u{0663}\u{0665}", "20090813095715.\u{00BD}", "20090813095715+\u{0665}500",
        ])
    func badTimes(text: String) {
        #expect(HL7Time.parse(text, clock: .utc) == nil)
    }

    @Test("a plan binds observations by code and validates each on its own")
    func plan() throws {
        let profile = DeviceProfile(
            id: "bm", model: "m", manufacturer: "x", version: 1, setting: .hospital, channels: [.hl7v2], firmware: [],
            metrics: [
                DecodePlanTests.metric("systolic", .mdc(150_021), .mmHg, decimals: 0, 0, 300),
                DecodePlanTests.metric("diastolic", .mdc(150_022), .mmHg, decimals: 0, 0, 70),
            ], ignoredSources: ["mdc:150023"])
        let plan = try DecodePlan.compile(profile: profile, firmware: nil).get()
        var out: [Reading] = []
        var ignored = 0
        var partial: [Rejection] = []
        let bytes = Array(Self.ihe.joined(separator: "\r").utf8)
        let r = bytes.withUnsafeBytes {
            plan.process(
                channelIndex: 0, payload: $0, receiveTime: Timestamp(year: 2009, month: 8, day: 13, hour: 5),
                into: &out, ignored: &ignored, partial: &partial)
        }
        #expect(r == nil)
        #expect(out.map(\.value.text) == ["120"])
        #expect(ignored == 1)
        // Diastolic 80 is outside this profile's 0–70: rejected alone.
        #expect(partial == [.implausible(metric: 1)])

        // A unit that disagrees with the profile (systolic in Cel) is refused for that OBX only.
        var lines = Self.ihe
        lines[5] = "OBX|3|NM|150021^MDC_PRESS_BLD_NONINV_SYS^MDC|1.0.1.1|37|268192^MDC_DIM_DEGC^MDC|||||R"
        lines[6] = "OBX|4|NM|150022^MDC_PRESS_BLD_NONINV_DIA^MDC|1.0.1.2|9.1|265987^MDC_DIM_KILO_PASCAL^MDC|||||R"
        out.removeAll()
        partial.removeAll()
        let mixed = Array(lines.joined(separator: "\r").utf8)
        let r2 = mixed.withUnsafeBytes {
            plan.process(
                channelIndex: 0, payload: $0, receiveTime: Timestamp(year: 2009, month: 8, day: 13, hour: 5),
                into: &out, ignored: &ignored, partial: &partial)
        }
        #expect(r2 == nil)
        #expect(partial == [.unitNotConvertible(metric: 0, from: .celsius)])
        // 9.1 kPa = 68.3 mmHg → 68, within 0–70.
        #expect(out.map(\.value.text) == ["68"] && out[0].unit == .mmHg)
        // OBX-8 abnormal flags and OBX-11 status survive validation.
        lines = Self.ihe
        lines[5] = "OBX|3|NM|150021^MDC_PRESS_BLD_NONINV_SYS^MDC|1.0.1.1|190|266016^MDC_DIM_MMHG^MDC||H~HH|||C"
        out.removeAll()
        partial.removeAll()
        _ = Array(lines.joined(separator: "\r").utf8).withUnsafeBytes {
            plan.process(
                channelIndex: 0, payload: $0, receiveTime: Timestamp(year: 2009, month: 8, day: 13, hour: 5),
                into: &out, ignored: &ignored, partial: &partial)
        }
        #expect(out.first?.status == StatusSet(.abnormalHigh, .criticalHigh, .resultCorrected))
    }
}
