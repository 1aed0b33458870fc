import Testing

@testable import HelsebroCore

/// Blood Pressure Measurement 0x2A35 and Intermediate Cuff Pressure 0x2A36 (SIG-XML blood_pressure_measurement.xml,
/// intermediate_cuff_pressure.xml; payload-formats.md §2.1–2.2).
@Suite("GATT 0x2A35 / 0x2A36 blood pressure")
struct GattBloodPressureTests {
    /// Builds a frame field by field, as the characteristic XML orders them.
    static func frame(flags: UInt8, user: UInt8 = 3, status: UInt16 = 0x0027) -> [UInt8] {
        var b: [UInt8] = [flags] + le16(0x008A) + le16(0x005A) + le16(0x006B)  // 138 / 90 / 107
        if flags & 0x02 != 0 { b += dateTime(2024, 5, 17, 8, 30, 0) }
        if flags & 0x04 != 0 { b += le16(0x0048) }  // 72
        if flags & 0x08 != 0 { b += [user] }
        if flags & 0x10 != 0 { b += le16(status) }
        return b
    }

    @Test("every flag combination decodes, and one byte less or more is rejected", arguments: 0..<64)
    func flagCombinations(flags: Int) throws {
        let f = UInt8(flags)
        let bytes = Self.frame(flags: f)
        let expectedLength =
            7 + (f & 2 != 0 ? 7 : 0) + (f & 4 != 0 ? 2 : 0) + (f & 8 != 0 ? 1 : 0) + (f & 16 != 0 ? 2 : 0)
        #expect(bytes.count == expectedLength)
        let rs = try readings(.bloodPressureMeasurement, bytes)
        #expect(rs.map(\.field) == [.systolic, .diastolic, .meanArterialPressure] + (f & 4 != 0 ? [.pulseRate] : []))
        #expect(rs[0].value.text == "138" && rs[1].value.text == "90" && rs[2].value.text == "107")
        #expect(rs[0].unit == (f & 1 != 0 ? .kPa : .mmHg))
        if f & 4 != 0 { #expect(rs[3].unit == .perMinute && rs[3].value.text == "72") }
        #expect(rs[0].time == (f & 2 != 0 ? Timestamp(year: 2024, month: 5, day: 17, hour: 8, minute: 30) : nil))
        #expect(rs.allSatisfy { $0.userID == (f & 8 != 0 ? 3 : nil) })
        #expect(rs[0].status.contains(.bodyMovement) == (f & 16 != 0))
        #expect(
            rejection(.bloodPressureMeasurement, Array(bytes.dropLast()))
                == .truncated(needed: bytes.count, actual: bytes.count - 1, flags: f))
        #expect(
            rejection(.bloodPressureMeasurement, bytes + [0])
                == .unannouncedBytes(expected: bytes.count, actual: bytes.count + 1, flags: f))
    }

    /// Nordic BloodPressureMeasurementDataCallbackTest: 18.9/11.0/15.6 kPa-style values with status 0x0027 and 0x0012.
    @Test("Nordic measurement-status vectors")
    func nordicStatus() throws {
        let a = try readings(.bloodPressureMeasurement, Self.frame(flags: 0x10, status: 0x0027))
        #expect(a[0].status == StatusSet(.bodyMovement, .cuffTooLoose, .irregularPulse, .improperMeasurementPosition))
        let b = try readings(.bloodPressureMeasurement, Self.frame(flags: 0x10, status: 0x0012))
        #expect(b[0].status == StatusSet(.cuffTooLoose, .pulseRateBelowLowerLimit))
        let c = try readings(.bloodPressureMeasurement, Self.frame(flags: 0x10, status: 0x0008))
        #expect(c[0].status == StatusSet(.pulseRateAboveUpperLimit))
        let d = try readings(.bloodPressureMeasurement, Self.frame(flags: 0x10, status: 0x0018))
        #expect(d[0].status == StatusSet(.pulseRateRangeReserved))
    }

    /// Every combination of the six defined Measurement Status bits, with reserved bits 6–15 set or clear, against
    /// the SIG-XML table read bit by bit.
    @Test("every measurement-status word maps bit by bit; reserved bits are ignored", arguments: 0..<64)
    func everyStatusWord(bits: Int) throws {
        var expected = StatusSet()
        if bits & 0x01 != 0 { expected.insert(.bodyMovement) }
        if bits & 0x02 != 0 { expected.insert(.cuffTooLoose) }
        if bits & 0x04 != 0 { expected.insert(.irregularPulse) }
        let range: [StatusFlag?] = [nil, .pulseRateAboveUpperLimit, .pulseRateBelowLowerLimit, .pulseRateRangeReserved]
        if let r = range[(bits >> 3) & 3] { expected.insert(r) }
        if bits & 0x20 != 0 { expected.insert(.improperMeasurementPosition) }
        for reserved in [0, 0xFFC0, 0x0040, 0x8000] {
            let rs = try readings(.bloodPressureMeasurement, Self.frame(flags: 0x10, status: UInt16(bits | reserved)))
            #expect(rs.allSatisfy { $0.status == expected }, "status 0x\(String(bits | reserved, radix: 16))")
        }
    }

    @Test("kPa frame from Nordic's test bytes: 18.9 kPa is BD F0")
    func kilopascal() throws {
        let rs = try readings(.bloodPressureMeasurement, hex("01 BDF0 6E00 9C00"))
        #expect(rs[0].value.text == "18.9" && rs[0].unit == .kPa)
        #expect(rs[1].value.text == "110" && rs[2].value.text == "156")
    }

    @Test("special values stay absent with their kind")
    func specials() throws {
        let rs = try readings(.bloodPressureMeasurement, hex("04 FF07 0008 FE07 0208"))
        #expect(
            rs.map(\.value) == [.absent(.nan), .absent(.nres), .absent(.positiveInfinity), .absent(.negativeInfinity)])
    }

    /// Date Time 0x2A08: year, month or day 0 mean "not known"; other out-of-range parts are an error.
    @Test("unknown and invalid time stamps")
    func timeStamps() throws {
        let unknownYear = [UInt8(0x02)] + le16(0x008A) + le16(0x005A) + le16(0x006B) + dateTime(0, 5, 17, 8, 30, 0)
        #expect(try readings(.bloodPressureMeasurement, unknownYear)[0].time == nil)
        let badMonth = [UInt8(0x02)] + le16(0x008A) + le16(0x005A) + le16(0x006B) + dateTime(2024, 13, 17, 8, 30, 0)
        #expect(rejection(.bloodPressureMeasurement, badMonth) == .invalidDateTime(.month, value: 13))
        let feb30 = [UInt8(0x02)] + le16(0x008A) + le16(0x005A) + le16(0x006B) + dateTime(2023, 2, 29, 8, 30, 0)
        #expect(rejection(.bloodPressureMeasurement, feb30) == .invalidDateTime(.day, value: 29))
        let hour24 = [UInt8(0x02)] + le16(0x008A) + le16(0x005A) + le16(0x006B) + dateTime(2024, 5, 17, 24, 0, 0)
        #expect(rejection(.bloodPressureMeasurement, hour24) == .invalidDateTime(.hours, value: 24))
        let year1500 = [UInt8(0x02)] + le16(0x008A) + le16(0x005A) + le16(0x006B) + dateTime(1500, 5, 17, 8, 0, 0)
        #expect(rejection(.bloodPressureMeasurement, year1500) == .invalidDateTime(.year, value: 1500))
        // Days 29–31 leave the decoder's common path; those that exist are read like any other.
        for (y, m, d) in [(2024, 2, 29), (2000, 2, 29), (2024, 1, 31), (2024, 4, 30), (2024, 12, 31)] {
            let frame = [UInt8(0x02)] + le16(0x008A) + le16(0x005A) + le16(0x006B) + dateTime(y, m, d, 23, 59, 59)
            #expect(
                try readings(.bloodPressureMeasurement, frame)[0].time
                    == Timestamp(year: y, month: m, day: d, hour: 23, minute: 59, second: 59))
        }
        for (y, m, d) in [(1900, 2, 29), (2024, 4, 31), (2024, 6, 31)] {
            let frame = [UInt8(0x02)] + le16(0x008A) + le16(0x005A) + le16(0x006B) + dateTime(y, m, d, 8, 0, 0)
            #expect(rejection(.bloodPressureMeasurement, frame) == .invalidDateTime(.day, value: d))
        }
    }

    @Test("user 255 is the unknown user")
    func unknownUser() throws {
        let rs = try readings(.bloodPressureMeasurement, Self.frame(flags: 0x08, user: 0xFF))
        #expect(rs[0].status.contains(.userUnknown))
    }

    /// SIG-XML intermediate_cuff_pressure.xml: Diastolic and MAP are unused and not reported.
    @Test("intermediate cuff pressure reports only the cuff pressure", arguments: [0, 4, 0x1F])
    func intermediate(flags: Int) throws {
        let rs = try readings(.intermediateCuffPressure, Self.frame(flags: UInt8(flags)))
        #expect(rs.map(\.field) == [.cuffPressure] + (flags & 4 != 0 ? [.pulseRate] : []))
    }

    @Test("firmware that ignores the unit flag")
    func forcedUnit() throws {
        var o = GattOptions()
        o.forcedUnitFlag = false
        let rs = try readings(.bloodPressureMeasurement, Self.frame(flags: 0x01), o)
        #expect(rs[0].unit == .mmHg && rs[0].status.contains(.unitFlagIgnored))
    }

    @Test("vendor trailing bytes must be there, and are skipped")
    func vendorBytes() throws {
        var o = GattOptions()
        o.vendorTrailingBytes = 1
        #expect(try readings(.bloodPressureMeasurement, Self.frame(flags: 0) + [0xAA], o).count == 3)
        #expect(rejection(.bloodPressureMeasurement, Self.frame(flags: 0), o) == .vendorBytesMissing(count: 1))
        #expect(rejection(.bloodPressureMeasurement, [], o) == .empty)
    }

    @Test("a local clock converts to UTC and says so")
    func localClock() throws {
        var o = GattOptions()
        o.clock = DeviceClock.named("Europe/Oslo")!
        let rs = try readings(.bloodPressureMeasurement, Self.frame(flags: 0x02), o)
        #expect(rs[0].time == Timestamp(year: 2024, month: 5, day: 17, hour: 6, minute: 30))
        #expect(rs[0].status.contains(.timeConvertedFromLocalClock))
    }
}
