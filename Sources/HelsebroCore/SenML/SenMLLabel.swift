/// A SenML field label (RFC 8428 Table 1 for JSON, Table 4 for CBOR).
enum SenMLLabel: UInt8 {
    case bn, bt, bu, bv, bs, bver, n, u, v, vs, vb, s, t, ut, vd
    /// A label this reader does not know, as text (JSON, or a CBOR text key) or as a CBOR integer.
    case unknownText, unknownInteger

    /// The label a JSON key (or a CBOR text key) names, compared as bytes.
    init(json b: UnsafeRawBufferPointer) {
        let c = { (k: Int) in Unicode.Scalar(b[k]) }
        switch b.count {
        case 1:
            switch c(0) {
            case "n": self = .n
            case "u": self = .u
            case "v": self = .v
            case "s": self = .s
            case "t": self = .t
            default: self = .unknownText
            }
        case 2:
            switch (c(0), c(1)) {
            case ("b", "n"): self = .bn
            case ("b", "t"): self = .bt
            case ("b", "u"): self = .bu
            case ("b", "v"): self = .bv
            case ("b", "s"): self = .bs
            case ("v", "s"): self = .vs
            case ("v", "b"): self = .vb
            case ("u", "t"): self = .ut
            case ("v", "d"): self = .vd
            default: self = .unknownText
            }
        case 4 where c(0) == "b" && c(1) == "v" && c(2) == "e" && c(3) == "r": self = .bver
        default: self = .unknownText
        }
    }

    init(cbor: Int64) {
        switch cbor {
        case -2: self = .bn
        case -3: self = .bt
        case -4: self = .bu
        case -5: self = .bv
        case -6: self = .bs
        case -1: self = .bver
        case 0: self = .n
        case 1: self = .u
        case 2: self = .v
        case 3: self = .vs
        case 4: self = .vb
        case 5: self = .s
        case 6: self = .t
        case 7: self = .ut
        case 8: self = .vd
        default: self = .unknownInteger
        }
    }

    var name: String {
        switch self {
        case .bn: "bn"
        case .bt: "bt"
        case .bu: "bu"
        case .bv: "bv"
        case .bs: "bs"
        case .bver: "bver"
        case .n: "n"
        case .u: "u"
        case .v: "v"
        case .vs: "vs"
        case .vb: "vb"
        case .s: "s"
        case .t: "t"
        case .ut: "ut"
        case .vd: "vd"
        case .unknownText, .unknownInteger: "?"
        }
    }
}

/// A record's map key: its label, and for a label this reader does not know, the key's text or integer (two
/// unknown keys may still repeat each other, and one ending in `_` must be understood).
struct SenMLKey {
    var label: SenMLLabel
    var text = UnsafeRawBufferPointer(start: nil, count: 0)
    var integer: Int64 = 0

    /// The key of a CBOR map that is neither an integer nor text.
    static let otherKey: StaticString = "?"

    init(_ item: SenMLItem, on tape: SenMLTape) {
        switch item.kind {
        case .text:
            text = tape.bytes(item)
            label = SenMLLabel(json: text)
        case .number where item.exact?.exponent == 0:
            integer = item.exact!.mantissa
            label = SenMLLabel(cbor: integer)
        default:
            label = .unknownText
            text = UnsafeRawBufferPointer(
                start: SenMLKey.otherKey.utf8Start, count: SenMLKey.otherKey.utf8CodeUnitCount)
        }
    }

    /// Whether two keys are the same label. Unknown text labels compare as Strings do (canonical equivalence), so
    /// two spellings of one non-ASCII label repeat each other.
    func same(as other: SenMLKey) -> Bool {
        guard label == other.label else { return false }
        switch label {
        case .unknownText:
            if text.elementsEqual(other.text) { return true }
            if UTF8Check.isASCII(text) && UTF8Check.isASCII(other.text) { return false }
            return String(decoding: text, as: UTF8.self) == String(decoding: other.text, as: UTF8.self)
        case .unknownInteger: return integer == other.integer
        default: return true
        }
    }

    /// A Hashable form, for the (hostile) record of many keys where comparing each with all before it would be
    /// quadratic.
    var hashable: HashableKey {
        switch label {
        case .unknownText: .text(String(decoding: text, as: UTF8.self))
        case .unknownInteger: .integer(integer)
        default: .known(label.rawValue)
        }
    }

    enum HashableKey: Hashable {
        case known(UInt8)
        case text(String)
        case integer(Int64)
    }

    /// RFC 8428 §4.4: a label ending in `_` must be understood. Compared by Characters, as `hasSuffix` does: the
    /// last byte being `_` is not enough when a prepended character joins it into one grapheme.
    var mustBeUnderstood: Bool {
        guard label == .unknownText, text.last == UInt8(ascii: "_") else { return false }
        if UTF8Check.isASCII(text) { return true }
        return String(decoding: text, as: UTF8.self).hasSuffix("_")
    }

    /// The label as a problem names it.
    var description: String {
        switch label {
        case .unknownText: String(decoding: text, as: UTF8.self)
        case .unknownInteger: String(integer)
        default: label.name
        }
    }
}
