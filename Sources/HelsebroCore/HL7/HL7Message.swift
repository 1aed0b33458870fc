/// An HL7 v2 message split into segments and fields, with its own encoding characters.
///
/// HL7 v2.6 §2.5: MSH-1 is the field separator and MSH-2 the component, repetition, escape and subcomponent
/// characters; segments end with `\r`. Gateways and files also use `\n` and `\r\n`, which are accepted; MLLP framing
/// bytes (0x0B, 0x1C) are stripped. Text that is not UTF-8 is read as ISO 8859-1 (MSH-18 `8859/1`).
///
/// The decode loop reads the bytes in place (`HL7Text`); this model of Strings is built by the same reader, for
/// `helsebro decode`, `HL7Result` and the ingest path's fallback when the header scan cannot decide.
public struct HL7Message: Sendable {
    /// The separators as MSH-1 and MSH-2 give them: ASCII, checked when the message is read.
    struct Separators: Sendable {
        var field: UInt8
        var component: UInt8
        var repetition: UInt8
        var escape: UInt8
        var subcomponent: UInt8
    }

    let separators: Separators
    public var segments: [HL7Segment]
    /// The message without MLLP framing bytes, as the reader checked it.
    let bytes: [UInt8]
    /// Where the reader found MSH-1 in `bytes`.
    let fieldSeparatorIndex: Int
    /// Whether the message is UTF-8; if not, its text is ISO 8859-1.
    let isUTF8: Bool

    public var fieldSeparator: Character { Character(Unicode.Scalar(separators.field)) }
    public var component: Character { Character(Unicode.Scalar(separators.component)) }
    public var repetition: Character { Character(Unicode.Scalar(separators.repetition)) }
    public var escape: Character { Character(Unicode.Scalar(separators.escape)) }
    public var subcomponent: Character { Character(Unicode.Scalar(separators.subcomponent)) }

    public static func parse(_ bytes: [UInt8]) -> Result<HL7Message, HL7Problem> {
        bytes.withUnsafeBytes { payload in
            HL7Text.open(payload) { text in
                let isUTF8 = UTF8Check.isValid(text.bytes)
                var segments: [HL7Segment] = []
                text.forEachSegment { segment in
                    var fields: [String] = []
                    text.forEachField(segment) { _, range in
                        fields.append(Self.text(text.slice(range), isUTF8: isUTF8))
                    }
                    segments.append(HL7Segment(name: fields[0], fields: fields))
                }
                return .success(
                    HL7Message(
                        separators: text.separators, segments: segments, bytes: Array(text.bytes),
                        fieldSeparatorIndex: text.fieldSeparatorIndex, isUTF8: isUTF8))
            }
        }
    }

    /// The in-place reader over `bytes`, which `parse` has checked.
    func withText<R>(_ body: (HL7Text) -> R) -> R {
        bytes.withUnsafeBytes {
            body(HL7Text(bytes: $0, separators: separators, fieldSeparatorIndex: fieldSeparatorIndex))
        }
    }

    /// Bytes of the message as text: UTF-8 if the message is, else ISO 8859-1.
    static func text(_ bytes: UnsafeRawBufferPointer, isUTF8: Bool) -> String {
        isUTF8
            ? String(decoding: bytes, as: UTF8.self)
            : String(String.UnicodeScalarView(bytes.map { Unicode.Scalar($0) }))
    }

    public func segments(_ name: String) -> [HL7Segment] { segments.filter { $0.name == name } }

    /// The components of a field value, unescaped.
    public func components(_ value: String) -> [String] {
        Self.split(value, on: separators.component).map(unescape)
    }

    /// The repetitions of a field value.
    public func repetitions(_ value: String) -> [String] {
        Self.split(value, on: separators.repetition)
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

    /// Resolves escape sequences (HL7 v2.6 §2.7) in a field of this message's text.
    public func unescape(_ value: String) -> String {
        guard value.utf8.contains(separators.escape) else { return value }
        return String(decoding: Self.unescape(Array(value.utf8), separators), as: UTF8.self)
    }

    /// Resolves escape sequences (HL7 v2.6 §2.7): \F\ \S\ \T\ \R\ \E\ give the separators, \Xhh…\ gives the bytes
    /// hh…, and the formatting escapes (`.br`, `H`, `N`, …) are dropped. An escape character without a closing one
    /// is kept as it is.
    static func unescape(_ value: some Collection<UInt8>, _ s: Separators) -> [UInt8] {
        let b = Array(value)
        var out: [UInt8] = []
        out.reserveCapacity(b.count)
        var i = 0
        while i < b.count {
            guard b[i] == s.escape, let close = b[(i + 1)...].firstIndex(of: s.escape) else {
                out.append(b[i])
                i += 1
                continue
            }
            let code = b[(i + 1)..<close]
            if code.count == 1 {
                switch code.first {
                case UInt8(ascii: "F"): out.append(s.field)
                case UInt8(ascii: "S"): out.append(s.component)
                case UInt8(ascii: "T"): out.append(s.subcomponent)
                case UInt8(ascii: "R"): out.append(s.repetition)
                case UInt8(ascii: "E"): out.append(s.escape)
                default: break
                }
            } else if code.first == UInt8(ascii: "X") {
                var h = code.dropFirst()
                while h.count >= 2, let byte = HL7Text.hexByte(h.prefix(2)) {
                    out.append(byte)
                    h = h.dropFirst(2)
                }
            }
            i = close + 1
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
