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

    /// Reads the whole payload onto `tape` (the root is item 0).
    static func read(_ bytes: UnsafeRawBufferPointer, into tape: inout SenMLTape) -> SenMLProblem? {
        var r = CBORReader(bytes)
        do {
            try r.item(&tape)
            if r.i != bytes.count { return .trailingData(offset: r.i) }
            return nil
        } catch {
            return error
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

    mutating func item(_ tape: inout SenMLTape) throws(SenMLProblem) {
        let start = i
        let initial = try byte()
        let major = initial >> 5
        let info = initial & 0x1F
        switch major {
        case 0:
            guard let n = try argument(info) else { throw fail() }
            tape.append(
                .number(Double(n), n <= UInt64(Int64.max) ? DecimalValue(mantissa: Int64(n), exponent: 0) : nil))
        case 1:
            guard let n = try argument(info) else { throw fail() }
            let value = -1 - Double(n)
            tape.append(
                .number(value, n < UInt64(Int64.max) ? DecimalValue(mantissa: -1 - Int64(n), exponent: 0) : nil))
        case 2, 3:
            let n = try length(info, at: start)
            var item = SenMLItem(major == 2 ? .bytes : .text)
            item.start = Int32(i)
            item.length = Int32(n)
            if major == 3, !UTF8Check.isValid(tape.bytes(item)) { throw SenMLProblem.invalidUTF8(offset: i) }
            i += n
            tape.append(item)
        case 4, 5:
            let n = try length(info, at: start)
            depth += 1
            if depth > JSONReader.maxDepth { throw SenMLProblem.nestingTooDeep }
            let index = tape.append(SenMLItem(major == 4 ? .array : .map))
            // A map's keys are items too: the resolver reads a label from an integer or text key.
            for _ in 0..<(major == 4 ? n : 2 * n) { try item(&tape) }
            depth -= 1
            tape.close(index, count: n)
        case 6:
            guard let tag = try argument(info) else { throw fail() }
            // Tags nest like arrays: counted, or a payload of nothing but tag bytes would recurse once per byte.
            depth += 1
            if depth > JSONReader.maxDepth { throw SenMLProblem.nestingTooDeep }
            let inner = tape.count
            try item(&tape)
            depth -= 1
            guard tag == 4 else { return }
            // A decimal fraction (tag 4): [exponent, mantissa], both integers, replaced by the one number it is;
            // anything else under tag 4 is not a number SenML can use.
            let parts = tape[inner]
            var decimal: DecimalValue?
            if parts.kind == .array, parts.count == 2, parts.end == Int32(inner + 3),
                let e = tape[inner + 1].exact, tape[inner + 1].kind == .number, e.exponent == 0,
                let m = tape[inner + 2].exact, tape[inner + 2].kind == .number, m.exponent == 0,
                (-127...127).contains(e.mantissa)
            {
                decimal = DecimalValue(mantissa: m.mantissa, exponent: Int8(e.mantissa))
            }
            tape.truncate(to: inner)
            tape.append(decimal.map { .number($0.double, $0) } ?? SenMLItem(.other))
        default:
            switch info {
            case 20: tape.append(.bool(false))
            case 21: tape.append(.bool(true))
            case 22, 23: tape.append(SenMLItem(.null))
            case 25:
                guard let h = try argument(info) else { throw fail() }
                tape.append(float(Float16Bits.decode(UInt16(h))))
            case 26:
                guard let f = try argument(info) else { throw fail() }
                tape.append(float(Float(bitPattern: UInt32(f))))
            case 27:
                guard let d = try argument(info) else { throw fail() }
                let x = Double(bitPattern: d)
                tape.append(.number(x, DecimalValue(shortest: x)))
            case 31: throw SenMLProblem.indefiniteLength(offset: start)
            default:
                _ = try argument(info)
                tape.append(SenMLItem(.other))
            }
        }
    }

    /// A float keeps the shortest decimal that round-trips at its own width, as RFC 8428 §6 asks producers to choose.
    func float(_ f: Float) -> SenMLItem {
        .number(Double(f), f.isFinite ? DecimalValue(text: f.description.utf8) : nil)
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
