import Testing

@testable import HelsebroCore

/// Temperature Measurement 0x2A1C (SIG-XML temperature_measurement.xml, temperature_type.xml).
@Suite("GATT 0x2A1C temperature")
struct GattTemperatureTests {
    /// PHD Transcoding White Paper examples quoted in payload-formats.md §2.3.
    @Test("white paper vectors")
    func whitePaper() throws {
        let a = try readings(.temperatureMeasurement, hex("00 6C 01 00 FF"))
        #expect(a[0].value.text == "36.4" && a[0].unit == .celsius && a[0].time == nil)
        let b = try readings(.temperatureMeasurement, hex("02 72 01 00 FF DA 07 0C 12 0F 00 00"))
        #expect(b[0].value.text == "37.0")
        #expect(b[0].time == Timestamp(year: 2010, month: 12, day: 18, hour: 15))
    }

    @Test("every flag combination and every temperature type", arguments: 0..<8, 0..<12)
    func flags(flags: Int, type: Int) throws {
        let f = UInt8(flags)
        var b: [UInt8] = [f, 0x72, 0x01, 0x00, 0xFF]
        if f & 2 != 0 { b += dateTime(2025, 1, 2, 3, 4, 5) }
        if f & 4 != 0 { b.append(UInt8(type)) }
        let r = try readings(.temperatureMeasurement, b)[0]
        #expect(r.unit == (f & 1 != 0 ? .fahrenheit : .celsius))
        let sites: [StatusFlag] = [
            .siteArmpit, .siteBody, .siteEar, .siteFinger, .siteGastrointestinalTract, .siteMouth, .siteRectum,
            .siteToe, .siteTympanum,
        ]
        if f & 4 != 0 {
            #expect(r.status.contains((1...9).contains(type) ? sites[type - 1] : .siteReserved))
        } else {
            #expect(r.status.isEmpty)
        }
        #expect(rejection(.temperatureMeasurement, Array(b.dropLast())) != nil)
        #expect(rejection(.temperatureMeasurement, b + [1]) != nil)
    }

    @Test(
        "FLOAT specials",
        arguments: [
            (UInt32(0x007F_FFFF), AbsentReason.nan), (0x0080_0000, .nres), (0x007F_FFFE, .positiveInfinity),
            (0x0080_0002, .negativeInfinity), (0x0080_0001, .reserved),
        ])
    func specials(raw: UInt32, reason: AbsentReason) throws {
        let b: [UInt8] = [0, UInt8(raw & 0xFF), UInt8(raw >> 8 & 0xFF), UInt8(raw >> 16 & 0xFF), UInt8(raw >> 24)]
        #expect(try readings(.temperatureMeasurement, b)[0].value == .absent(reason))
    }
}

/// Glucose Measurement 0x2A18 (SIG-XML glucose_measurement.xml; Nordic and Current Health tests for nibbles).
@Suite("GATT 0x2A18 glucose")
struct GattGlucoseTests {
    static func frame(flags: UInt8, typeLocation: UInt8 = 0x11, annunciation: UInt16 = 0, offset: Int16 = -5) -> [UInt8]
    {
        var b: [UInt8] = [flags] + le16(42) + dateTime(2024, 3, 1, 7, 10, 0)
        if flags & 0x01 != 0 { b += le16(UInt16(bitPattern: offset)) }
        if flags & 0x02 != 0 { b += le16(0xB05A) + [typeLocation] }  // 90 × 10⁻⁵ kg/L = 90 mg/dL
        if flags & 0x08 != 0 { b += le16(annunciation) }
        return b
    }

