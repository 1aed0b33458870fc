/// An HL7 v2 message split into segments and fields, with its own encoding characters.
///
/// HL7 v2.6 §2.5: MSH-1 is the field separator and MSH-2 the component, repetition, escape and subcomponent
/// characters; segments end with `\r`. Gateways and files also use `\n` and `\r\n`, which are accepted; MLLP framing
/// bytes (0x0B, 0x1C) are stripped. Text that is not UTF-8 is read as ISO 8859-1 (MSH-18 `8859/1`).
public struct HL7Message: Sendable {
    /// The separators as MSH-1 and MSH-2 give them: ASCII, checked by `parse`, kept as bytes so that splitting a
    /// field scans bytes.
    let separatorBytes: (field: UInt8, component: UInt8, repetition: UInt8, escape: UInt8, subcomponent: UInt8)
    public var segments: [HL7Segment]

    public var fieldSeparator: Character { Character(Unicode.Scalar(separatorBytes.field)) }
    public var component: Character { Character(Unicode.Scalar(separatorBytes.component)) }
    public var repetition: Character { Character(Unicode.Scalar(separatorBytes.repetition)) }
    public var escape: Character { Character(Unicode.Scalar(separatorBytes.escape)) }
    public var subcomponent: Character { Character(Unicode.Scalar(separatorBytes.subcomponent)) }

    public static func parse(_ bytes: [UInt8]) -> Result<HL7Message, HL7Problem> {
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
        var message = HL7Message(
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

    public func segments(_ name: String) -> [HL7Segment] { segments.filter { $0.name == name } }

    /// The components of a field value, unescaped.
    public func components(_ value: String) -> [String] {
        Self.split(value, on: separatorBytes.component).map(unescape)
    }

    /// The repetitions of a field value.
    public func repetitions(_ value: String) -> [String] {
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
    public func unescape(_ value: String) -> String {
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

/// One segment: `fields[0]` is its name, `fields[n]` is field n (for MSH too: `fields[1]` is the separator).
public struct HL7Segment: Sendable {
    public var name: String
    public var fields: [String]

    public subscript(_ n: Int) -> String { n < fields.count ? fields[n] : "" }
}

/// Why an HL7 message or one of its observations was refused.
public enum HL7Problem: Error, Hashable, Sendable {
    case missingMSH
    case badEncodingCharacters
    case malformedSegment(index: Int)
    case notORUR01
    case noObservations
    /// An OBX whose value is empty: with OBX-11 `X` the result is invalid (PHILIPS export: "no reading").
    case emptyValue(obx: Int, invalid: Bool)
    case notANumber(obx: Int)
    case unknownUnit(obx: Int)
    case badTime(obx: Int)
    case noTime(obx: Int)
    case noCode(obx: Int)
    case observationNotInProfile(obx: Int)

    public var description: String {
        switch self {
        case .missingMSH: "HL7: the message does not start with an MSH segment"
        case .badEncodingCharacters:
            "HL7: MSH-1/MSH-2 do not give a field separator and four distinct encoding characters"
        case .malformedSegment(let i): "HL7: segment \(i + 1) has no three-character segment name"
        case .notORUR01: "HL7: MSH-9 is not ORU^R01"
        case .noObservations: "HL7: the message has no numeric OBX"
        case .emptyValue(let o, let invalid):
            invalid
                ? "HL7 OBX \(o): no value and result status X (invalid measurement)" : "HL7 OBX \(o): OBX-5 is empty"
        case .notANumber(let o): "HL7 OBX \(o): OBX-5 is not a number although OBX-2 is NM"
        case .unknownUnit(let o): "HL7 OBX \(o): OBX-6 is neither a known MDC unit code nor a known UCUM unit"
        case .badTime(let o): "HL7 OBX \(o): OBX-14 or OBR-7 is not a valid HL7 date-time"
        case .noTime(let o): "HL7 OBX \(o): no time in OBX-14, its parent OBX or OBR-7"
        case .noCode(let o): "HL7 OBX \(o): OBX-3 has no MDC or LOINC code"
        case .observationNotInProfile(let o): "HL7 OBX \(o): the device profile has no metric for its code"
        }
    }
}

/// MSH-10 (the message control id) and the PID-3 identifiers (first component of each repetition) of an HL7 v2
/// message, read straight from the bytes: the ingest path needs only these before the decode plan parses the message,
/// and a full parse would double the work. Returns nil where the full parser must decide (no MSH, odd encoding
/// characters, an escape sequence in PID-3).
public struct HL7Header: Sendable, Equatable {
    public var controlID: String
    public var patients: [String]

    public init(controlID: String, patients: [String]) {
        self.controlID = controlID
        self.patients = patients
    }

    public static func scan(_ b: [UInt8]) -> HL7Header? {
        var i = 0
        while i < b.count, b[i] == 0x0B || b[i] == 0x0D || b[i] == 0x0A { i += 1 }
        guard b.count - i >= 8, b[i] == 0x4D, b[i + 1] == 0x53, b[i + 2] == 0x48 else { return nil }
        let fs = b[i + 3]
        let component = b[i + 4]
        let repetition = b[i + 5]
        let escape = b[i + 6]
        guard fs != component, fs != repetition, fs != escape, component != repetition else { return nil }
        var header = HL7Header(controlID: "", patients: [])
        var start = i
        while start < b.count {
            var end = start
            while end < b.count, b[end] != 0x0D, b[end] != 0x0A, b[end] != 0x1C { end += 1 }
            if end - start >= 3 {
                let msh = b[start] == 0x4D && b[start + 1] == 0x53 && b[start + 2] == 0x48
                let pid = b[start] == 0x50 && b[start + 1] == 0x49 && b[start + 2] == 0x44
                if msh || pid {
                    // parts[0] is the name; MSH's parts[k] is MSH-(k+1) (MSH-1 is the separator), PID's is PID-k.
                    let wanted = msh ? 9 : 3
                    var k = 0
                    var s = start
                    var j = start
                    while j <= end {
                        if j == end || b[j] == fs {
                            if k == wanted {
                                let field = b[s..<j]
                                if msh {
                                    header.controlID = String(decoding: field, as: UTF8.self)
                                } else {
                                    if field.contains(escape) { return nil }
                                    for r in field.split(separator: repetition, omittingEmptySubsequences: false) {
                                        let id = r.prefix { $0 != component }
                                        if !id.isEmpty { header.patients.append(String(decoding: id, as: UTF8.self)) }
                                    }
                                }
                                break
                            }
                            k += 1
                            s = j + 1
                        }
                        j += 1
                    }
                }
            }
            start = end + 1
        }
        return header
    }
}
