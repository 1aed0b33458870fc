@testable import HelsebroCore

// The String-based HL7 v2 parser that the decode loop used until the in-place reader (`HL7Text`) replaced it, kept
// here unchanged in its logic as the reference the reader is compared with (`HL7ReaderTests`).

/// A message as the reference parser holds it: every field a String.
struct ReferenceHL7Message {
    let separatorBytes: (field: UInt8, component: UInt8, repetition: UInt8, escape: UInt8, subcomponent: UInt8)
    var segments: [HL7Segment]

    var fieldSeparator: Character { Character(Unicode.Scalar(separatorBytes.field)) }
    var component: Character { Character(Unicode.Scalar(separatorBytes.component)) }
    var repetition: Character { Character(Unicode.Scalar(separatorBytes.repetition)) }
    var escape: Character { Character(Unicode.Scalar(separatorBytes.escape)) }
    var subcomponent: Character { Character(Unicode.Scalar(separatorBytes.subcomponent)) }

    static func parse(_ bytes: [UInt8]) -> Result<ReferenceHL7Message, HL7Problem> {
        // Split on bytes, not Characters: the separators are ASCII, and grapheme-aware splitting of the whole text was
        // most of the parser's time. Text is made per field, as UTF-8 if the message is, else ISO 8859-1.
        let cleaned = bytes.contains(0x0B) || bytes.contains(0x1C) ? bytes.filter { $0 != 0x0B && $0 != 0x1C } : bytes
        let isUTF8 = String(validating: cleaned, as: UTF8.self) != nil
        func text(_ field: ArraySlice<UInt8>) -> String {
            isUTF8
                ? String(decoding: field, as: UTF8.self)
                : String(String.UnicodeScalarView(field.map { Unicode.Scalar($0) }))
        }
        var lines: [ArraySlice<UInt8>] = []
        var lineStart = 0
        for i in 0...cleaned.count where i == cleaned.count || cleaned[i] == 0x0D || cleaned[i] == 0x0A {
            if i > lineStart { lines.append(cleaned[lineStart..<i]) }
            lineStart = i + 1
        }
        guard let first = lines.first, first.count >= 8, first.starts(with: [0x4D, 0x53, 0x48]) else {
            return .failure(.missingMSH)
        }
        let fs = first[first.startIndex + 3]
        let encoding = first[(first.startIndex + 4)...].prefix { $0 != fs }
        func isAlphanumeric(_ b: UInt8) -> Bool { (b >= 0x30 && b <= 0x39) || (b | 0x20 >= 0x61 && b | 0x20 <= 0x7A) }
        guard fs < 0x80, encoding.count >= 4, Set(encoding.prefix(4)).count == 4,
            encoding.prefix(4).allSatisfy({ $0 < 0x80 }), !isAlphanumeric(fs)
        else { return .failure(.badEncodingCharacters) }
        let e = Array(encoding.prefix(4))
        let separator = Character(Unicode.Scalar(fs))
        var message = ReferenceHL7Message(
            separatorBytes: (field: fs, component: e[0], repetition: e[1], escape: e[2], subcomponent: e[3]),
            segments: [])
        message.segments.reserveCapacity(lines.count)
        for line in lines {
            let parts = line.split(separator: fs, omittingEmptySubsequences: false)
            guard let name = parts.first, name.count == 3,
                name.allSatisfy({ ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x30 && $0 <= 0x39) })
            else {
                return .failure(.malformedSegment(index: message.segments.count))
            }
            let nameText = text(name)
            var fields: [String] = []
            fields.reserveCapacity(parts.count + 1)
            fields.append(nameText)
            if nameText == "MSH" {
                // MSH-1 is the separator itself: shift so that fields[n] is MSH-n.
                fields.append(String(separator))
            }
            for part in parts.dropFirst() { fields.append(text(part)) }
            message.segments.append(HL7Segment(name: nameText, fields: fields))
        }
        return .success(message)
    }

    func segments(_ name: String) -> [HL7Segment] { segments.filter { $0.name == name } }

    /// The components of a field value, unescaped.
    func components(_ value: String) -> [String] {
        Self.split(value, on: separatorBytes.component).map(unescape)
    }

    /// The repetitions of a field value.
    func repetitions(_ value: String) -> [String] {
        Self.split(value, on: separatorBytes.repetition)
    }

    /// Splits on an (ASCII) separator, keeping empty parts. The separator is found by a scan of the UTF-8 bytes: HL7
    /// separators are characters of the byte stream (v2.6 §2.5), and splitting on Characters (grapheme clusters)
    /// was 31 % of the time to read an ORU^R01.
    static func split(_ value: String, on byte: UInt8) -> [String] {
        var parts: [String] = []
        let utf8 = value.utf8
        var start = utf8.startIndex
        var i = start
        while i < utf8.endIndex {
            if utf8[i] == byte {
                parts.append(String(value[start..<i]))
                start = utf8.index(after: i)
            }
            i = utf8.index(after: i)
        }
        parts.append(String(value[start..<utf8.endIndex]))
        return parts
    }

    /// Resolves escape sequences (HL7 v2.6 §2.7): \F\ \S\ \T\ \R\ \E\ and \Xhh…\; formatting escapes are dropped.
    func unescape(_ value: String) -> String {
        guard value.utf8.contains(separatorBytes.escape) else { return value }
        var out = ""
        var i = value.startIndex
        while i < value.endIndex {
            let c = value[i]
            guard c == escape, let close = value[value.index(after: i)...].firstIndex(of: escape) else {
                out.append(c)
                i = value.index(after: i)
                continue
            }
            let code = value[value.index(after: i)..<close]
            switch code {
            case "F": out.append(fieldSeparator)
            case "S": out.append(component)
            case "T": out.append(subcomponent)
            case "R": out.append(repetition)
            case "E": out.append(escape)
            default:
                if code.hasPrefix("X") {
                    var bytes: [UInt8] = []
                    var h = code.dropFirst()
                    while h.count >= 2, let b = UInt8(h.prefix(2), radix: 16) {
                        bytes.append(b)
                        h = h.dropFirst(2)
                    }
                    out += String(decoding: bytes, as: UTF8.self)
                }
            }
            i = value.index(after: close)
        }
        return out
    }
}