    @Test("every flag combination", arguments: 0..<32)
    func flags(flags: Int) throws {
        let f = UInt8(flags)
        let b = Self.frame(flags: f)
        #expect(b.count == 10 + (f & 1 != 0 ? 2 : 0) + (f & 2 != 0 ? 3 : 0) + (f & 8 != 0 ? 2 : 0))
        let rs = try readings(.glucoseMeasurement, b)
        if f & 2 == 0 {
            #expect(rs.isEmpty)
        } else {
            let r = rs[0]
            #expect(r.value.text == "0.00090")
            #expect(r.unit == (f & 4 != 0 ? .molePerLitre : .kilogramPerLitre))
            #expect(r.sequence == 42)
            // Nordic applies the offset: minute 10 − 5 = 5.
            #expect(r.time == Timestamp(year: 2024, month: 3, day: 1, hour: 7, minute: f & 1 != 0 ? 5 : 10))
            #expect(r.status.contains(.contextInformationFollows) == (f & 0x10 != 0))
        }
        #expect(rejection(.glucoseMeasurement, Array(b.dropLast())) != nil)
        #expect(rejection(.glucoseMeasurement, b + [0]) != nil)
    }

    /// Type is the low nibble, location the high: 0x12 → capillary plasma / finger (Nordic test comment L81); 0x34
    /// → venous plasma / earlobe; 0x49 → ISF / control solution; 0x1A → control solution / finger (Current Health).
    @Test(
        "type and sample-location nibbles",
        arguments: [
            (UInt8(0x12), StatusFlag.glucoseCapillaryPlasma, StatusFlag.locationFinger, UInt32(160_188)),
            (0x34, .glucoseVenousPlasma, .locationEarlobe, 160_196),
            (0x49, .glucoseInterstitialFluid, .locationControlSolution, 160_212),
            (0x1A, .glucoseControlSolution, .locationFinger, 160_208),
            (0xF1, .glucoseCapillaryWholeBlood, .locationNotAvailable, 160_184),
            (0x00, .glucoseTypeReserved, .locationReserved, 0),
        ])
    func nibbles(byte: UInt8, type: StatusFlag, location: StatusFlag, mdc: UInt32) throws {
        let r = try readings(.glucoseMeasurement, Self.frame(flags: 0x02, typeLocation: byte))[0]
        #expect(r.status.contains(type) && r.status.contains(location))
        #expect(r.mdc == mdc)
    }

    /// Current Health GlucoseMeasurementDataTests: 0x0557 and 0x0F50 annunciations.
    @Test("sensor status annunciation")
    func annunciation() throws {
        let a = try readings(.glucoseMeasurement, Self.frame(flags: 0x0A, annunciation: 0x0557))[0]
        // Bits 0, 1, 2, 4, 6, 8, 10, plus the type and location of the 0x11 nibble byte.
        #expect(
            a.status
                == StatusSet(
                    .deviceBatteryLow, .sensorMalfunction, .sampleSizeInsufficient, .stripTypeIncorrect, .resultTooLow,
                    .sensorTemperatureTooLow, .generalDeviceFault, .glucoseCapillaryWholeBlood, .locationFinger))
        let b = try readings(.glucoseMeasurement, Self.frame(flags: 0x0A, annunciation: 0x0F50))[0]
        for flag in [
            StatusFlag.stripTypeIncorrect, .resultTooLow, .sensorTemperatureTooLow, .stripPulledTooSoon,
            .generalDeviceFault, .timeFault,
        ] {
            #expect(b.status.contains(flag))
        }
        #expect(!b.status.contains(.deviceBatteryLow))
    }
}

/// Weight Measurement 0x2A9D (SIG-XML weight_measurement.xml, GSS).
@Suite("GATT 0x2A9D weight")
struct GattWeightTests {
    @Test("every flag combination, both unit systems", arguments: 0..<16)
    func flags(flags: Int) throws {
        let f = UInt8(flags)
        var b: [UInt8] = [f] + le16(15_000)
        if f & 2 != 0 { b += dateTime(2025, 6, 1, 6, 0, 0) }
        if f & 4 != 0 { b.append(2) }
        if f & 8 != 0 { b += le16(245) + le16(f & 1 != 0 ? 709 : 1802) }
        let rs = try readings(.weightMeasurement, b)
        let imperial = f & 1 != 0
        #expect(rs[0].value.text == (imperial ? "150.00" : "75.000"))
        #expect(rs[0].unit == (imperial ? .pound : .kilogram))
        if f & 8 != 0 {
            #expect(rs[1].value.text == "24.5" && rs[1].unit == .kilogramPerSquareMetre)
            #expect(rs[2].value.text == (imperial ? "70.9" : "1.802") && rs[2].unit == (imperial ? .inch : .metre))
        } else {
            #expect(rs.count == 1)
        }
        #expect(rs.allSatisfy { $0.userID == (f & 4 != 0 ? 2 : nil) })
        #expect(rejection(.weightMeasurement, Array(b.dropLast())) != nil)
        #expect(rejection(.weightMeasurement, b + [0]) != nil)
    }

