#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// An HL7 v2 message read in place: segments, fields and components are byte ranges of the payload, so the decode
/// loop reads an ORU^R01 without building a String or an array. Only an escape sequence in a field the loop reads as
/// a number or code, or MLLP framing bytes, make a copy.
///
/// `HL7Message` (the message as Strings, for `helsebro decode` and the ingest path's fallback) is built from this
/// reader, and `HL7Result` from its observations: there is one HL7 parser.
struct HL7Text {
    let bytes: UnsafeRawBufferPointer
    let separators: HL7Message.Separators
    /// Where MSH-1 is: field 1 of every MSH segment is the field separator itself.
    let fieldSeparatorIndex: Int

    /// Opens the message in `body` when it is well formed: MSH first, MSH-1 and MSH-2 giving a field separator and
    /// four distinct encoding characters, every segment named by three capital letters or digits.
    ///
    /// MLLP framing bytes (0x0B, 0x1C) are removed first; that is the one case that copies the payload.
    static func open<R>(
        _ payload: UnsafeRawBufferPointer, _ body: (HL7Text) -> Result<R, HL7Problem>
    ) -> Result<R, HL7Problem> {
        if containsFraming(payload) {
            let cleaned = payload.filter { $0 != 0x0B && $0 != 0x1C }
            return cleaned.withUnsafeBytes { open($0, body) }
        }
        return check(payload).flatMap(body)
    }

    /// Whether the payload holds an MLLP framing byte (0x0B, 0x1C). `memchr` reads many bytes at a time; the byte
    /// loop it replaced was about 5 instructions a byte of every HL7 payload.
    static func containsFraming(_ payload: UnsafeRawBufferPointer) -> Bool {
        guard let base = payload.baseAddress, !payload.isEmpty else { return false }
        return memchr(base, 0x0B, payload.count) != nil || memchr(base, 0x1C, payload.count) != nil
    }

