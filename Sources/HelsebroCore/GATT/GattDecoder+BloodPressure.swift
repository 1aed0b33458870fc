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
        // Multiplied, not added under a branch per flag: the flags differ from frame to frame (as for the status).
        let b = Int(flags)
        let needed = 7 + (b >> 1 & 1) &* 7 + (b >> 2 & 1) &* 2 + (b >> 3 & 1) + (b >> 4 & 1) &* 2
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
        if flags & 0x10 != 0 { status.low |= bloodPressureStatus(f.u16(o)) }
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

    /// The flags of a Measurement Status field, as the low word of a `StatusSet`: bits 0–2 (body movement, cuff too
    /// loose, irregular pulse) are flags 0–2, the two-bit pulse-rate range (bits 3–4: 1 above, 2 below, 3 reserved)
    /// is one of flags 3–5, bit 5 (improper position) is flag 6; bits 6–15 are reserved.
    ///
    /// Shifts and masks, not a branch per bit: status bits differ from frame to frame, and the branches were
    /// mispredicted; `Tools/bench.sh` went from 25.9 to 23.1 ns a frame (decode only, median of 5 runs).
    @inline(__always)
    static func bloodPressureStatus(_ bits: UInt16) -> UInt64 {
        let b = UInt64(bits)
        let range = (b >> 3) & 0x3
        return b & 0x7 | (0x2010_0800 >> (range &* 8)) & 0x38 | (b & 0x20) << 1
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
