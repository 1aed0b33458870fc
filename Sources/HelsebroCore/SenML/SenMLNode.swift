/// A parsed JSON or CBOR item, just rich enough for SenML.
enum SenMLNode {
    case map([(key: SenMLLabel, value: SenMLNode)])
    case array([SenMLNode])
    case text(String)
    case bytes([UInt8])
    /// A number as a double, with its exact decimal form when the encoding carries one.
    case number(Double, DecimalValue?)
    /// A CBOR unsigned integer (needed for `bver`, which CBOR restricts to unsigned).
    case bool(Bool)
    case null
    case other
}

/// A SenML field label (RFC 8428 Table 1 for JSON, Table 4 for CBOR).
enum SenMLLabel: Hashable {
    case bn, bt, bu, bv, bs, bver, n, u, v, vs, vb, s, t, ut, vd
    case unknown(String)
    case unknownInteger(Int64)

    init(json: String) {
        switch json {
        case "bn": self = .bn
        case "bt": self = .bt
        case "bu": self = .bu
        case "bv": self = .bv
        case "bs": self = .bs
        case "bver": self = .bver
        case "n": self = .n
        case "u": self = .u
        case "v": self = .v
        case "vs": self = .vs
        case "vb": self = .vb
        case "s": self = .s
        case "t": self = .t
        case "ut": self = .ut
        case "vd": self = .vd
        default: self = .unknown(json)
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
        default: self = .unknownInteger(cbor)
        }
    }

    var text: String {
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
        case .unknown(let s): s
        case .unknownInteger(let i): String(i)
        }
    }
}
