extension GattDecoder {
    /// PLX Spot-Check Measurement 0x2A5E.
    ///
    /// Layout (SIG-XML plx_spot_check_measurement.xml): Flags, SpO2 and Pulse Rate (SFLOAT), Timestamp (b0),
    /// Measurement Status (16 bit, b1), Device and Sensor Status (24 bit, b2), Pulse Amplitude Index (SFLOAT, b3);
    /// b4 "device clock is not set". Length 5 + 7·b0 + 2·b1 + 3·b2 + 2·b3. A time stamp from a clock that is not set
    /// is not used: the reading's time comes from the receive time instead.
    static func plxSpotCheck(_ f: GattFrame, _ options: GattOptions, _ out: inout [Reading]) -> Rejection? {
        let flags = f.u8(0)
        var needed = 5
        if flags & 0x01 != 0 { needed += 7 }
        if flags & 0x02 != 0 { needed += 2 }
        if flags & 0x04 != 0 { needed += 3 }
        if flags & 0x08 != 0 { needed += 2 }
        if let r = checkLength(f, needed: needed, options) { return r }
        var status = StatusSet()
        var o = 5
        var time: Timestamp?
        if flags & 0x01 != 0 {
            do { time = try dateTime(f, at: o, options, &status) } catch { return error }
            o += 7
        }
        if flags & 0x10 != 0 {
            status.insert(.deviceClockNotSet)
            time = nil
        }
        o = plxStatus(f, at: o, measurement: flags & 0x02 != 0, device: flags & 0x04 != 0, &status)
        append(&out, .spo2, f.sfloat(1), .percent, time, status)
        var pr = Reading(field: .pulseRate, value: f.sfloat(3), unit: .perMinute, time: time, status: status)
        pr.mdc = 149_530
        out.append(pr)
        if flags & 0x08 != 0 { append(&out, .pulseAmplitudeIndex, f.sfloat(o), .percent, time, status) }
        return nil
    }

    /// PLX Continuous Measurement 0x2A5F.
    ///
    /// Layout (SIG-XML plx_continuous_measurement.xml): Flags, SpO2PR-Normal, SpO2PR-Fast (b0), SpO2PR-Slow (b1),
    /// Measurement Status (b2), Device and Sensor Status (b3), Pulse Amplitude Index (b4); no time stamp. Length
    /// 5 + 4·b0 + 4·b1 + 2·b2 + 3·b3 + 2·b4.
    static func plxContinuous(_ f: GattFrame, _ options: GattOptions, _ out: inout [Reading]) -> Rejection? {
        let flags = f.u8(0)
        var needed = 5
        if flags & 0x01 != 0 { needed += 4 }
        if flags & 0x02 != 0 { needed += 4 }
        if flags & 0x04 != 0 { needed += 2 }
        if flags & 0x08 != 0 { needed += 3 }
        if flags & 0x10 != 0 { needed += 2 }
        if let r = checkLength(f, needed: needed, options) { return r }
        var status = StatusSet()
        var o = 5
        var pairs: (fast: Int?, slow: Int?) = (nil, nil)
        if flags & 0x01 != 0 {
            pairs.fast = o
            o += 4
        }
        if flags & 0x02 != 0 {
            pairs.slow = o
            o += 4
        }
        o = plxStatus(f, at: o, measurement: flags & 0x04 != 0, device: flags & 0x08 != 0, &status)
        func pair(_ at: Int, _ spo2: Field, _ pulse: Field) {
            append(&out, spo2, f.sfloat(at), .percent, nil, status)
            var pr = Reading(field: pulse, value: f.sfloat(at + 2), unit: .perMinute, time: nil, status: status)
            pr.mdc = 149_530
            out.append(pr)
        }
        pair(1, .spo2, .pulseRate)
        if let at = pairs.fast { pair(at, .spo2Fast, .pulseRateFast) }
        if let at = pairs.slow { pair(at, .spo2Slow, .pulseRateSlow) }
        if flags & 0x10 != 0 { append(&out, .pulseAmplitudeIndex, f.sfloat(o), .percent, nil, status) }
        return nil
    }

    /// Reads the optional PLX Measurement Status and Device and Sensor Status; returns the offset after them.
    @inline(__always)
    static func plxStatus(_ f: GattFrame, at start: Int, measurement: Bool, device: Bool, _ status: inout StatusSet)
        -> Int
    {
        var o = start
        if measurement {
            status.insert(bits: UInt32(f.u16(o)), plxMeasurementStatus)
            o += 2
        }
        if device {
            status.insert(bits: f.u24(o), plxDeviceStatus)
            o += 3
        }
        return o
    }

    /// PLX Measurement Status bits 0–15; bits 0–4 are reserved.
    static let plxMeasurementStatus: [StatusFlag?] = [
        nil, nil, nil, nil, nil, .measurementOngoing, .earlyEstimatedData, .validatedData, .fullyQualifiedData,
        .dataFromStorage, .demonstrationData, .testingData, .calibrationOngoing, .measurementUnavailable,
        .questionableMeasurement, .invalidMeasurement,
    ]

    /// PLX Device and Sensor Status bits 0–15; bits 16–23 are reserved.
    static let plxDeviceStatus: [StatusFlag?] = [
        .extendedDisplayUpdateOngoing, .equipmentMalfunction, .signalProcessingIrregularity, .inadequateSignal,
        .poorSignal, .lowPerfusion, .erraticSignal, .nonpulsatileSignal, .questionablePulse, .signalAnalysisOngoing,
        .sensorInterference, .sensorUnconnected, .unknownSensorConnected, .sensorDisplaced, .sensorMalfunctioning,
        .sensorDisconnected,
    ]
}