    @Test("0xFFFF is measurement unsuccessful, not 327.675 kg")
    func unsuccessful() throws {
        let r = try readings(.weightMeasurement, [0] + le16(0xFFFF))[0]
        #expect(r.value == .absent(.nan) && r.status.contains(.measurementUnsuccessful))
    }
}

/// PLX Spot-Check 0x2A5E and Continuous 0x2A5F (SIG-XML plx_*_measurement.xml; Spezi PLXTests).
@Suite("GATT 0x2A5E / 0x2A5F pulse oximetry")
struct GattPulseOximetryTests {
    @Test("spot-check: every flag combination", arguments: 0..<32)
    func spotCheck(flags: Int) throws {
        let f = UInt8(flags)
        var b: [UInt8] = [f] + le16(0x0061) + le16(0x0048)  // 97 %, 72/min
        if f & 1 != 0 { b += dateTime(2025, 2, 3, 4, 5, 6) }
        if f & 2 != 0 { b += le16(0x0080) }  // validated data
        if f & 4 != 0 { b += [0x20, 0x00, 0x00] }  // low perfusion
        if f & 8 != 0 { b += le16(0xF00F) }  // 1.5 %
        let rs = try readings(.plxSpotCheckMeasurement, b)
        #expect(rs.map(\.field) == [.spo2, .pulseRate] + (f & 8 != 0 ? [.pulseAmplitudeIndex] : []))
        #expect(rs[0].value.text == "97" && rs[1].value.text == "72" && rs[1].mdc == 149_530)
        #expect(rs[0].status.contains(.validatedData) == (f & 2 != 0))
        #expect(rs[0].status.contains(.lowPerfusion) == (f & 4 != 0))
        // b4: the device clock is not set, so its time stamp is not used.
        #expect(rs[0].status.contains(.deviceClockNotSet) == (f & 0x10 != 0))
        #expect((rs[0].time != nil) == (f & 1 != 0 && f & 0x10 == 0))
        if f & 8 != 0 { #expect(rs[2].value.text == "1.5") }
        #expect(rejection(.plxSpotCheckMeasurement, Array(b.dropLast())) != nil)
        #expect(rejection(.plxSpotCheckMeasurement, b + [0]) != nil)
    }

    /// Spezi: `00 64 00 5A 00` and `00 E8 F3 84 F3` are both 100 %, 90/min at different exponents.
    @Test("continuous: Spezi vectors keep their precision")
    func speziVectors() throws {
        let a = try readings(.plxContinuousMeasurement, hex("00 64 00 5A 00"))
        let b = try readings(.plxContinuousMeasurement, hex("00 E8 F3 84 F3"))
        #expect(a[0].value.text == "100" && a[1].value.text == "90")
        #expect(b[0].value.text == "100.0" && b[1].value.text == "90.0")
        #expect(a[0].value.number!.double == b[0].value.number!.double)
    }

    @Test("continuous: every flag combination", arguments: 0..<32)
    func continuous(flags: Int) throws {
        let f = UInt8(flags)
        var b: [UInt8] = [f] + le16(0x0061) + le16(0x0048)
        if f & 1 != 0 { b += le16(0x0060) + le16(0x0049) }
        if f & 2 != 0 { b += le16(0x005F) + le16(0x004A) }
        if f & 4 != 0 { b += le16(0x4000) }  // questionable measurement
        if f & 8 != 0 { b += [0x00, 0x80, 0x00] }  // sensor disconnected
        if f & 0x10 != 0 { b += le16(0x0002) }
        let rs = try readings(.plxContinuousMeasurement, b)
        var fields: [Field] = [.spo2, .pulseRate]
        if f & 1 != 0 { fields += [.spo2Fast, .pulseRateFast] }
        if f & 2 != 0 { fields += [.spo2Slow, .pulseRateSlow] }
        if f & 0x10 != 0 { fields += [.pulseAmplitudeIndex] }
        #expect(rs.map(\.field) == fields)
        #expect(rs[0].status.contains(.questionableMeasurement) == (f & 4 != 0))
        #expect(rs[0].status.contains(.sensorDisconnected) == (f & 8 != 0))
        #expect(rejection(.plxContinuousMeasurement, Array(b.dropLast())) != nil)
        #expect(rejection(.plxContinuousMeasurement, b + [0]) != nil)
    }
}

/// Heart Rate Measurement 0x2A37 (SIG-XML heart_rate_measurement.xml; Nordic HeartRateMeasurementDataCallbackTest).
@Suite("GATT 0x2A37 heart rate")
struct GattHeartRateTests {
    @Test("every flag combination", arguments: 0..<32)
    func flags(flags: Int) throws {
        let f = UInt8(flags)
        var b: [UInt8] = [f] + (f & 1 != 0 ? le16(300) : [150])
        if f & 8 != 0 { b += le16(1234) }
        if f & 0x10 != 0 { b += le16(1024) + le16(512) }
        let rs = try readings(.heartRateMeasurement, b)
        #expect(rs[0].value.text == (f & 1 != 0 ? "300" : "150"))
        switch (f >> 1) & 3 {
        case 2: #expect(rs[0].status == StatusSet(.sensorContactNotDetected))
        case 3: #expect(rs[0].status == StatusSet(.sensorContactDetected))
        default: #expect(rs[0].status.isEmpty)
        }
        var fields: [Field] = [.heartRate]
        if f & 8 != 0 { fields.append(.energyExpended) }
        if f & 0x10 != 0 { fields += [.rrInterval, .rrInterval] }
        #expect(rs.map(\.field) == fields)
        if f & 0x10 != 0 {
            #expect(rs.suffix(2).map(\.value.text) == ["1.000", "0.500"])
        }
        #expect(rejection(.heartRateMeasurement, Array(b.dropLast())) != nil)
        if f & 0x10 == 0 { #expect(rejection(.heartRateMeasurement, b + [0]) != nil) }
    }

    /// Nordic rejects `17 01 01`: the RR-interval flag with one byte after the rate.
    @Test("RR flag without a whole interval is rejected")
    func nordicInvalid() {
        #expect(rejection(.heartRateMeasurement, hex("17 01 01")) != nil)
        #expect(rejection(.heartRateMeasurement, hex("10 48")) != nil)
        #expect(rejection(.heartRateMeasurement, hex("10 48 00 04 00")) == .rrIntervalsMalformed(bytes: 3))
    }
}

/// CGM Measurement 0x2AA7 (SIG-XML cgm_measurement.xml; Nordic ContinuousGlucoseMeasurementDataCallback).
@Suite("GATT 0x2AA7 CGM")
struct GattCGMTests {
    static func record(flags: UInt8, glucose: UInt16 = 0x0078, offset: UInt16 = 5, crc: Bool) -> [UInt8] {
        var body: [UInt8] = [0, flags] + le16(glucose) + le16(offset)
        if flags & 0x20 != 0 { body.append(0x02) }  // bit 1: device battery low
        if flags & 0x40 != 0 { body.append(0x04) }  // bit 10: calibration recommended
        if flags & 0x80 != 0 { body.append(0x01) }  // bit 16: below patient low level
        if flags & 0x01 != 0 { body += le16(0xF00F) }  // trend 1.5
        if flags & 0x02 != 0 { body += le16(0x005F) }  // quality 95
        body[0] = UInt8(body.count + (crc ? 2 : 0))
        return crc ? body + le16(CRC16.mcrf4xx(body)) : body
    }

