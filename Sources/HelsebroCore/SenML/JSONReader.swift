/// A strict RFC 8259 JSON reader producing `SenMLNode`s, without Foundation.
///
/// Object keys become SenML labels. Depth is bounded so hostile input cannot exhaust the stack.
struct JSONReader {
    let b: UnsafeRawBufferPointer
    var i = 0
    var depth = 0
    static let maxDepth = 32

    init(_ bytes: UnsafeRawBufferPointer) { b = bytes }

    static func parse(_ bytes: UnsafeRawBufferPointer) -> Result<SenMLNode, SenMLProblem> {
        var r = JSONReader(bytes)
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

    mutating func value() throws(SenMLProblem) -> SenMLNode {
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
        if depth > JSONReader.maxDepth { throw SenMLProblem.nestingTooDeep }
    }

    mutating func object() throws(SenMLProblem) -> SenMLNode {
        try enter()
        i += 1
        // JSON does not say how many members or items follow: room for a SenML record's usual few, so that the
        // array is allocated once rather than grown (CBOR announces its counts).
        var members: [(key: SenMLLabel, value: SenMLNode)] = []
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
            members.append((SenMLLabel(json: key), try value()))
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

    mutating func array() throws(SenMLProblem) -> SenMLNode {
        try enter()
        i += 1
        var items: [SenMLNode] = []
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

    mutating func number() throws(SenMLProblem) -> SenMLNode {
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
