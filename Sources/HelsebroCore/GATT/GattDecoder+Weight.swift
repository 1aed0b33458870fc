extension GattDecoder {
    /// Weight Measurement 0x2A9D.
    ///
    /// Layout (SIG-XML weight_measurement.xml; GSS): Flags, Weight (uint16: 0.005 kg if b0 = 0, 0.01 lb if b0 = 1),
    /// Time Stamp (b1), User ID (b2), BMI (uint16, 0.1 kg/m²) and Height (uint16: 0.001 m SI, 0.1 in Imperial) (b3);
    /// length 3 + 7·b1 + 1·b2 + 4·b3. The resolutions are fixed by the characteristic, not by the Weight Scale Feature.
    ///
    /// Weight 0xFFFF is "measurement unsuccessful" in the Weight Scale Service. Reporting it as 327.675 kg would put
    /// a plausible but false weight in a journal, so it is absent (NaN) with `measurement-unsuccessful`.
    static func weight(_ f: GattFrame, _ options: GattOptions, _ out: inout [Reading]) -> Rejection? {
        let flags = f.u8(0)
        var needed = 3
        if flags & 0x02 != 0 { needed += 7 }
        if flags & 0x04 != 0 { needed += 1 }
        if flags & 0x08 != 0 { needed += 4 }
        if let r = checkLength(f, needed: needed, options) { return r }
        var status = StatusSet()
        let imperial = unitFlag(flags, options, &status)
        var o = 3
        var time: Timestamp?
        if flags & 0x02 != 0 {
            do { time = try dateTime(f, at: o, options, &status) } catch { return error }
            o += 7
        }
        var user: UInt8?
        if flags & 0x04 != 0 {
            user = f.u8(o)
            if user == 0xFF { status.insert(.userUnknown) }
            o += 1
        }
        let raw = f.u16(1)
        if raw == 0xFFFF {
            var s = status
            s.insert(.measurementUnsuccessful)
            append(&out, .weight, .absent(.nan), imperial ? .pound : .kilogram, time, s, user: user)
        } else if imperial {
            append(&out, .weight, .exact(Int64(raw), -2), .pound, time, status, user: user)
        } else {
            append(&out, .weight, .exact(Int64(raw) * 5, -3), .kilogram, time, status, user: user)
        }
        if flags & 0x08 != 0 {
            append(&out, .bmi, .exact(Int64(f.u16(o)), -1), .kilogramPerSquareMetre, time, status, user: user)
            let h = Int64(f.u16(o + 2))
            append(
                &out, .height, imperial ? .exact(h, -1) : .exact(h, -3), imperial ? .inch : .metre, time, status,
                user: user)
        }
        return nil
    }

    /// Heart Rate Measurement 0x2A37.
    ///
    /// Layout (SIG-XML heart_rate_measurement.xml): Flags, Heart Rate (uint8 if b0 = 0, uint16 if b0 = 1), sensor
    /// contact in b1–b2 (2: supported, no contact; 3: contact), Energy Expended (uint16 kJ, b3), RR-Intervals
    /// (uint16 each, 1/1024 s, b4; at least one when b4 is set). RR-intervals are reported in seconds, rounded to
    /// the millisecond, one reading each.
    static func heartRate(_ f: GattFrame, _ options: GattOptions, _ out: inout [Reading]) -> Rejection? {
        let flags = f.u8(0)
        let wide = flags & 0x01 != 0
        var fixed = wide ? 3 : 2
        if flags & 0x08 != 0 { fixed += 2 }
        let body = f.count - options.vendorTrailingBytes
        if flags & 0x10 != 0 {
            if f.count < fixed + 2 {
                return .truncated(needed: fixed + 2 + options.vendorTrailingBytes, actual: f.count, flags: flags)
            }
            let rrBytes = body - fixed
            if rrBytes < 2 || rrBytes % 2 != 0 { return .rrIntervalsMalformed(bytes: rrBytes) }
        } else if let r = checkLength(f, needed: fixed, options) {
            return r
        }
        var status = StatusSet()
        switch (flags >> 1) & 0x3 {
        case 2: status.insert(.sensorContactNotDetected)
        case 3: status.insert(.sensorContactDetected)
        default: break
        }
        let rate = wide ? Int64(f.u16(1)) : Int64(f.u8(1))
        append(&out, .heartRate, .exact(rate), .perMinute, nil, status)
        var o = wide ? 3 : 2
        if flags & 0x08 != 0 {
            append(&out, .energyExpended, .exact(Int64(f.u16(o))), .kilojoule, nil, status)
            o += 2
        }
        if flags & 0x10 != 0 {
            while o + 1 < body {
                let raw = Int64(f.u16(o))
                // raw/1024 s in milliseconds, rounded half up: (raw·1000 + 512) / 1024.
                append(&out, .rrInterval, .exact((raw * 1000 + 512) / 1024, -3), .second, nil, status)
                o += 2
            }
        }
        return nil
    }
}
