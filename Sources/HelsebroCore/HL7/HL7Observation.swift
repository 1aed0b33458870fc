/// One numeric observation of an ORU^R01 (IHE PCD-01), with what the OBX says about it.
public struct HL7Observation: Sendable, Equatable {
    /// OBX-1, or the OBX's position when OBX-1 is empty (some monitors leave it empty).
    public var index: Int
    public var mdc: UInt32?
    public var loinc: String?
    /// OBX-3.2: the label, which is not trusted for meaning (vendors mislabel; the numeric code decides).
    public var label: String
    /// OBX-4: the device hierarchy `mds.vmd.channel.metric`.
    public var subID: String
    public var value: DecimalValue
    public var unit: UCUMUnit
    public var referenceRange: String
    public var abnormalFlags: [String]
    public var resultStatus: String
    public var time: Timestamp
    /// OBX-18: equipment instance identifier.
    public var equipment: String

    /// Status strings for decode output and the journal.
    public var statusNames: [String] {
        var s = ["obx:\(index)"]
        if !subID.isEmpty { s.append("sub-id:\(subID)") }
        if !resultStatus.isEmpty { s.append("result-status:\(resultStatus)") }
        s += abnormalFlags.filter { !$0.isEmpty }.map { "abnormal:\($0)" }
        if !referenceRange.isEmpty { s.append("reference-range:\(referenceRange)") }
        return s
    }
}

/// An ORU^R01 read into observations; observations that could not be read are listed with their problem.
public struct HL7Result: Sendable {
    /// MSH-10, the message control id: the identity for duplicate detection.
    public var controlID: String
    /// PID-3 identifiers (CX.1 of each repetition).
    public var patientIdentifiers: [String]
    public var observations: [HL7Observation]
    public var problems: [HL7Problem]

    /// Reads an ORU^R01. Non-numeric OBXs (device hierarchy, coded values) are skipped; each numeric OBX that
    /// cannot be read is a problem of its own, and the others still count. The observations are those the decode
    /// loop reads (`HL7Text.observations`), with their text fields as Strings.
    ///
    /// Times: OBX-14, else the nearest earlier OBX whose OBX-4 is an ancestor of this one's (the IHE examples put the
    /// time on the compound or channel OBX), else OBR-7. A time without a UTC offset is read with `clock`.
    public static func read(_ message: HL7Message, clock: DeviceClock = .utc) -> Result<HL7Result, HL7Problem> {
        message.withText { text in
            var result = HL7Result(
                controlID: message.segments.first?[10] ?? "", patientIdentifiers: [], observations: [], problems: [])
            let failure = text.observations(clock: clock) { read in
                switch read {
                case .success(let o): result.observations.append(HL7Observation(o, of: message, text))
                case .failure(let p): result.problems.append(p)
                }
            }
            if let failure { return .failure(failure) }
            for pid in message.segments("PID") {
                for rep in message.repetitions(pid[3]) where !rep.isEmpty {
                    result.patientIdentifiers.append(message.components(rep)[0])
                }
            }
            return .success(result)
        }
    }
}

extension HL7Observation {
    /// The observation with its text fields, in the message's encoding.
    init(_ o: HL7Text.NumericObservation, of message: HL7Message, _ text: HL7Text) {
        func string(_ range: Range<Int>) -> String { HL7Message.text(text.slice(range), isUTF8: message.isUTF8) }
        func unescaped(_ range: Range<Int>) -> String {
            text.withUnescaped(range) { HL7Message.text($0, isUTF8: message.isUTF8) }
        }
        var flags: [String] = []
        text.forEachPart(of: o.fields[8], by: text.separators.repetition) { flags.append(string($0)) }
        self.init(
            index: o.index, mdc: o.mdc, loinc: o.isLOINC ? unescaped(text.component(0, of: o.fields[3])) : nil,
            label: unescaped(text.component(1, of: o.fields[3])), subID: string(o.fields[4]), value: o.value,
            unit: o.unit, referenceRange: unescaped(o.fields[7]), abnormalFlags: flags,
            resultStatus: string(o.fields[11]), time: o.time, equipment: unescaped(text.component(0, of: o.fields[18])))
    }
}