    /// The structural checks of `open`, on a payload without MLLP bytes.
    static func check(_ b: UnsafeRawBufferPointer) -> Result<HL7Text, HL7Problem> {
        guard let first = firstLine(b), first.count >= 8, b[first.lowerBound] == 0x4D, b[first.lowerBound + 1] == 0x53,
            b[first.lowerBound + 2] == 0x48
        else { return .failure(.missingMSH) }
        let fs = b[first.lowerBound + 3]
        var encodingEnd = first.lowerBound + 4
        while encodingEnd < first.upperBound, b[encodingEnd] != fs { encodingEnd += 1 }
        let e = first.lowerBound + 4
        func isAlphanumeric(_ c: UInt8) -> Bool { (c >= 0x30 && c <= 0x39) || (c | 0x20 >= 0x61 && c | 0x20 <= 0x7A) }
        guard fs < 0x80, !isAlphanumeric(fs), encodingEnd - e >= 4, b[e] < 0x80, b[e + 1] < 0x80, b[e + 2] < 0x80,
            b[e + 3] < 0x80, b[e] != b[e + 1], b[e] != b[e + 2], b[e] != b[e + 3], b[e + 1] != b[e + 2],
            b[e + 1] != b[e + 3], b[e + 2] != b[e + 3]
        else { return .failure(.badEncodingCharacters) }
        var index = 0
        var malformed: Int?
        forEachLine(b) { line in
            guard malformed == nil else { return }
            var end = line.lowerBound
            while end < line.upperBound, b[end] != fs { end += 1 }
            let nameIsValid =
                end - line.lowerBound == 3
                && b[line.lowerBound..<end].allSatisfy { ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x30 && $0 <= 0x39) }
            if !nameIsValid { malformed = index }
            index += 1
        }
        if let malformed { return .failure(.malformedSegment(index: malformed)) }
        let separators = HL7Message.Separators(
            field: fs, component: b[e], repetition: b[e + 1], escape: b[e + 2], subcomponent: b[e + 3])
        return .success(HL7Text(bytes: b, separators: separators, fieldSeparatorIndex: first.lowerBound + 3))
    }

    /// Segments end with `\r`; `\n` and `\r\n` are accepted too, and empty lines skipped.
    static func forEachLine(_ b: UnsafeRawBufferPointer, _ body: (Range<Int>) -> Void) {
        forEachNonEmptyPart(b, splitAt: { $0 == 0x0D || $0 == 0x0A }, body)
    }

    /// Each non-empty run of `b` between bytes for which `isSeparator` holds.
    static func forEachNonEmptyPart(
        _ b: UnsafeRawBufferPointer, splitAt isSeparator: (UInt8) -> Bool, _ body: (Range<Int>) -> Void
    ) {
        var start = 0
        for i in 0...b.count where i == b.count || isSeparator(b[i]) {
            if i > start { body(start..<i) }
            start = i + 1
        }
    }

    /// The first non-empty line, found without reading further.
    static func firstLine(_ b: UnsafeRawBufferPointer) -> Range<Int>? {
        var start = 0
        while start < b.count, b[start] == 0x0D || b[start] == 0x0A { start += 1 }
        guard start < b.count else { return nil }
        var end = start
        while end < b.count, b[end] != 0x0D, b[end] != 0x0A { end += 1 }
        return start..<end
    }

    func forEachSegment(_ body: (Range<Int>) -> Void) { Self.forEachLine(bytes, body) }

    /// Whether the segment's name is `name` (three ASCII bytes).
    func isSegment(_ segment: Range<Int>, _ name: StaticString) -> Bool {
        let n = name.utf8Start
        return segment.count >= 3 && bytes[segment.lowerBound] == n[0] && bytes[segment.lowerBound + 1] == n[1]
            && bytes[segment.lowerBound + 2] == n[2]
    }

    /// Each field of a segment with its number: 0 is the name, and for MSH field 1 is the field separator itself, so
    /// that field n is always MSH-n, OBX-n and so on.
    func forEachField(_ segment: Range<Int>, _ body: (Int, Range<Int>) -> Void) {
        let isMSH = isSegment(segment, "MSH")
        var n = 0
        forEachPart(of: segment, by: separators.field) { field in
            body(n, field)
            if n == 0 && isMSH {
                n += 1
                body(n, fieldSeparatorIndex..<fieldSeparatorIndex + 1)
            }
            n += 1
        }
    }

    /// The first `Fields.capacity` fields of a segment, found in one pass.
    func fields(_ segment: Range<Int>) -> Fields {
        var f = Fields()
        forEachField(segment) { n, range in
            if n < Fields.capacity { f.ranges[n] = range }
        }
        return f
    }

    /// Fields 0–19 of a segment as byte ranges; a field past the segment's end is empty.
    struct Fields {
        static let capacity = 20
        var ranges = InlineArray<20, Range<Int>>(repeating: 0..<0)
        subscript(_ n: Int) -> Range<Int> { ranges[n] }
    }

    /// Part `n` of `range` split on `separator`, empty when there are fewer parts.
    func part(_ n: Int, of range: Range<Int>, by separator: UInt8) -> Range<Int> {
        var k = 0
        var start = range.lowerBound
        for i in range.lowerBound...range.upperBound where i == range.upperBound || bytes[i] == separator {
            if k == n { return start..<i }
            k += 1
            start = i + 1
        }
        return range.upperBound..<range.upperBound
    }

    /// Each part of `range` split on `separator`, empty parts included.
    func forEachPart(of range: Range<Int>, by separator: UInt8, _ body: (Range<Int>) -> Void) {
        var start = range.lowerBound
        for i in range.lowerBound...range.upperBound where i == range.upperBound || bytes[i] == separator {
            body(start..<i)
            start = i + 1
        }
    }

    func component(_ n: Int, of range: Range<Int>) -> Range<Int> { part(n, of: range, by: separators.component) }

    /// The bytes of `range` with escape sequences resolved (a copy only when there is one).
    func withUnescaped<R>(_ range: Range<Int>, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        let slice = UnsafeRawBufferPointer(rebasing: bytes[range])
        guard slice.contains(separators.escape) else { return body(slice) }
        return HL7Message.unescape(slice, separators).withUnsafeBytes(body)
    }

    func equals(_ range: Range<Int>, _ text: StaticString) -> Bool {
        Self.equals(UnsafeRawBufferPointer(rebasing: bytes[range]), text)
    }

    static func equals(_ b: UnsafeRawBufferPointer, _ text: StaticString) -> Bool {
        b.count == text.utf8CodeUnitCount && b.elementsEqual(UnsafeBufferPointer(start: text.utf8Start, count: b.count))
    }

    /// Two hexadecimal digits as `UInt8(_:radix:)` reads them.
    static func hexByte(_ b: some Collection<UInt8>) -> UInt8? {
        UInt8(String(decoding: b, as: UTF8.self), radix: 16)
    }

    /// A decimal integer as Swift's `init?(_:)` reads one: an optional sign, then digits, nil on overflow.
    static func integer<T: FixedWidthInteger>(_ b: some Collection<UInt8>, as: T.Type = T.self) -> T? {
        var i = b.startIndex
        var negative = false
        if i < b.endIndex, b[i] == 0x2B || b[i] == 0x2D {
            negative = b[i] == 0x2D
            i = b.index(after: i)
        }
        guard i < b.endIndex else { return nil }
        var value: T = 0
        while i < b.endIndex {
            let c = b[i]
            guard c >= 0x30 && c <= 0x39 else { return nil }
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (v, o2) =
                negative ? m.subtractingReportingOverflow(T(c - 0x30)) : m.addingReportingOverflow(T(c - 0x30))
            if o1 || o2 { return nil }
            value = v
            i = b.index(after: i)
        }
        return value
    }
}

