@testable import HelsebroCore

// The tree-building SenML readers and resolver that the decode loop used until the in-place reader (`SenMLTape`)
// replaced them, kept here unchanged in their logic as the reference the reader is compared with
// (`SenMLReaderTests`).

/// A parsed JSON or CBOR item, just rich enough for SenML.
enum ReferenceSenMLNode {
    case map([(key: ReferenceSenMLLabel, value: ReferenceSenMLNode)])
    case array([ReferenceSenMLNode])
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
enum ReferenceSenMLLabel: Hashable {
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

/// A strict RFC 8259 JSON reader producing `ReferenceSenMLNode`s, without Foundation.
///
/// Object keys become SenML labels. Depth is bounded so hostile input cannot exhaust the stack.
struct ReferenceJSONReader {
    let b: UnsafeRawBufferPointer
    var i = 0
    var depth = 0
    static let maxDepth = 32

    init(_ bytes: UnsafeRawBufferPointer) { b = bytes }

    static func parse(_ bytes: UnsafeRawBufferPointer) -> Result<ReferenceSenMLNode, SenMLProblem> {
        var r = ReferenceJSONReader(bytes)
        do {
            r.skipSpace()
            let node = try r.value()
            r.skipSpace()
            if r.i != bytes.count { throw SenMLProblem.trailingData(offset: r.i) }
            return .success(node)
        } catch let p as SenMLProblem {
            return .failure(p)
        } catch {
            return .failure(.malformedJSON(offset: r.i))
        }
    }

    mutating func skipSpace() {
        while i < b.count, b[i] == 0x20 || b[i] == 0x0A || b[i] == 0x0D || b[i] == 0x09 { i += 1 }
    }

    func fail() -> SenMLProblem { .malformedJSON(offset: i) }

    mutating func value() throws(SenMLProblem) -> ReferenceSenMLNode {
        guard i < b.count else { throw fail() }
        switch b[i] {
        case UInt8(ascii: "{"): return try object()
        case UInt8(ascii: "["): return try array()
        case UInt8(ascii: "\""): return .text(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        default: return try number()
        }
    }

    mutating func literal(_ word: StaticString) throws(SenMLProblem) {
        let n = word.utf8CodeUnitCount
        guard i + n <= b.count else { throw fail() }
        for k in 0..<n where b[i + k] != word.utf8Start[k] { throw fail() }
        i += n
    }

    mutating func enter() throws(SenMLProblem) {
        depth += 1
        if depth > ReferenceJSONReader.maxDepth { throw SenMLProblem.nestingTooDeep }
    }

    mutating func object() throws(SenMLProblem) -> ReferenceSenMLNode {
        try enter()
        i += 1
        // JSON does not say how many members or items follow: room for a SenML record's usual few, so that the
        // array is allocated once rather than grown (CBOR announces its counts).
        var members: [(key: ReferenceSenMLLabel, value: ReferenceSenMLNode)] = []
        members.reserveCapacity(8)
        skipSpace()
        if i < b.count, b[i] == UInt8(ascii: "}") {
            i += 1
            depth -= 1
            return .map(members)
        }
        while true {
            skipSpace()
            guard i < b.count, b[i] == UInt8(ascii: "\"") else { throw fail() }
            let key = try string()
            skipSpace()
            guard i < b.count, b[i] == UInt8(ascii: ":") else { throw fail() }
            i += 1
            skipSpace()
            members.append((ReferenceSenMLLabel(json: key), try value()))
            skipSpace()
            guard i < b.count else { throw fail() }
            if b[i] == UInt8(ascii: ",") {
                i += 1
                continue
            }
            guard b[i] == UInt8(ascii: "}") else { throw fail() }
            i += 1
            depth -= 1
            return .map(members)
        }
    }

    mutating func array() throws(SenMLProblem) -> ReferenceSenMLNode {
        try enter()
        i += 1
        var items: [ReferenceSenMLNode] = []
        items.reserveCapacity(8)
        skipSpace()
        if i < b.count, b[i] == UInt8(ascii: "]") {
            i += 1
            depth -= 1
            return .array(items)
        }
        while true {
            skipSpace()
            items.append(try value())
            skipSpace()
            guard i < b.count else { throw fail() }
            if b[i] == UInt8(ascii: ",") {
                i += 1
                continue
            }
            guard b[i] == UInt8(ascii: "]") else { throw fail() }
            i += 1
            depth -= 1
            return .array(items)
        }
    }

    mutating func hex4() throws(SenMLProblem) -> UInt32 {
        guard i + 4 <= b.count else { throw fail() }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = b[i]
            let d: UInt32
            switch c {
            case 0x30...0x39: d = UInt32(c - 0x30)
            case 0x41...0x46: d = UInt32(c - 0x41 + 10)
            case 0x61...0x66: d = UInt32(c - 0x61 + 10)
            default: throw fail()
            }
            v = v << 4 | d
            i += 1
        }
        return v
    }

