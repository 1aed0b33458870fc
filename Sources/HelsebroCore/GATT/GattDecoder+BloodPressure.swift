extension GattDecoder {
    /// Blood Pressure Measurement 0x2A35 and Intermediate Cuff Pressure 0x2A36.
    ///
    /// Layout (SIG-XML blood_pressure_measurement.xml): Flags, Systolic, Diastolic, MAP (SFLOAT each), Time Stamp (b1),
    /// Pulse Rate (b2), User ID (b3), Measurement Status (b4); length 7 + 7·b1 + 2·b2 + 1·b3 + 2·b4. For 0x2A36 the
    /// Systolic slot is the current cuff pressure and Diastolic and MAP are unused (SIG-XML
    /// intermediate_cuff_pressure.xml), so they are not reported.
    @inline(__always)
    static func bloodPressure(_ f: GattFrame, _ options: GattOptions, intermediate: Bool, _ out: inout [Reading])
        -> Rejection?
    {
        let flags = f.u8(0)
        var needed = 7
        if flags & 0x02 != 0 { needed += 7 }
        if flags & 0x04 != 0 { needed += 2 }
        if flags & 0x08 != 0 { needed += 1 }
        if flags & 0x10 != 0 { needed += 2 }
        if let r = checkLength(f, needed: needed, options) { return r }
        var status = StatusSet()
        let unit: UCUMUnit = unitFlag(flags, options, &status) ? .kPa : .mmHg
        var o = 7
        var time: Timestamp?
        if flags & 0x02 != 0 {
            do { time = try dateTime(f, at: o, options, &status) } catch { return error }
            o += 7
        }
        var pulse: MeasuredValue?
        if flags & 0x04 != 0 {
            pulse = f.sfloat(o)
            o += 2
        }
        var user: UInt8?
        if flags & 0x08 != 0 {
            user = f.u8(o)
            if user == 0xFF { status.insert(.userUnknown) }
            o += 1
        }
        if flags & 0x10 != 0 {
            let bits = f.u16(o)
            if bits & 0x01 != 0 { status.insert(.bodyMovement) }
            if bits & 0x02 != 0 { status.insert(.cuffTooLoose) }
            if bits & 0x04 != 0 { status.insert(.irregularPulse) }
            switch (bits >> 3) & 0x3 {
            case 1: status.insert(.pulseRateAboveUpperLimit)
            case 2: status.insert(.pulseRateBelowLowerLimit)
            case 3: status.insert(.pulseRateRangeReserved)
            default: break
            }
            if bits & 0x20 != 0 { status.insert(.improperMeasurementPosition) }
        }
        if intermediate {
            append(&out, .cuffPressure, f.sfloat(1), unit, time, status, user: user)
        } else {
            append(&out, .systolic, f.sfloat(1), unit, time, status, user: user)
            append(&out, .diastolic, f.sfloat(3), unit, time, status, user: user)
            append(&out, .meanArterialPressure, f.sfloat(5), unit, time, status, user: user)
        }
        if let pulse { append(&out, .pulseRate, pulse, .perMinute, time, status, user: user) }
        return nil
    }

    /// Temperature Measurement 0x2A1C.
    ///
    /// Layout (SIG-XML temperature_measurement.xml): Flags, Temperature (FLOAT; °C if b0 = 0, °F if b0 = 1), Time
    /// Stamp (b1), Temperature Type (b2, values of temperature_type.xml); length 5 + 7·b1 + 1·b2.
    static func temperature(_ f: GattFrame, _ options: GattOptions, _ out: inout [Reading]) -> Rejection? {
        let flags = f.u8(0)
        var needed = 5
        if flags & 0x02 != 0 { needed += 7 }
        if flags & 0x04 != 0 { needed += 1 }
        if let r = checkLength(f, needed: needed, options) { return r }
        var status = StatusSet()
        let unit: UCUMUnit = unitFlag(flags, options, &status) ? .fahrenheit : .celsius
        var o = 5
        var time: Timestamp?
        if flags & 0x02 != 0 {
            do { time = try dateTime(f, at: o, options, &status) } catch { return error }
            o += 7
        }
        if flags & 0x04 != 0 {
            let type = Int(f.u8(o))
            status.insert(type >= 1 && type <= 9 ? temperatureSites[type - 1] : .siteReserved)
        }
        append(&out, .temperature, f.float(1), unit, time, status)
        return nil
    }

    static let temperatureSites: [StatusFlag] = [
        .siteArmpit, .siteBody, .siteEar, .siteFinger, .siteGastrointestinalTract, .siteMouth, .siteRectum, .siteToe,
        .siteTympanum,
    ]
}