extension HL7Text {
    /// One numeric OBX read in place: what the decode loop needs, and the OBX's fields for the rest.
    struct NumericObservation {
        var index: Int
        var mdc: UInt32?
        /// OBX-3 is a LOINC code (its text: `loinc(in:)`).
        var isLOINC: Bool
        var value: DecimalValue
        var unit: UCUMUnit
        var time: Timestamp
        var fields: Fields

        /// The LOINC code as UTF-8 text; a LOINC code is ASCII, and as a String of at most 15 bytes stored inline.
        func loinc(in text: HL7Text) -> String? {
            isLOINC ? text.unescapedText(text.component(0, of: fields[3])) : nil
        }
    }

    /// Reads an ORU^R01: hands each numeric OBX to `visit`, read or with its problem, in message order. Non-numeric
    /// OBXs (device hierarchy, coded values) and deleted ones (OBX-11 `D`) are skipped. Returns a problem of the whole
    /// message (not ORU^R01; no numeric OBX at all), which is always found before anything is visited.
    ///
    /// Times: OBX-14, else the nearest earlier OBX whose OBX-4 is an ancestor of this one's (the IHE examples put the
    /// time on the compound or channel OBX), else OBR-7. A time without a UTC offset is read with `clock`.
    func observations(clock: DeviceClock, _ visit: (Result<NumericObservation, HL7Problem>) -> Void) -> HL7Problem? {
        guard let msh = Self.firstLine(bytes) else { return .missingMSH }
        let type = fields(msh)[9]
        let isORU = withUnescaped(component(0, of: type)) { Self.equals($0, "ORU") }
        let isR01 = withUnescaped(component(1, of: type)) { Self.equals($0, "R01") }
        guard isORU, isR01 else { return .notORUR01 }

        var obrTime: Result<Timestamp, HL7Problem>?
        var ancestors = Ancestors()
        var position = 0
        var visited = false
        forEachSegment { segment in
            if isSegment(segment, "OBR") {
                let f = fields(segment)
                obrTime =
                    f[7].isEmpty
                    ? nil
                    : HL7Time.parse(bytes: slice(f[7]), clock: clock).map { .success($0) } ?? .failure(.badTime(obx: 0))
                ancestors.removeAll()
                return
            }
            guard isSegment(segment, "OBX") else { return }
            position += 1
            let f = fields(segment)
            let index = Self.integer(slice(f[1]), as: Int.self) ?? position
            func problem(_ p: HL7Problem) {
                visited = true
                visit(.failure(p))
            }
            var ownTime: Timestamp?
            if !f[14].isEmpty {
                guard let t = HL7Time.parse(bytes: slice(f[14]), clock: clock) else {
                    return problem(.badTime(obx: index))
                }
                ownTime = t
                ancestors.append(f[4], t)
            }
            guard equals(f[2], "NM") else { return }
            let status = slice(f[11])
            if Self.equals(status, "D") { return }
            let parsed: DecimalValue?? = withUnescaped(f[5]) { raw in
                var lo = raw.startIndex
                var hi = raw.endIndex
                while lo < hi, raw[lo] == 0x20 { lo += 1 }
                while hi > lo, raw[hi - 1] == 0x20 { hi -= 1 }
                return lo == hi ? nil : .some(DecimalValue(text: raw[lo..<hi]))
            }
            guard let parsed, !Self.equals(status, "X") else {
                return problem(.emptyValue(obx: index, invalid: Self.equals(status, "X")))
            }
            guard let value = parsed else { return problem(.notANumber(obx: index)) }
            let code = f[3]
            var mdc: UInt32?
            var isLOINC = false
            withUnescaped(component(2, of: code)) { system in
                if Self.equals(system, "MDC") {
                    mdc = withUnescaped(component(0, of: code)) { Self.integer($0) }
                } else if Self.equals(system, "LN") || Self.equals(system, "LOINC") {
                    isLOINC = !withUnescaped(component(0, of: code)) { $0.isEmpty }
                }
            }
            if mdc == nil && !isLOINC { return problem(.noCode(obx: index)) }
            let unitCode = unescapedText(component(0, of: f[6]))
            guard let unit = HL7Units.unit(code: unitCode, system: unescapedText(component(2, of: f[6]))) else {
                return problem(.unknownUnit(obx: index))
            }
            var time = ownTime
            if time == nil { time = ancestors.nearest(ancestorOf: f[4], in: bytes) }
            if time == nil, let obrTime {
                switch obrTime {
                case .success(let t): time = t
                case .failure: return problem(.badTime(obx: index))
                }
            }
            guard let time else { return problem(.noTime(obx: index)) }
            visited = true
            visit(
                .success(
                    NumericObservation(
                        index: index, mdc: mdc, isLOINC: isLOINC, value: value, unit: unit, time: time, fields: f)))
        }
        return visited ? nil : .noObservations
    }