    mutating func string() throws(SenMLProblem) -> String {
        i += 1
        let start = i
        // The common case (SenML keys, names and units): ASCII without escapes up to the closing quote. Those bytes
        // are the text, with nothing to unescape or validate; copying them one by one and validating the copy was a
        // third of reading a pack. Anything else takes the full path below.
        var end = i
        var ascii = true
        while end < b.count {
            let c = b[end]
            if c == UInt8(ascii: "\"") || c == UInt8(ascii: "\\") || c < 0x20 { break }
            if c >= 0x80 { ascii = false }
            end += 1
        }
        if ascii, end < b.count, b[end] == UInt8(ascii: "\"") {
            i = end + 1
            return String(decoding: UnsafeRawBufferPointer(rebasing: b[start..<end]), as: UTF8.self)
        }
        var out: [UInt8] = []
        while true {
            guard i < b.count else { throw fail() }
            let c = b[i]
            if c == UInt8(ascii: "\"") {
                i += 1
                break
            }
            if c < 0x20 { throw fail() }
            if c == UInt8(ascii: "\\") {
                i += 1
                guard i < b.count else { throw fail() }
                let e = b[i]
                i += 1
                switch e {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try hex4()
                    if (0xD800...0xDBFF).contains(scalar) {
                        guard i + 1 < b.count, b[i] == UInt8(ascii: "\\"), b[i + 1] == UInt8(ascii: "u") else {
                            throw fail()
                        }
                        i += 2
                        let low = try hex4()
                        guard (0xDC00...0xDFFF).contains(low) else { throw fail() }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    } else if (0xDC00...0xDFFF).contains(scalar) {
                        throw fail()
                    }
                    guard let u = Unicode.Scalar(scalar) else { throw fail() }
                    out.append(contentsOf: Array(String(Character(u)).utf8))
                default: throw fail()
                }
            } else {
                out.append(c)
                i += 1
            }
        }
        guard let s = String(validating: out, as: UTF8.self) else { throw SenMLProblem.invalidUTF8(offset: start) }
        return s
    }

    mutating func number() throws(SenMLProblem) -> ReferenceSenMLNode {
        let start = i
        if i < b.count, b[i] == UInt8(ascii: "-") { i += 1 }
        guard i < b.count, b[i] >= 0x30 && b[i] <= 0x39 else { throw fail() }
        if b[i] == 0x30 {
            i += 1
        } else {
            while i < b.count, b[i] >= 0x30 && b[i] <= 0x39 { i += 1 }
        }
        if i < b.count, b[i] == UInt8(ascii: ".") {
            i += 1
            guard i < b.count, b[i] >= 0x30 && b[i] <= 0x39 else { throw fail() }
            while i < b.count, b[i] >= 0x30 && b[i] <= 0x39 { i += 1 }
        }
        if i < b.count, b[i] == UInt8(ascii: "e") || b[i] == UInt8(ascii: "E") {
            i += 1
            if i < b.count, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") { i += 1 }
            guard i < b.count, b[i] >= 0x30 && b[i] <= 0x39 else { throw fail() }
            while i < b.count, b[i] >= 0x30 && b[i] <= 0x39 { i += 1 }
        }
        let text = UnsafeRawBufferPointer(rebasing: b[start..<i])
        let string = String(decoding: text, as: UTF8.self)
        guard let d = Double(string) else { throw fail() }
        return .number(d, DecimalValue(text: text))
    }
}

/// A CBOR (RFC 8949) reader producing `ReferenceSenMLNode`s, for `senml+cbor` (RFC 8428 §6).
///
/// Numbers may arrive as integers, half, single or double floats, or tag-4 decimal fractions (RIOT OS sends 61.5 as
/// `c4 82 20 19 0267`); a decimal fraction keeps its exact value. Indefinite-length items are refused: SenML packs
/// are definite-length, SensML streams are not accepted on these channels.
struct ReferenceCBORReader {
    let b: UnsafeRawBufferPointer
    var i = 0
    var depth = 0