    @Test("CRC-16/MCRF4XX check value")
    func crcCheckValue() {
        #expect(CRC16.mcrf4xx(Array("123456789".utf8)) == 0x6F91)
    }

    @Test(
        "every flag combination, with and without E2E-CRC",
        arguments: [0x00, 0x01, 0x02, 0x03, 0x20, 0x40, 0x80, 0xE0, 0xE3], [false, true])
    func flags(flags: Int, crc: Bool) throws {
        let f = UInt8(flags)
        let b = Self.record(flags: f, crc: crc)
        let rs = try readings(.cgmMeasurement, b)
        #expect(rs[0].field == .cgmGlucose && rs[0].value.text == "120" && rs[0].unit == .milligramPerDecilitre)
        #expect(rs[0].timeOffsetMinutes == 5 && rs[0].time == nil)
        #expect(rs[0].status.contains(.deviceBatteryLow) == (f & 0x20 != 0))
        #expect(rs[0].status.contains(.calibrationRecommended) == (f & 0x40 != 0))
        #expect(rs[0].status.contains(.belowPatientLowLevel) == (f & 0x80 != 0))
        var fields: [Field] = [.cgmGlucose]
        if f & 1 != 0 { fields.append(.cgmTrend) }
        if f & 2 != 0 { fields.append(.cgmQuality) }
        #expect(rs.map(\.field) == fields)
        var strict = GattOptions()
        strict.cgmE2ECRC = crc
        #expect(try readings(.cgmMeasurement, b, strict).count == fields.count)
        strict.cgmE2ECRC = !crc
        #expect(rejection(.cgmMeasurement, b, strict) != nil)
    }

