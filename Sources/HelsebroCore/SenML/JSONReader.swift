/// A strict RFC 8259 JSON reader that lays a SenML pack out on a `SenMLTape`, without Foundation and without
/// allocating: strings stay where they are in the payload unless they have escapes.
///
/// Depth is bounded so hostile input cannot exhaust the stack.
struct JSONReader {
    let b: UnsafeRawBufferPointer
    var i = 0
    var depth = 0
    static let maxDepth = 32

    init(_ bytes: UnsafeRawBufferPointer) { b = bytes }

    /// Reads the whole payload onto `tape` (the root is item 0).
    static func read(_ bytes: UnsafeRawBufferPointer, into tape: inout SenMLTape) -> SenMLProblem? {
        var r = JSONReader(bytes)
        do {
            r.skipSpace()
            try r.value(&tape)
            r.skipSpace()
            if r.i != bytes.count { return .trailingData(offset: r.i) }
            return nil
        } catch {
            return error
        }
    }

    mutating func skipSpace() {
        while i < b.count, b[i] == 0x20 || b[i] == 0x0A || b[i] == 0x0D || b[i] == 0x09 { i += 1 }
    }

    func fail() -> SenMLProblem { .malformedJSON(offset: i) }

    mutating func value(_ tape: inout SenMLTape) throws(SenMLProblem) {
        guard i < b.count else { throw fail() }
        switch b[i] {
        case UInt8(ascii: "{"): try object(&tape)
        case UInt8(ascii: "["): try array(&tape)
        case UInt8(ascii: "\""): try string(&tape)
        case UInt8(ascii: "t"):
            try literal("true")
            tape.append(.bool(true))
        case UInt8(ascii: "f"):
            try literal("false")
            tape.append(.bool(false))
        case UInt8(ascii: "n"):
            try literal("null")
            tape.append(SenMLItem(.null))
        default: try number(&tape)
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

    mutating func object(_ tape: inout SenMLTape) throws(SenMLProblem) {
        try enter()
        i += 1
        let index = tape.append(SenMLItem(.map))
        var members = 0
        skipSpace()
        if i < b.count, b[i] == UInt8(ascii: "}") {
            i += 1
            depth -= 1
            tape.close(index, count: 0)
            return
        }
        while true {
            skipSpace()
            guard i < b.count, b[i] == UInt8(ascii: "\"") else { throw fail() }
            try string(&tape)
            skipSpace()
            guard i < b.count, b[i] == UInt8(ascii: ":") else { throw fail() }
            i += 1
            skipSpace()
            try value(&tape)
            members += 1
            skipSpace()
            guard i < b.count else { throw fail() }
            if b[i] == UInt8(ascii: ",") {
                i += 1
                continue
            }
            guard b[i] == UInt8(ascii: "}") else { throw fail() }
            i += 1
            depth -= 1
            tape.close(index, count: members)
            return
        }
    }

    mutating func array(_ tape: inout SenMLTape) throws(SenMLProblem) {
        try enter()
        i += 1
        let index = tape.append(SenMLItem(.array))
        var items = 0
        skipSpace()
        if i < b.count, b[i] == UInt8(ascii: "]") {
            i += 1
            depth -= 1
            tape.close(index, count: 0)
            return
        }
        while true {
            skipSpace()
            try value(&tape)
            items += 1
            skipSpace()
            guard i < b.count else { throw fail() }
            if b[i] == UInt8(ascii: ",") {
                i += 1
                continue
            }
            guard b[i] == UInt8(ascii: "]") else { throw fail() }
            i += 1
            depth -= 1
            tape.close(index, count: items)
            return
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

    /// Reads a string onto the tape: its bytes where they are when it has no escapes, else unescaped into scratch.
    mutating func string(_ tape: inout SenMLTape) throws(SenMLProblem) {
        i += 1
        let start = i
        // The common case (SenML keys, names and units): no escapes up to the closing quote. Those bytes are the
        // text, with nothing to unescape, and nothing to validate if they are ASCII.
        var end = i
        var ascii = true
        while end < b.count {
            let c = b[end]
            if c == UInt8(ascii: "\"") || c == UInt8(ascii: "\\") || c < 0x20 { break }
            if c >= 0x80 { ascii = false }
            end += 1
        }
        var item = SenMLItem(.text)
        if end < b.count, b[end] == UInt8(ascii: "\"") {
            i = end + 1
            guard ascii || UTF8Check.isValid(UnsafeRawBufferPointer(rebasing: b[start..<end])) else {
                throw SenMLProblem.invalidUTF8(offset: start)
            }
            item.start = Int32(start)
            item.length = Int32(end - start)
            tape.append(item)
            return
        }
        let outStart = tape.scratchUsed
        var o = outStart
        func put(_ byte: UInt8) {
            tape.scratch[o] = byte
            o += 1
        }
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
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): put(e)
                case UInt8(ascii: "b"): put(0x08)
                case UInt8(ascii: "f"): put(0x0C)
                case UInt8(ascii: "n"): put(0x0A)
                case UInt8(ascii: "r"): put(0x0D)
                case UInt8(ascii: "t"): put(0x09)
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
                    UTF8.encode(u, into: put)
                default: throw fail()
                }
            } else {
                put(c)
                i += 1
            }
        }
        tape.scratchUsed = o
        item.inScratch = true
        item.start = Int32(outStart)
        item.length = Int32(o - outStart)
        guard UTF8Check.isValid(tape.bytes(item)) else { throw SenMLProblem.invalidUTF8(offset: start) }
        tape.append(item)
    }

    mutating func number(_ tape: inout SenMLTape) throws(SenMLProblem) {
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
        let exact = DecimalValue(text: text)
        guard let d = JSONReader.double(text, exact: exact) else { throw fail() }
        tape.append(.number(d, exact))
    }

    /// The nearest Double to a JSON number. When its decimal form has a mantissa below 2⁵³ and a power of ten up to
    /// 10²², both are exact Doubles and one IEEE multiplication or division rounds correctly, as strtod does
    /// (Clinger's fast path), with no String made; other numbers are read by the standard library.
    static func double(_ text: UnsafeRawBufferPointer, exact: DecimalValue?) -> Double? {
        if let exact, exact.mantissa.magnitude < 1 << 53, (-22...22).contains(exact.exponent) {
            if exact.mantissa == 0 { return text.first == UInt8(ascii: "-") ? -0.0 : 0.0 }
            return exact.double
        }
        return Double(String(decoding: text, as: UTF8.self))
    }
}