    init(_ bytes: UnsafeRawBufferPointer) { b = bytes }

    static func parse(_ bytes: UnsafeRawBufferPointer) -> Result<ReferenceSenMLNode, SenMLProblem> {
        var r = ReferenceCBORReader(bytes)
        do {
            let node = try r.item()
            if r.i != bytes.count { throw SenMLProblem.trailingData(offset: r.i) }
            return .success(node)
        } catch let p as SenMLProblem {
            return .failure(p)
        } catch {
            return .failure(.malformedCBOR(offset: r.i))
        }
    }

    func fail() -> SenMLProblem { .malformedCBOR(offset: i) }

    mutating func byte() throws(SenMLProblem) -> UInt8 {
        guard i < b.count else { throw fail() }
        defer { i += 1 }
        return b[i]
    }

    /// Reads the argument of an initial byte; nil for indefinite length (additional info 31).
    mutating func argument(_ info: UInt8) throws(SenMLProblem) -> UInt64? {
        switch info {
        case 0..<24: return UInt64(info)
        case 24: return UInt64(try byte())
        case 25, 26, 27:
            let n = info == 25 ? 2 : info == 26 ? 4 : 8
            var v: UInt64 = 0
            for _ in 0..<n { v = v << 8 | UInt64(try byte()) }
            return v
        case 31: return nil
        default: throw fail()
        }
    }

    mutating func length(_ info: UInt8, at start: Int) throws(SenMLProblem) -> Int {
        guard let n = try argument(info) else { throw SenMLProblem.indefiniteLength(offset: start) }
        guard n <= UInt64(b.count - i) else { throw fail() }
        return Int(n)
    }

    mutating func item() throws(SenMLProblem) -> ReferenceSenMLNode {
        let start = i
        let initial = try byte()
        let major = initial >> 5
        let info = initial & 0x1F
        switch major {
        case 0:
            guard let n = try argument(info) else { throw fail() }
            return .number(Double(n), n <= UInt64(Int64.max) ? DecimalValue(mantissa: Int64(n), exponent: 0) : nil)
        case 1:
            guard let n = try argument(info) else { throw fail() }
            let value = -1 - Double(n)
            return .number(value, n < UInt64(Int64.max) ? DecimalValue(mantissa: -1 - Int64(n), exponent: 0) : nil)
        case 2:
            let n = try length(info, at: start)
            defer { i += n }
            return .bytes(Array(b[i..<(i + n)]))
        case 3:
            let n = try length(info, at: start)
            guard let s = String(validating: b[i..<(i + n)], as: UTF8.self) else {
                throw SenMLProblem.invalidUTF8(offset: i)
            }
            i += n
            return .text(s)
        case 4:
            let n = try length(info, at: start)
            depth += 1
            if depth > ReferenceJSONReader.maxDepth { throw SenMLProblem.nestingTooDeep }
            var items: [ReferenceSenMLNode] = []
            // Not `n`: every nested array may announce as many items as there are bytes left, and reserving each
            // would let one 256 KiB payload ask for 32 levels × 256 K nodes before a single item is read.
            items.reserveCapacity(min(n, 16))
            for _ in 0..<n { items.append(try item()) }
            depth -= 1
            return .array(items)
        case 5:
            let n = try length(info, at: start)
            depth += 1
            if depth > ReferenceJSONReader.maxDepth { throw SenMLProblem.nestingTooDeep }
            var members: [(key: ReferenceSenMLLabel, value: ReferenceSenMLNode)] = []
            for _ in 0..<n {
                let key: ReferenceSenMLLabel
                switch try item() {
                case .number(_, let d?) where d.exponent == 0: key = ReferenceSenMLLabel(cbor: d.mantissa)
                case .text(let s): key = ReferenceSenMLLabel(json: s)
                default: key = .unknown("?")
                }
                members.append((key, try item()))
            }
            depth -= 1
            return .map(members)
        case 6:
            guard let tag = try argument(info) else { throw fail() }
            let inner = try item()
            if tag == 4, case .array(let parts) = inner, parts.count == 2,
                case .number(_, let e?) = parts[0], e.exponent == 0,
                case .number(_, let m?) = parts[1], m.exponent == 0,
                (-127...127).contains(e.mantissa)
            {
                let d = DecimalValue(mantissa: m.mantissa, exponent: Int8(e.mantissa))
                return .number(d.double, d)
            }
            return tag == 4 ? .other : inner
        default:
            switch info {
            case 20: return .bool(false)
            case 21: return .bool(true)
            case 22, 23: return .null
            case 25:
                guard let h = try argument(info) else { throw fail() }
                return float(Float16Bits.decode(UInt16(h)))
            case 26:
                guard let f = try argument(info) else { throw fail() }
                return float(Float(bitPattern: UInt32(f)))
            case 27:
                guard let d = try argument(info) else { throw fail() }
                let x = Double(bitPattern: d)
                return .number(x, DecimalValue(shortest: x))
            case 31: throw SenMLProblem.indefiniteLength(offset: start)
            default:
                _ = try argument(info)
                return .other
            }
        }
    }

