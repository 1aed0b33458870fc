/// Why a SenML pack was refused (RFC 8428). Descriptions name the record and the rule, never a value.
public enum SenMLProblem: Error, Hashable, Sendable {
    case malformedJSON(offset: Int)
    case malformedCBOR(offset: Int)
    case invalidUTF8(offset: Int)
    case nestingTooDeep
    case notAnArray
    /// RFC 8428 §6: a SenML pack in CBOR is a definite-length array (indefinite is SensML streaming).
    case indefiniteLength(offset: Int)
    case recordNotAMap(record: Int)
    case duplicateLabel(record: Int, label: String)
    case wrongType(record: Int, label: String)
    /// §4.4: a label ending in `_` must be understood, and is not.
    case mustUnderstand(record: Int, label: String)
    /// §4.4: a version higher than this reader understands (10).
    case versionTooNew(record: Int, version: Int)
    case versionMismatch(record: Int)
    /// §4.5.1: no name after resolution.
    case missingName(record: Int)
    /// §4.5.1: characters outside `A–Z a–z 0–9 - : . / _`, or a first character that is not a letter or digit.
    case invalidName(record: Int)
    /// §4.2: neither a value nor a sum.
    case noValue(record: Int)
    /// §4.2: more than one of v, vs, vb, vd.
    case multipleValues(record: Int)
    case invalidBase64(record: Int)
    case numberOutOfRange(record: Int, label: String)
    case trailingData(offset: Int)

    public var description: String {
        switch self {
        case .malformedJSON(let o): "SenML JSON is not valid JSON (at byte \(o))"
        case .malformedCBOR(let o): "SenML CBOR is not valid CBOR (at byte \(o))"
        case .invalidUTF8(let o): "SenML text is not valid UTF-8 (at byte \(o)); RFC 8428 §5 requires UTF-8"
        case .nestingTooDeep: "SenML pack nests deeper than 32 levels"
        case .notAnArray: "SenML pack is not an array of records (RFC 8428 §5, §6)"
        case .indefiniteLength(let o):
            "SenML CBOR uses an indefinite-length item at byte \(o); RFC 8428 §6 requires definite length for SenML"
        case .recordNotAMap(let r): "SenML record \(r) is not an object/map"
        case .duplicateLabel(let r, let l): "SenML record \(r) repeats label '\(l)'"
        case .wrongType(let r, let l): "SenML record \(r): label '\(l)' has the wrong type (RFC 8428 Table 1)"
        case .mustUnderstand(let r, let l):
            "SenML record \(r): must-understand label '\(l)' is not understood (RFC 8428 §4.4)"
        case .versionTooNew(let r, let v): "SenML record \(r): version \(v) is newer than 10 (RFC 8428 §4.4)"
        case .versionMismatch(let r): "SenML record \(r): base version differs from earlier records"
        case .missingName(let r): "SenML record \(r) has no name after resolution (RFC 8428 §4.5.1)"
        case .invalidName(let r):
            "SenML record \(r): resolved name has characters outside A-Z a-z 0-9 - : . / _ or starts with one (RFC 8428 §4.5.1)"
        case .noValue(let r): "SenML record \(r) has neither a value nor a sum (RFC 8428 §4.2)"
        case .multipleValues(let r): "SenML record \(r) has more than one of v, vs, vb, vd (RFC 8428 §4.2)"
        case .invalidBase64(let r): "SenML record \(r): vd is not base64url (RFC 8428 §5)"
        case .numberOutOfRange(let r, let l): "SenML record \(r): '\(l)' is not a finite number Helsebro can hold"
        case .trailingData(let o): "SenML payload has data after the pack (at byte \(o))"
        }
    }
}