    func slice(_ range: Range<Int>) -> UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: bytes[range]) }

    /// A short code as text (a unit, a coding system): a String of up to 15 UTF-8 bytes is stored inline, so this
    /// allocates nothing for the codes HL7 uses.
    func unescapedText(_ range: Range<Int>) -> String {
        withUnescaped(range) { String(decoding: $0, as: UTF8.self) }
    }

    /// The OBXs since the last OBR that carried their own time, by OBX-4: the first eight kept inline.
    struct Ancestors {
        var inline = InlineArray<8, (subID: Range<Int>, time: Timestamp)>(
            repeating: (0..<0, Timestamp(microseconds: 0)))
        var count = 0
        var overflow: [(subID: Range<Int>, time: Timestamp)] = []

        mutating func append(_ subID: Range<Int>, _ time: Timestamp) {
            if count < 8 { inline[count] = (subID, time) } else { overflow.append((subID, time)) }
            count += 1
        }

        mutating func removeAll() {
            count = 0
            overflow.removeAll(keepingCapacity: true)
        }

        /// The time of the latest ancestor of `subID` (`1.0.1` is the parent of `1.0.1.1`).
        func nearest(ancestorOf subID: Range<Int>, in bytes: UnsafeRawBufferPointer) -> Timestamp? {
            var i = count - 1
            while i >= 0 {
                let a = i < 8 ? inline[i] : overflow[i - 8]
                if !a.subID.isEmpty,
                    HL7Text.hasAncestorPrefix(
                        UnsafeRawBufferPointer(rebasing: bytes[subID]), UnsafeRawBufferPointer(rebasing: bytes[a.subID])
                    )
                {
                    return a.time
                }
                i -= 1
            }
            return nil
        }
    }

    /// Whether `subID` starts with the prefix `ancestor` gives its children: its dot-separated levels without the
    /// trailing `.0` levels, which mean "not used" (IHE PCD TF Annex A, flat option), then a dot. Empty levels are
    /// skipped.
    static func hasAncestorPrefix(_ subID: UnsafeRawBufferPointer, _ ancestor: UnsafeRawBufferPointer) -> Bool {
        var levels = 0
        var trailingZeros = 0
        forEachLevel(ancestor) { level in
            levels += 1
            trailingZeros = level.count == 1 && ancestor[level.lowerBound] == 0x30 ? trailingZeros + 1 : 0
        }
        let kept = levels - min(trailingZeros, max(levels - 1, 0))
        var at = 0
        var matched = true
        var level = 0
        forEachLevel(ancestor) { range in
            guard matched, level < kept else { return }
            level += 1
            for i in range {
                guard at < subID.count, subID[at] == ancestor[i] else {
                    matched = false
                    return
                }
                at += 1
            }
            if level < kept {
                guard at < subID.count, subID[at] == 0x2E else {
                    matched = false
                    return
                }
                at += 1
            }
        }
        return matched && at < subID.count && subID[at] == 0x2E
    }

    /// The non-empty dot-separated levels of a sub-ID.
    static func forEachLevel(_ b: UnsafeRawBufferPointer, _ body: (Range<Int>) -> Void) {
        forEachNonEmptyPart(b, splitAt: { $0 == 0x2E }, body)
    }
}