    /// A float keeps the shortest decimal that round-trips at its own width, as RFC 8428 §6 asks producers to choose.
    func float(_ f: Float) -> ReferenceSenMLNode {
        .number(Double(f), f.isFinite ? DecimalValue(text: Array(f.description.utf8)) : nil)
    }
}

enum ReferenceSenML {
    /// Applies base fields record by record (RFC 8428 §4.5): each base field holds until a later record carries
    /// the same base field again (§4, §5.1.6).
    static func resolve(_ root: ReferenceSenMLNode) -> Result<[SenMLRecord], SenMLProblem> {
        guard case .array(let items) = root else { return .failure(.notAnArray) }
        var baseName = ""
        var baseTime = 0.0
        var baseUnit: String?
        var baseValue: DecimalValue?
        var baseSum: DecimalValue?
        var packVersion: Int?
        var records: [SenMLRecord] = []
        records.reserveCapacity(items.count)
        for (index, item) in items.enumerated() {
            guard case .map(let members) = item else { return .failure(.recordNotAMap(record: index)) }
            // Duplicate labels: a record has a handful, compared in place; a set only for a (hostile) record of
            // many, where comparing each with all before it would be quadratic. A set per record was 40 % of
            // resolving a pack.
            var seen = members.count > 16 ? Set<ReferenceSenMLLabel>() : nil
            var name: String?
            var unit: String?
            var value: SenMLValue?
            var valueCount = 0
            var sum: DecimalValue?
            var time = 0.0
            var updateTime: Double?
            var version: Int?
            for (k, (label, node)) in members.enumerated() {
                let duplicate =
                    seen != nil ? !seen!.insert(label).inserted : members[..<k].contains { $0.key == label }
                if duplicate { return .failure(.duplicateLabel(record: index, label: label.text)) }
                func number() -> Result<(Double, DecimalValue?), SenMLProblem> {
                    guard case .number(let d, let exact) = node else {
                        return .failure(.wrongType(record: index, label: label.text))
                    }
                    guard d.isFinite else { return .failure(.numberOutOfRange(record: index, label: label.text)) }
                    return .success((d, exact))
                }
                func decimal() -> Result<DecimalValue, SenMLProblem> {
                    number().flatMap { d, exact in
                        if let exact { return .success(exact) }
                        guard let rounded = DecimalValue(shortest: d) else {
                            return .failure(.numberOutOfRange(record: index, label: label.text))
                        }
                        return .success(rounded)
                    }
                }
                func text() -> Result<String, SenMLProblem> {
                    guard case .text(let s) = node else {
                        return .failure(.wrongType(record: index, label: label.text))
                    }
                    return .success(s)
                }
                do {
                    switch label {
                    case .bn: baseName = try text().get()
                    case .bt: baseTime = try number().get().0
                    case .bu: baseUnit = try text().get()
                    case .bv: baseValue = try decimal().get()
                    case .bs: baseSum = try decimal().get()
                    case .bver:
                        guard case .number(let d, let exact?) = node, exact.exponent >= 0, d >= 0, d < 1_000_000 else {
                            return .failure(.wrongType(record: index, label: "bver"))
                        }
                        version = Int(d)
                    case .n: name = try text().get()
                    case .u: unit = try text().get()
                    case .v:
                        value = .number(try decimal().get())
                        valueCount += 1
                    case .vs:
                        value = .string(try text().get())
                        valueCount += 1
                    case .vb:
                        guard case .bool(let flag) = node else {
                            return .failure(.wrongType(record: index, label: "vb"))
                        }
                        value = .bool(flag)
                        valueCount += 1
                    case .vd:
                        switch node {
                        case .bytes(let data): value = .data(data)
                        case .text(let s):
                            guard let data = ReferenceBase64URL.decode(s) else {
                                return .failure(.invalidBase64(record: index))
                            }
                            value = .data(data)
                        default: return .failure(.wrongType(record: index, label: "vd"))
                        }
                        valueCount += 1
                    case .s: sum = try decimal().get()
                    case .t: time = try number().get().0
                    case .ut: updateTime = try number().get().0
                    case .unknown(let l):
                        if l.hasSuffix("_") { return .failure(.mustUnderstand(record: index, label: l)) }
                    case .unknownInteger:
                        break
                    }
                } catch {
                    return .failure(error)
                }
            }
            if let version {
                if version > SenMLPack.version { return .failure(.versionTooNew(record: index, version: version)) }
                if let packVersion, packVersion != version { return .failure(.versionMismatch(record: index)) }
                packVersion = version
            }
            if valueCount > 1 { return .failure(.multipleValues(record: index)) }
            let localName = name ?? ""
            if baseName.isEmpty && localName.isEmpty { return .failure(.missingName(record: index)) }
            if !isValidName(baseName, localName) { return .failure(.invalidName(record: index)) }
            // §4.5.4: the base value is added to a numeric value; a missing v with a base value gives the base value.
            if case .number(let v)? = value, let baseValue {
                value = .number(baseValue.adding(v))
            } else if value == nil, let baseValue {
                value = .number(baseValue)
            }
            if sum != nil || baseSum != nil {
                sum = (baseSum ?? DecimalValue(mantissa: 0, exponent: 0)).adding(
                    sum ?? DecimalValue(mantissa: 0, exponent: 0))
            }
            if value == nil && sum == nil { return .failure(.noValue(record: index)) }
            records.append(
                SenMLRecord(
                    index: index, baseName: baseName, localName: localName, unit: unit ?? baseUnit, value: value,
                    sum: sum,
                    time: baseTime + time, updateTime: updateTime, version: packVersion ?? SenMLPack.version))
        }
        return .success(records)
    }

