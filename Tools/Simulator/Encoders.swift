import HelsebroCore

/// Payload encoders for simulated devices: the device side of the formats the decoder reads.
enum Encode {
    static func sfloat(_ value: Double, decimals: Int) -> [UInt8] {
        sfloat(mantissa: Int((value * pow10(decimals)).rounded()), exponent: -decimals)
    }

    static func sfloat(mantissa: Int, exponent: Int) -> [UInt8] {
        le16(UInt16(truncatingIfNeeded: exponent & 0xF) << 12 | UInt16(truncatingIfNeeded: mantissa) & 0x0FFF)
    }

    static func sfloatSpecial(_ raw: UInt16) -> [UInt8] { le16(raw) }

    static func float32(_ value: Double, decimals: Int) -> [UInt8] {
        let m = Int32((value * pow10(decimals)).rounded())
        let raw = UInt32(UInt8(bitPattern: Int8(-decimals))) << 24 | UInt32(bitPattern: m) & 0x00FF_FFFF
        return [UInt8(raw & 0xFF), UInt8(raw >> 8 & 0xFF), UInt8(raw >> 16 & 0xFF), UInt8(raw >> 24)]
    }

    static func le16(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8)] }

    static func pow10(_ n: Int) -> Double { (0..<n).reduce(1.0) { a, _ in a * 10 } }

    /// Date Time 0x2A08 in UTC.
    static func dateTime(_ t: Timestamp) -> [UInt8] {
        let secs = t.seconds
        let days = secs / 86_400
        let (y, mo, d) = Timestamp.civil(days: days)
        let sod = Int(secs - days * 86_400)
        return le16(UInt16(y)) + [UInt8(mo), UInt8(d), UInt8(sod / 3600), UInt8(sod / 60 % 60), UInt8(sod % 60)]
    }

    /// 0x2A35 with time stamp and pulse; `status` bits per SIG-XML.
    static func bloodPressure(
        sys: Double, dia: Double, pulse: Double, at t: Timestamp, status: UInt16 = 0, nanMAP: Bool = false
    ) -> [UInt8] {
        let map = dia + (sys - dia) / 3
        var b: [UInt8] = [status == 0 ? 0x06 : 0x16]
        b +=
            sfloat(sys, decimals: 0) + sfloat(dia, decimals: 0)
            + (nanMAP ? sfloatSpecial(0x07FF) : sfloat(map, decimals: 0))
        b += dateTime(t) + sfloat(pulse, decimals: 0)
        if status != 0 { b += le16(status) }
        return b
    }

    /// 0x2A1C in °C with time stamp, ear.
    static func temperature(_ c: Double, at t: Timestamp) -> [UInt8] {
        [0x06] + float32(c, decimals: 1) + dateTime(t) + [0x03]
    }

    /// 0x2A18 in kg/L (mg/dL × 10⁻⁵), capillary whole blood, finger.
    static func glucose(mgdL: Double, sequence: UInt16, at t: Timestamp) -> [UInt8] {
        [0x02] + le16(sequence) + dateTime(t) + sfloat(mantissa: Int(mgdL.rounded()), exponent: -5) + [0x11]
    }

    /// One 0x2AA7 record with trend and E2E-CRC.
    static func cgm(mgdL: Double, trend: Double, offsetMinutes: UInt16, annunciation: UInt8 = 0) -> [UInt8] {
        var flags: UInt8 = 0x01
        if annunciation != 0 { flags |= 0x20 }
        var body: [UInt8] = [0, flags] + sfloat(mgdL, decimals: 0) + le16(offsetMinutes)
        if annunciation != 0 { body.append(annunciation) }
        body += sfloat(trend, decimals: 1)
        body[0] = UInt8(body.count + 2)
        return body + le16(CRC16.mcrf4xx(body))
    }

    /// 0x2A9D in kg with time stamp.
    static func weight(kg: Double, at t: Timestamp) -> [UInt8] {
        [0x02] + le16(UInt16((kg / 0.005).rounded())) + dateTime(t)
    }

    /// 0x2A5E with time stamp.
    static func spotCheck(spo2: Double, pulse: Double, at t: Timestamp) -> [UInt8] {
        [0x01] + sfloat(spo2, decimals: 0) + sfloat(pulse, decimals: 0) + dateTime(t)
    }

    /// 0x2A5F, normal pair only, with device and sensor status.
    static func continuous(spo2: Double, pulse: Double, deviceStatus: UInt32 = 0) -> [UInt8] {
        var b: [UInt8] = [deviceStatus == 0 ? 0x00 : 0x08] + sfloat(spo2, decimals: 0) + sfloat(pulse, decimals: 0)
        if deviceStatus != 0 { b += [UInt8(deviceStatus & 0xFF), UInt8(deviceStatus >> 8 & 0xFF), 0] }
        return b
    }

    /// 0x2A37, 8-bit rate, contact detected, RR-intervals.
    static func heartRate(_ bpm: Int, rrSeconds: [Double]) -> [UInt8] {
        [0x16, UInt8(clamping: bpm)] + rrSeconds.flatMap { le16(UInt16(($0 * 1024).rounded())) }
    }

    /// SenML JSON from the home gateway.
    static func senml(device: String, at t: Timestamp, spo2: Double, pulse: Double, temp: Double) -> [UInt8] {
        let json =
            #"[{"bn":"urn:dev:sim:\#(device):","bt":\#(t.seconds),"n":"spo2","u":"%","v":\#(Int(spo2.rounded()))},{"n":"pulse","u":"beat/min","v":\#(Int(pulse.rounded()))},{"n":"temp","u":"Cel","v":\#(Double(Int((temp * 10).rounded())) / 10)}]"#
        return Array(json.utf8)
    }

    /// An HL7 v2.6 ORU^R01 (IHE PCD-01) from a bedside-monitor gateway: ECG heart rate, SpO2 with pulse, NIBP,
    /// respiratory rate and temperature, with the MDS/VMD/channel hierarchy and the time on OBR-7.
    static func oru(patient: String, control: String, at t: Timestamp, _ p: SimulatedPatient) -> [UInt8] {
        let (y, mo, d) = Timestamp.civil(days: t.seconds / 86_400)
        let sod = Int(t.seconds % 86_400)
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        let dtm = "\(y)\(two(mo))\(two(d))\(two(sod / 3600))\(two(sod / 60 % 60))\(two(sod % 60))+0000"
        let respiration = 14 + Int((p.pulse - 70) / 10)
        let lines = [
            "MSH|^~\\&|SIMGW^0123456789ABCDEF^EUI-64|HELSEBRO|||\(dtm)||ORU^R01^ORU_R01|\(control)|P|2.6|||NE|AL",
            "PID|||\(patient)^^^SIM^PI",
            "OBR|1|\(control)^SIMGW|\(control)^SIMGW|182777000^monitoring of patient^SCT|||\(dtm)",
            "OBX|1||69965^MDC_DEV_MON_PHYSIO_MULTI_PARAM_MDS^MDC|1.0.0.0|||||||X",
            "OBX|2|NM|147842^MDC_ECG_HEART_RATE^MDC|1.1.1.1|\(Int(p.pulse.rounded()))|264864^MDC_DIM_BEAT_PER_MIN^MDC|||||R",
            "OBX|3|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.2.1.1|\(Int(p.spo2.rounded()))|262688^MDC_DIM_PERCENT^MDC|||||R",
            "OBX|4|NM|149530^MDC_PULS_OXIM_PULS_RATE^MDC|1.2.1.2|\(Int(p.pulse.rounded()))|264864^MDC_DIM_BEAT_PER_MIN^MDC|||||R",
            "OBX|5|NM|150021^MDC_PRESS_BLD_NONINV_SYS^MDC|1.3.1.1|\(Int(p.systolic.rounded()))|266016^MDC_DIM_MMHG^MDC|||||R",
            "OBX|6|NM|150022^MDC_PRESS_BLD_NONINV_DIA^MDC|1.3.1.2|\(Int(p.diastolic.rounded()))|266016^MDC_DIM_MMHG^MDC|||||R",
            "OBX|7|NM|151562^MDC_RESP_RATE^MDC|1.4.1.1|\(respiration)|/min^/min^UCUM|||||R",
            "OBX|8|NM|150364^MDC_TEMP_BODY^MDC|1.5.1.1|\(Double(Int(p.temperature * 10)) / 10)|268192^MDC_DIM_DEGC^MDC|||||R",
        ]
        return Array(lines.joined(separator: "\r").utf8)
    }

    /// The EP-1 ECG patch frame (`Firmware-Specs/ecg-patch-ep1-fw1.yaml`): status flags, window end (UNIX seconds),
    /// heart rate, battery, skin temperature in 0.01 °C, RR-intervals in ms, CRC-16/CCITT-FALSE, little-endian.
    static func ecgPatch(at t: Timestamp, heartRate: Int, rr: [Double], leadOff: Bool) -> [UInt8] {
        var b: [UInt8] = [leadOff ? 0x02 : 0x01]
        let secs = UInt32(truncatingIfNeeded: t.seconds)
        b += [UInt8(secs & 0xFF), UInt8(secs >> 8 & 0xFF), UInt8(secs >> 16 & 0xFF), UInt8(secs >> 24)]
        b += [UInt8(clamping: heartRate), 0x00]
        b += le16(UInt16(bitPattern: Int16(3310 + Int(t.seconds % 40))))
        if !leadOff { for r in rr { b += le16(UInt16((r * 1000).rounded())) } }
        let crc = b.withUnsafeBytes { CRC16.ccittFalse($0) }
        return b + le16(crc)
    }
}