/// HL7 DTM: `YYYY[MM[DD[HH[MM[SS[.S…]]]]]][+/-ZZZZ]` (HL7 v2.6 §2A.22). Precision must reach the minute.
public enum HL7Time {
    public static func parse(_ text: String, clock: DeviceClock) -> Timestamp? {
        Array(text.utf8).withUnsafeBytes { parse(bytes: $0, clock: clock) }
    }

    /// As `parse`, on the field's bytes. Only ASCII digits count: `Character.isNumber` would also accept `½`, `٣`
    /// and superscripts.
    static func parse(bytes t: UnsafeRawBufferPointer, clock: DeviceClock) -> Timestamp? {
        func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
        func number(_ range: Range<Int>) -> Int { t[range].reduce(0) { $0 * 10 + Int($1 - 0x30) } }
        var end = t.count
        var offsetMinutes: Int?
        if let sign = t.lastIndex(where: { $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "-") }) {
            let zone = (sign + 1)..<t.count
            guard zone.count == 4, t[zone].allSatisfy(isDigit) else { return nil }
            let hh = number(zone.lowerBound..<zone.lowerBound + 2)
            let mm = number(zone.lowerBound + 2..<zone.upperBound)
            guard hh <= 14, mm < 60 else { return nil }
            offsetMinutes = (hh * 60 + mm) * (t[sign] == UInt8(ascii: "-") ? -1 : 1)
            end = sign
        }
        var fraction: Int64 = 0
        if let dot = t[..<end].firstIndex(of: UInt8(ascii: ".")) {
            let digits = (dot + 1)..<end
            guard !digits.isEmpty, digits.count <= 4, t[digits].allSatisfy(isDigit) else { return nil }
            let scale: Int64 =
                switch digits.count {
                case 1: 100_000
                case 2: 10_000
                case 3: 1_000
                default: 100
                }
            fraction = Int64(number(digits)) * scale
            end = dot
        }
        guard end == 12 || end == 14, t[..<end].allSatisfy(isDigit) else { return nil }
        let y = number(0..<4), mo = number(4..<6), d = number(6..<8), h = number(8..<10), mi = number(10..<12)
        let s = end == 14 ? number(12..<14) : 0
        guard Timestamp.isValid(year: y, month: mo, day: d), h < 24, mi < 60, s < 60 else { return nil }
        let wall = Timestamp(year: y, month: mo, day: d, hour: h, minute: mi, second: s)
        let placed: Timestamp
        if let offsetMinutes {
            placed = wall.adding(seconds: Int64(-offsetMinutes * 60))
        } else {
            placed = clock.place(wallClock: wall).time
        }
        return Timestamp(microseconds: placed.microseconds + fraction)
    }
}

/// OBX-6 units: MDC unit codes (codes.md §1, partition 4) or UCUM (`mm[Hg]^mm[Hg]^UCUM`, `{beat}/min`).
public enum HL7Units {
    static let mdc: [UInt32: UCUMUnit] = [
        266_016: .mmHg, 265_987: .kPa, 264_864: .perMinute, 264_928: .perMinute, 262_688: .percent, 268_192: .celsius,
        266_560: .fahrenheit, 263_875: .kilogram, 263_904: .pound, 263_872: .gram, 263_441: .centimetre, 263_520: .inch,
        263_424: .metre, 264_096: .kilogramPerSquareMetre, 264_274: .milligramPerDecilitre, 266_866: .millimolePerLitre,
    ]

    /// The unit of an OBX-6 from its code (component 1) and coding system (component 3); no code means dimensionless
    /// (`.none`).
    public static func unit(code: String, system: String) -> UCUMUnit? {
        guard !code.isEmpty else { return UCUMUnit.none }
        if system == "MDC" || (system.isEmpty && UInt32(code) != nil) {
            return UInt32(code).flatMap { mdc[$0] }
        }
        return UCUMUnit(code: code)
    }
}