    static func isValidName(_ base: String, _ name: String) -> Bool {
        guard let first = base.utf8.first ?? name.utf8.first, SenMLPack.isNameStart(first) else { return false }
        return base.utf8.allSatisfy(SenMLPack.isNameByte) && name.utf8.allSatisfy(SenMLPack.isNameByte)
    }

    static func decodeJSON(_ bytes: [UInt8]) -> Result<[SenMLRecord], SenMLProblem> {
        bytes.withUnsafeBytes { ReferenceJSONReader.parse($0).flatMap(resolve) }
    }

    static func decodeCBOR(_ bytes: [UInt8]) -> Result<[SenMLRecord], SenMLProblem> {
        bytes.withUnsafeBytes { ReferenceCBORReader.parse($0).flatMap(resolve) }
    }
}

enum ReferenceBase64URL {
    static func decode(_ text: String) -> [UInt8]? {
        var out: [UInt8] = []
        var buffer: UInt32 = 0
        var bits = 0
        for c in text.utf8 {
            let v: UInt32
            switch c {
            case 0x41...0x5A: v = UInt32(c - 0x41)
            case 0x61...0x7A: v = UInt32(c - 0x61 + 26)
            case 0x30...0x39: v = UInt32(c - 0x30 + 52)
            case UInt8(ascii: "-"): v = 62
            case UInt8(ascii: "_"): v = 63
            default: return nil
            }
            buffer = buffer << 6 | v
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: buffer >> UInt32(bits)))
            }
        }
        // A single leftover character (6 bits) cannot encode a byte.
        return bits >= 6 ? nil : out
    }
}
