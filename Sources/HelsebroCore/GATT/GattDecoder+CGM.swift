extension GattDecoder {
    /// CGM Measurement 0x2AA7: one or more records, each checked on its own.
    ///
    /// Record layout (SIG-XML cgm_measurement.xml): Size (uint8, the whole record including Size and E2E-CRC),
    /// Flags, Glucose Concentration (SFLOAT mg/dL), Time Offset (uint16 minutes since Session Start Time),
    /// annunciation octets (b5, b6, b7), Trend (SFLOAT (mg/dL)/min, b0), Quality (SFLOAT %, b1), E2E-CRC (uint16).
    ///
    /// The annunciation octets are read in flag order and mapped to bits 0–7 (b5), 8–15 (b6) and 16–23 (b7), as
    /// Nordic's library does (`CGMTypes.CGMStatus`; payload-formats.md §2.9 notes the ambiguity). Whether E2E-CRC is
    /// present comes from the firmware spec; without one, from Size (computed + 2). A record whose CRC does not match
    /// rejects the whole payload.
    static func cgm(_ f: GattFrame, _ options: GattOptions, _ out: inout [Reading]) -> Rejection? {
        var o = 0
        var record = 0
        let end = f.count - options.vendorTrailingBytes
        if end < 6 { return .truncated(needed: 6 + options.vendorTrailingBytes, actual: f.count, flags: 0) }
        while o < end {
            let size = Int(f.u8(o))
            if size < 6 || o + size > end { return .cgmRecordSize(record: record, size: size, remaining: end - o) }
            let flags = f.u8(o + 1)
            var computed = 6
            if flags & 0x20 != 0 { computed += 1 }
            if flags & 0x40 != 0 { computed += 1 }
            if flags & 0x80 != 0 { computed += 1 }
            if flags & 0x01 != 0 { computed += 2 }
            if flags & 0x02 != 0 { computed += 2 }
            let hasCRC: Bool
            switch options.cgmE2ECRC {
            case .some(true):
                hasCRC = true
            case .some(false):
                hasCRC = false
            case .none:
                hasCRC = size == computed + 2
            }
            let expected = computed + (hasCRC ? 2 : 0)
            if size != expected {
                return .cgmRecordLength(record: record, size: size, expected: expected, crc: hasCRC)
            }
            if hasCRC {
                let sent = f.u16(o + size - 2)
                let computedCRC = CRC16.mcrf4xx(UnsafeRawBufferPointer(rebasing: f.bytes[o..<(o + size - 2)]))
                if sent != computedCRC { return .crcMismatch(record: record, sent: sent, computed: computedCRC) }
            }
            var status = StatusSet()
            var p = o + 6
            var annunciation: UInt32 = 0
            if flags & 0x20 != 0 {
                annunciation |= UInt32(f.u8(p))
                p += 1
            }
            if flags & 0x40 != 0 {
                annunciation |= UInt32(f.u8(p)) << 8
                p += 1
            }
            if flags & 0x80 != 0 {
                annunciation |= UInt32(f.u8(p)) << 16
                p += 1
            }
            status.insert(bits: annunciation, cgmAnnunciations)
            let offset = f.u16(o + 4)
            let time = options.cgmSessionStart?.adding(seconds: Int64(offset) * 60)
            let first = out.count
            append(&out, .cgmGlucose, f.sfloat(o + 2), .milligramPerDecilitre, time, status)
            if flags & 0x01 != 0 {
                append(&out, .cgmTrend, f.sfloat(p), .milligramPerDecilitrePerMinute, time, status)
                p += 2
            }
            if flags & 0x02 != 0 {
                append(&out, .cgmQuality, f.sfloat(p), .percent, time, status)
            }
            for i in first..<out.count {
                out[i].timeOffsetMinutes = offset
                out[i].record = UInt16(record)
            }
            o += size
            record += 1
        }
        return nil
    }

    /// CGM Sensor Status Annunciation bits 0–23 (SIG-XML cgm_measurement.xml).
    static let cgmAnnunciations: [StatusFlag?] = [
        .sessionStopped, .deviceBatteryLow, .sensorTypeIncorrect, .sensorMalfunction, .deviceSpecificAlert,
        .generalDeviceFault, nil, nil,
        .timeSynchronisationRequired, .calibrationNotAllowed, .calibrationRecommended, .calibrationRequired,
        .sensorTemperatureTooHigh, .sensorTemperatureTooLow, nil, nil,
        .belowPatientLowLevel, .abovePatientHighLevel, .belowHypoLevel, .aboveHyperLevel, .rateOfDecreaseExceeded,
        .rateOfIncreaseExceeded, .resultTooLow, .resultTooHigh,
    ]
}

/// CRC-16/MCRF4XX: reflected polynomial 0x8408, initial value 0xFFFF, no final XOR.
///
/// Used for CGM E2E-CRC (CGM Service; Nordic `CRC16.MCRF4XX`). Check value for "123456789" is 0x6F91.
public enum CRC16 {
    public static func mcrf4xx(_ bytes: UnsafeRawBufferPointer) -> UInt16 {
        var crc: UInt16 = 0xFFFF
        for byte in bytes {
            crc ^= UInt16(byte)
            for _ in 0..<8 {
                crc = crc & 1 != 0 ? (crc >> 1) ^ 0x8408 : crc >> 1
            }
        }
        return crc
    }

    public static func mcrf4xx(_ bytes: [UInt8]) -> UInt16 { bytes.withUnsafeBytes { mcrf4xx($0) } }
}