enum ReferenceHL7 {
    static func read(_ message: ReferenceHL7Message, clock: DeviceClock = .utc) -> Result<HL7Result, HL7Problem> {
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
                    ? nil
                    : ReferenceHL7.parseTime(segment[7], clock: clock).map { .success($0) }
                        ?? .failure(.badTime(obx: 0))
                ancestors = []
                continue
            }
            guard segment.name == "OBX" else { continue }
            position += 1
            let index = Int(segment[1]) ?? position
            let subID = segment[4]
            var ownTime: Timestamp?
            if !segment[14].isEmpty {
                guard let t = ReferenceHL7.parseTime(segment[14], clock: clock) else {
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
            let raw = message.unescape(segment[5]).referenceTrimmingSpaces
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
            guard let unit = ReferenceHL7.unit(message.components(segment[6])) else {
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

    /// ASCII 0–9 only: `Character.isNumber` also accepts `½`, `٣` and superscripts, which `Int(_:)` does not parse.
    static func isDigit(_ c: Character) -> Bool { c.asciiValue.map { $0 >= 0x30 && $0 <= 0x39 } ?? false }

    static func parseTime(_ text: String, clock: DeviceClock) -> Timestamp? {
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

    static let mdcUnits: [UInt32: UCUMUnit] = [
        266_016: .mmHg, 265_987: .kPa, 264_864: .perMinute, 264_928: .perMinute, 262_688: .percent, 268_192: .celsius,
        266_560: .fahrenheit, 263_875: .kilogram, 263_904: .pound, 263_872: .gram, 263_441: .centimetre, 263_520: .inch,
        263_424: .metre, 264_096: .kilogramPerSquareMetre, 264_274: .milligramPerDecilitre, 266_866: .millimolePerLitre,
    ]

    /// The unit of an OBX-6 (code, text, system); empty means dimensionless (`.none`).
    static func unit(_ components: [String]) -> UCUMUnit? {
        guard let code = components.first, !code.isEmpty else { return UCUMUnit.none }
        let system = components.count >= 3 ? components[2] : ""
        if system == "MDC" || (system.isEmpty && UInt32(code) != nil) {
            return UInt32(code).flatMap { mdcUnits[$0] }
        }
        return UCUMUnit(code: code)
    }
}

extension String {
    var referenceTrimmingSpaces: String {
        var s = Substring(self)
        while s.first == " " { s = s.dropFirst() }
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }
}
