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
    /// cannot be read is a problem of its own, and the others still count.
    ///
    /// Times: OBX-14, else the nearest earlier OBX whose OBX-4 is an ancestor of this one's (the IHE examples put the
    /// time on the compound or channel OBX), else OBR-7. A time without a UTC offset is read with `clock`.
    public static func read(_ message: HL7Message, clock: DeviceClock = .utc) -> Result<HL7Result, HL7Problem> {
        guard let msh = message.segments.first, msh.name == "MSH" else { return .failure(.missingMSH) }
        let type = message.components(msh[9])
        guard type.count >= 2, type[0] == "ORU", type[1] == "R01" else { return .failure(.notORUR01) }
        var result = HL7Result(controlID: msh[10], patientIdentifiers: [], observations: [], problems: [])
        for pid in message.segments("PID") {
            for rep in message.repetitions(pid[3]) where !rep.isEmpty {
                result.patientIdentifiers.append(message.components(rep)[0])
            }
        }
        var obrTime: Result<Timestamp, HL7Problem>?
        var ancestors: [(subID: String, time: Timestamp)] = []
        var position = 0
        for segment in message.segments {
            if segment.name == "OBR" {
                obrTime =
                    segment[7].isEmpty
                    ? nil : HL7Time.parse(segment[7], clock: clock).map { .success($0) } ?? .failure(.badTime(obx: 0))
                ancestors = []
                continue
            }
            guard segment.name == "OBX" else { continue }
            position += 1
            let index = Int(segment[1]) ?? position
            let subID = segment[4]
            var ownTime: Timestamp?
            if !segment[14].isEmpty {
                guard let t = HL7Time.parse(segment[14], clock: clock) else {
                    result.problems.append(.badTime(obx: index))
                    continue
                }
                ownTime = t
                ancestors.append((subID, t))
            }
            let valueType = segment[2]
            guard valueType == "NM" else { continue }
            let status = segment[11]
            if status == "D" { continue }
            let raw = message.unescape(segment[5]).trimmingSpaces
            guard !raw.isEmpty, status != "X" else {
                result.problems.append(.emptyValue(obx: index, invalid: status == "X"))
                continue
            }
            guard let value = DecimalValue(text: Array(raw.utf8)) else {
                result.problems.append(.notANumber(obx: index))
                continue
            }
            let code = message.components(segment[3])
            var mdc: UInt32?
            var loinc: String?
            if code.count >= 3 {
                switch code[2] {
                case "MDC": mdc = UInt32(code[0])
                case "LN", "LOINC": loinc = code[0].isEmpty ? nil : code[0]
                default: break
                }
            }
            if mdc == nil && loinc == nil {
                result.problems.append(.noCode(obx: index))
                continue
            }
            guard let unit = HL7Units.unit(message.components(segment[6])) else {
                result.problems.append(.unknownUnit(obx: index))
                continue
            }
            var time = ownTime
            if time == nil {
                time = ancestors.last(where: { !$0.subID.isEmpty && subID.hasPrefix(ancestorPrefix($0.subID)) })?.time
            }
            if time == nil, let obrTime {
                switch obrTime {
                case .success(let t): time = t
                case .failure: result.problems.append(.badTime(obx: index)); continue
                }
            }
            guard let time else {
                result.problems.append(.noTime(obx: index))
                continue
            }
            result.observations.append(
                HL7Observation(
                    index: index, mdc: mdc, loinc: loinc, label: code.count > 1 ? code[1] : "", subID: subID,
                    value: value,
                    unit: unit, referenceRange: message.unescape(segment[7]),
                    abnormalFlags: message.repetitions(segment[8]),
                    resultStatus: status, time: time, equipment: message.components(segment[18])[0]))
        }
        if result.observations.isEmpty && result.problems.isEmpty { return .failure(.noObservations) }
        return .success(result)
    }

    /// `1.0.1` is the parent of `1.0.1.1`: trailing `.0` levels mean "not used" (IHE PCD TF Annex A, flat option).
    static func ancestorPrefix(_ subID: String) -> String {
        var parts = subID.split(separator: ".").map(String.init)
        while parts.count > 1, parts.last == "0" { parts.removeLast() }
        return parts.joined(separator: ".") + "."
    }
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while s.first == " " { s = s.dropFirst() }
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }
}

/// HL7 DTM: `YYYY[MM[DD[HH[MM[SS[.S…]]]]]][+/-ZZZZ]` (HL7 v2.6 §2A.22). Precision must reach the minute.
public enum HL7Time {
    /// ASCII 0–9 only: `Character.isNumber` also accepts `½`, `٣` and superscripts, which `Int(_:)` does not parse.
    static func isDigit(_ c: Character) -> Bool { c.asciiValue.map { $0 >= 0x30 && $0 <= 0x39 } ?? false }

    public static func parse(_ text: String, clock: DeviceClock) -> Timestamp? {
        var body = Substring(text)
        var offsetMinutes: Int?
        if let sign = body.lastIndex(where: { $0 == "+" || $0 == "-" }) {
            let zone = body[body.index(after: sign)...]
            guard zone.count == 4, zone.allSatisfy(isDigit), let hh = Int(zone.prefix(2)), let mm = Int(zone.suffix(2)),
                hh <= 14, mm < 60
            else {
                return nil
            }
            offsetMinutes = (hh * 60 + mm) * (body[sign] == "-" ? -1 : 1)
            body = body[..<sign]
        }
        var fraction: Int64 = 0
        if let dot = body.firstIndex(of: ".") {
            let digits = body[body.index(after: dot)...]
            guard !digits.isEmpty, digits.count <= 4, digits.allSatisfy(Self.isDigit) else { return nil }
            fraction = Int64(digits)! * [0, 100_000, 10_000, 1_000, 100][digits.count]
            body = body[..<dot]
        }
        guard body.allSatisfy(Self.isDigit), [12, 14].contains(body.count) else { return nil }
        func num(_ from: Int, _ n: Int) -> Int { Int(body.dropFirst(from).prefix(n))! }
        let y = num(0, 4), mo = num(4, 2), d = num(6, 2), h = num(8, 2), mi = num(10, 2)
        let s = body.count == 14 ? num(12, 2) : 0
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

    /// The unit of an OBX-6 (code, text, system); empty means dimensionless (`.none`).
    public static func unit(_ components: [String]) -> UCUMUnit? {
        guard let code = components.first, !code.isEmpty else { return UCUMUnit.none }
        let system = components.count >= 3 ? components[2] : ""
        if system == "MDC" || (system.isEmpty && UInt32(code) != nil) {
            return UInt32(code).flatMap { mdc[$0] }
        }
        return UCUMUnit(code: code)
    }
}
