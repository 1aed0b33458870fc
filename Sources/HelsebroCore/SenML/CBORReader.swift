/// A CBOR (RFC 8949) reader producing `SenMLNode`s, for `senml+cbor` (RFC 8428 §6).
///
/// Numbers may arrive as integers, half, single or double floats, or tag-4 decimal fractions (RIOT OS sends 61.5 as
/// `c4 82 20 19 0267`); a decimal fraction keeps its exact value. Indefinite-length items are refused: SenML packs
/// are definite-length, SensML streams are not accepted on these channels.
struct CBORReader {
    let b: UnsafeRawBufferPointer
    var i = 0
    var depth = 0

    init(_ bytes: UnsafeRawBufferPointer) { b = bytes }

    static func parse(_ bytes: UnsafeRawBufferPointer) -> Result<SenMLNode, SenMLProblem> {
        var r = CBORReader(bytes)
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

    mutating func item() throws(SenMLProblem) -> SenMLNode {
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
            if depth > JSONReader.maxDepth { throw SenMLProblem.nestingTooDeep }
            var items: [SenMLNode] = []
            // Not `n`: every nested array may announce as many items as there are bytes left, and reserving each
            // would let one 256 KiB payload ask for 32 levels × 256 K nodes before a single item is read.
            items.reserveCapacity(min(n, 16))
            for _ in 0..<n { items.append(try item()) }
            depth -= 1
            return .array(items)
        case 5:
            let n = try length(info, at: start)
            depth += 1
            if depth > JSONReader.maxDepth { throw SenMLProblem.nestingTooDeep }
            var members: [(key: SenMLLabel, value: SenMLNode)] = []
            for _ in 0..<n {
                let key: SenMLLabel
                switch try item() {
                case .number(_, let d?) where d.exponent == 0: key = SenMLLabel(cbor: d.mantissa)
                case .text(let s): key = SenMLLabel(json: s)
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
    func float(_ f: Float) -> SenMLNode {
        .number(Double(f), f.isFinite ? DecimalValue(text: Array(f.description.utf8)) : nil)
    }
}

/// IEEE 754 binary16 to `Float`, done by hand: `Float16` is not available on every platform Swift builds for.
enum Float16Bits {
    static func decode(_ h: UInt16) -> Float {
        let sign: Float = h & 0x8000 != 0 ? -1 : 1
        let exponent = Int((h >> 10) & 0x1F)
        let fraction = Float(h & 0x3FF)
        switch exponent {
        case 0: return sign * fraction * Float(sign: .plus, exponent: -24, significand: 1)
        case 31: return fraction == 0 ? sign * .infinity : .nan
        default: return sign * (1 + fraction / 1024) * Float(sign: .plus, exponent: exponent - 15, significand: 1)
        }
    }
}
