import Testing

@testable import HelsebroCore

@Suite("IEEE 11073-20601 SFLOAT and FLOAT")
struct NumberTests {
    /// PHD-IG FLOATS.md L33–L40 worked values; Nordic DataTest `setValue_SFLOAT_hex` (10.1 → 65 F0); Nordic BP test
    /// (18.9 → BD F0, 138 → 8A 00).
    @Test(
        "SFLOAT decodes with its exponent kept",
        arguments: [
            (UInt16(0x0002), "2", 0), (0xF014, "2.0", 1), (0xE0C8, "2.00", 2), (0x1002, "20", 0), (0x2002, "200", 0),
            (0x04D2, "1234", 0), (0x0B2E, "-1234", 0), (0xF065, "10.1", 1), (0xF0BD, "18.9", 1), (0x008A, "138", 0),
            // Trap 1: 0x800 is reserved only at exponent 0 (Tidepool SFloatTests).
            (0xF800, "-204.8", 1), (0xF7FF, "204.7", 1),
            (0x8001, "0.00000001", 8), (0x77FF, "20470000000", 0), (0x7FFF, "-10000000", 0), (0x0000, "0", 0),
        ])
    func sfloat(raw: UInt16, text: String, places: Int) {
        let v = SFloat(raw: raw).value
        #expect(v.text == text)
        #expect(v.number?.decimalPlaces == places)
    }

    @Test("the smallest exponent a FLOAT can carry (-128) neither traps nor loses its places (found by fuzz-frames)")
    func smallestExponent() {
        let d = DecimalValue(mantissa: 5, exponent: -128)
        #expect(d.decimalPlaces == 128)
        #expect(d.double >= 0 && d.double < 1e-100)
        #expect(d.description.hasPrefix("0.000") && d.description.hasSuffix("5") && d.description.count == 130)
    }

    /// PHD-IG FLOATS.md L49–L55: the five special values, each kept apart.
    @Test(
        "SFLOAT special values",
        arguments: [
            (UInt16(0x07FF), AbsentReason.nan), (0x0800, .nres), (0x07FE, .positiveInfinity),
            (0x0802, .negativeInfinity), (0x0801, .reserved),
        ])
    func sfloatSpecial(raw: UInt16, reason: AbsentReason) {
        #expect(SFloat(raw: raw).value == .absent(reason))
    }

    @Test(
        "FLOAT decodes with its exponent kept",
        arguments: [
            (UInt32(0xFF00_0014), "2.0"), (0xFE00_00C8, "2.00"), (0x00FF_FB2E, "-1234"), (0x0100_0002, "20"),
            // Nordic DataTest setValue_FLOAT_hex: 12345.67 → bytes 87 D6 12 FE.
            (0xFE12_D687, "12345.67"),
            // PHD transcoding white paper: 00 6C 01 00 FF = 36.4 °C.
            (0xFF00_016C, "36.4"),
            // Non-zero exponent with a special mantissa is a number.
            (0xFF7F_FFFF, "838860.7"),
        ])
    func float(raw: UInt32, text: String) {
        #expect(MedFloat32(raw: raw).value.text == text)
    }

    @Test(
        "FLOAT special values",
        arguments: [
            (UInt32(0x007F_FFFF), AbsentReason.nan), (0x0080_0000, .nres), (0x007F_FFFE, .positiveInfinity),
            (0x0080_0002, .negativeInfinity), (0x0080_0001, .reserved),
        ])
    func floatSpecial(raw: UInt32, reason: AbsentReason) {
        #expect(MedFloat32(raw: raw).value == .absent(reason))
    }

    @Test("Every SFLOAT word decodes to mantissa × 10^exponent or one special value")
    func sfloatExhaustive() {
        var specials = 0
        for raw in 0...UInt16.max {
            let s = SFloat(raw: raw)
            switch s.value {
            case .absent: specials += 1
            case .number(let d):
                let m = Int(raw & 0x0FFF)
                let e = Int(raw >> 12)
                #expect(d.mantissa == Int64(m >= 0x800 ? m - 0x1000 : m))
                #expect(Int(d.exponent) == (e >= 8 ? e - 16 : e))
            }
        }
        #expect(specials == 5)
    }

    @Test(
        "Decimal text keeps written precision",
        arguments: [
            ("36.60", "36.60"), ("-0.5", "-0.5"), ("1.5e3", "1500"), ("6E-2", "0.06"), ("120", "120"),
            ("0.000", "0.000"),
        ])
    func decimalText(input: String, output: String) {
        #expect(DecimalValue(text: Array(input.utf8))?.description == output)
    }

    @Test("Decimal rounding half away from zero")
    func rounding() {
        #expect(DecimalValue(rounding: 141.765, places: 1)?.description == "141.8")
        #expect(DecimalValue(rounding: -2.5, places: 0)?.description == "-3")
        #expect(DecimalValue(rounding: .nan, places: 1) == nil)
    }
}

@Suite("Time")
struct TimeTests {
    @Test("RFC 3339 round trip")
    func rfc3339() {
        let t = Timestamp(year: 2010, month: 12, day: 18, hour: 15)
        #expect(t.rfc3339 == "2010-12-18T15:00:00Z")
        #expect(Timestamp(rfc3339: "2010-12-18T16:00:00+01:00") == t)
        #expect(Timestamp(rfc3339: "2010-12-18T15:00:00.25Z")?.microseconds == t.microseconds + 250_000)
        #expect(Timestamp(rfc3339: "2010-12-18T15:00:00.25Z")?.rfc3339 == "2010-12-18T15:00:00.25Z")
        #expect(Timestamp(rfc3339: "2010-02-30T15:00:00Z") == nil)
        #expect(Timestamp(rfc3339: "2010-12-18 15:00") == nil)
        #expect(
            Timestamp(year: 1969, month: 12, day: 31, hour: 23, minute: 59, second: 59).rfc3339
                == "1969-12-31T23:59:59Z")
    }

    /// Directive 2000/84/EC: summer time from 01:00 UTC on the last Sunday of March to 01:00 UTC on the last Sunday
    /// of October. In 2026 those are 29 March and 25 October.
    @Test("Oslo local clock placed with EU summer time")
    func osloClock() {
        let oslo = DeviceClock.named("Europe/Oslo")!
        let winter = oslo.place(wallClock: Timestamp(year: 2026, month: 1, day: 15, hour: 12))
        #expect(winter.time == Timestamp(year: 2026, month: 1, day: 15, hour: 11))
        let summer = oslo.place(wallClock: Timestamp(year: 2026, month: 7, day: 1, hour: 12))
        #expect(summer.time == Timestamp(year: 2026, month: 7, day: 1, hour: 10))
        // 02:30 on 29 March 2026 does not exist in Oslo.
        let skipped = oslo.place(wallClock: Timestamp(year: 2026, month: 3, day: 29, hour: 2, minute: 30))
        #expect(skipped.nonexistent)
        // 02:30 on 25 October 2026 happens twice; the earlier (summer time, UTC+2) is taken.
        let repeated = oslo.place(wallClock: Timestamp(year: 2026, month: 10, day: 25, hour: 2, minute: 30))
        #expect(repeated.ambiguous)
        #expect(repeated.time == Timestamp(year: 2026, month: 10, day: 25, hour: 0, minute: 30))
        #expect(DeviceClock.named("+05:30") == .fixedOffset(minutes: 330))
        #expect(DeviceClock.named("Mars/Olympus") == nil)
    }
}