    @Test("several records in one notification, each placed from the session start")
    func multiple() throws {
        var o = GattOptions()
        o.cgmSessionStart = Timestamp(year: 2026, month: 1, day: 1)
        let b =
            Self.record(flags: 0, offset: 5, crc: true)
            + Self.record(flags: 0x03, glucose: 0x0082, offset: 10, crc: true)
        let rs = try readings(.cgmMeasurement, b, o)
        #expect(rs.map(\.value.text) == ["120", "130", "1.5", "95"])
        #expect(rs.map(\.record) == [0, 1, 1, 1])
        #expect(rs[0].time == Timestamp(year: 2026, month: 1, day: 1, minute: 5))
        #expect(rs[1].time == Timestamp(year: 2026, month: 1, day: 1, minute: 10))
    }

    @Test("a wrong CRC yields no measurement")
    func crcError() {
        var b = Self.record(flags: 0x03, crc: true)
        b[b.count - 1] ^= 0xFF
        guard case .crcMismatch(record: 0, _, _)? = rejection(.cgmMeasurement, b) else {
            Issue.record("CRC error accepted")
            return
        }
        let good = Self.record(flags: 0, crc: true)
        #expect(rejection(.cgmMeasurement, good + b) != nil)
    }

    @Test("size below 6, beyond the payload, or disagreeing with the flags")
    func sizes() {
        #expect(
            rejection(.cgmMeasurement, hex("05 00 78 00 05 00")) == .cgmRecordSize(record: 0, size: 5, remaining: 6))
        #expect(
            rejection(.cgmMeasurement, hex("08 00 78 00 05 00")) == .cgmRecordSize(record: 0, size: 8, remaining: 6))
        #expect(
            rejection(.cgmMeasurement, hex("07 00 78 00 05 00 00"))
                == .cgmRecordLength(record: 0, size: 7, expected: 6, crc: false))
        #expect(
            rejection(.cgmMeasurement, hex("06 01 78 00 05 00"))
                == .cgmRecordLength(record: 0, size: 6, expected: 8, crc: false))
    }
}
