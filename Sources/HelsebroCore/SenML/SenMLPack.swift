/// A SenML value after resolution (RFC 8428 §4.5.4).
public enum SenMLValue: Hashable, Sendable {
    case number(DecimalValue)
    case string(String)
    case bool(Bool)
    case data([UInt8])
}

/// A resolved SenML record (RFC 8428 §4.6): base fields applied, name complete, time absolute or relative.
public struct SenMLRecord: Hashable, Sendable {
    public var index: Int
    /// The base name in force (`bn`) and the record's own name (`n`), kept apart: the resolved name is the two
    /// joined (`name`), which the decode loop matches without building it.
    public var baseName: String
    public var localName: String
    /// The SenML unit symbol as sent (`Cel`, `Pa`, `%`), or nil.
    public var unit: String?
    public var value: SenMLValue?
    public var sum: DecimalValue?
    /// bt + t in seconds: below 2²⁸ relative to now, otherwise POSIX time (§4.5.3).
    public var time: Double
    public var updateTime: Double?
    public var version: Int

    /// The resolved name (RFC 8428 §4.5.1): base name and name joined.
    public var name: String { baseName + localName }

    /// Seconds at or above which a resolved time is absolute (RFC 8428 §4.5.3).
    public static let absoluteTimeThreshold: Double = 268_435_456

    /// Places the record's time: absolute as is, relative against `receiveTime`.
    public func timestamp(receiveTime: Timestamp?) -> (time: Timestamp?, relative: Bool) {
        Self.timestamp(time, receiveTime: receiveTime)
    }

    /// Places a resolved time: absolute as is, relative against `receiveTime`.
    ///
    /// A time far outside any plausible one (`1e300`, an infinite half float) saturates at ±9 × 10¹⁸ µs, which
    /// validation then rejects as before 2000 or in the future, rather than trapping on the conversion.
    static func timestamp(_ time: Double, receiveTime: Timestamp?) -> (time: Timestamp?, relative: Bool) {
        if time >= SenMLRecord.absoluteTimeThreshold {
            return (Timestamp(microseconds: Self.saturatedMicroseconds(time)), false)
        }
        guard let receiveTime else { return (nil, true) }
        let offset = Self.saturatedMicroseconds(time)
        let (sum, overflow) = receiveTime.microseconds.addingReportingOverflow(offset)
        return (Timestamp(microseconds: overflow ? (offset < 0 ? -Self.saturation : Self.saturation) : sum), true)
    }

    static let saturation: Int64 = 9_000_000_000_000_000_000

    static func saturatedMicroseconds(_ seconds: Double) -> Int64 {
        let us = (seconds * 1_000_000).rounded()
        if us.isNaN || us >= Double(saturation) { return saturation }
        if us <= -Double(saturation) { return -saturation }
        return Int64(us)
    }
}

/// A resolved SenML record as the decode loop sees it: names, unit and text values are the payload's bytes (or
/// the tape's scratch), valid only while the pack is read.
struct SenMLRecordView {
    enum Value {
        case number(DecimalValue)
        case string(UnsafeRawBufferPointer)
        case bool(Bool)
        case data(UnsafeRawBufferPointer)
        /// `vd` sent as base64url text (JSON); checked, decoded only when a `SenMLRecord` is made.
        case base64(UnsafeRawBufferPointer)
    }

    var index: Int
    var baseName: UnsafeRawBufferPointer
    var localName: UnsafeRawBufferPointer
    var unit: UnsafeRawBufferPointer?
    var value: Value?
    var sum: DecimalValue?
    var time: Double
    var updateTime: Double?
    var version: Int
}

extension SenMLRecord {
    init(_ view: SenMLRecordView) {
        func text(_ b: UnsafeRawBufferPointer) -> String { String(decoding: b, as: UTF8.self) }
        let value: SenMLValue? =
            switch view.value {
            case .number(let d): .number(d)
            case .string(let b): .string(text(b))
            case .bool(let flag): .bool(flag)
            case .data(let b): .data(Array(b))
            case .base64(let b): .data(Base64URL.decode(b) ?? [])
            case nil: nil
            }
        self.init(
            index: view.index, baseName: text(view.baseName), localName: text(view.localName),
            unit: view.unit.map(text), value: value, sum: view.sum, time: view.time, updateTime: view.updateTime,
            version: view.version)
    }
}

/// SenML packs (RFC 8428) in JSON and CBOR.
public enum SenMLPack {
    /// The version of SenML this reader understands (RFC 8428 §4.4: the default `bver`).
    public static let version = 10

    public static func decodeJSON(_ bytes: UnsafeRawBufferPointer) -> Result<[SenMLRecord], SenMLProblem> {
        decode(bytes, cbor: false)
    }

    public static func decodeCBOR(_ bytes: UnsafeRawBufferPointer) -> Result<[SenMLRecord], SenMLProblem> {
        decode(bytes, cbor: true)
    }

    public static func decodeJSON(_ bytes: [UInt8]) -> Result<[SenMLRecord], SenMLProblem> {
        bytes.withUnsafeBytes { decodeJSON($0) }
    }

    public static func decodeCBOR(_ bytes: [UInt8]) -> Result<[SenMLRecord], SenMLProblem> {
        bytes.withUnsafeBytes { decodeCBOR($0) }
    }

    static func decode(_ bytes: UnsafeRawBufferPointer, cbor: Bool) -> Result<[SenMLRecord], SenMLProblem> {
        var records: [SenMLRecord] = []
        if let problem = read(bytes, cbor: cbor, { records.append(SenMLRecord($0)) }) { return .failure(problem) }
        return .success(records)
    }

    /// Reads a pack in place and hands each resolved record to `body`, in order, without allocating.
    ///
    /// The whole payload is read before the first record is handed over (a syntax error anywhere refuses the
    /// pack), but records are resolved as they are handed over: a problem returned after some records were handed
    /// over means the pack is refused all the same.
    static func read(
        _ bytes: UnsafeRawBufferPointer, cbor: Bool, _ body: (SenMLRecordView) -> Void
    ) -> SenMLProblem? {
        SenMLTape.with(bytes, scratch: !cbor) { tape in
            if let problem = cbor ? CBORReader.read(bytes, into: &tape) : JSONReader.read(bytes, into: &tape) {
                return problem
            }
            return resolve(tape, body)
        }
    }

    /// Applies base fields record by record (RFC 8428 §4.5): each base field holds until a later record carries
    /// the same base field again (§4, §5.1.6).
    static func resolve(_ tape: SenMLTape, _ body: (SenMLRecordView) -> Void) -> SenMLProblem? {
        let root = tape[0]
        guard root.kind == .array else { return .notAnArray }
        let empty = UnsafeRawBufferPointer(start: nil, count: 0)
        var baseName = empty
        var baseTime = 0.0
        var baseUnit: UnsafeRawBufferPointer?
        var baseValue: DecimalValue?
        var baseSum: DecimalValue?
        var packVersion: Int?
        var next = 1
        for index in 0..<Int(root.count) {
            let record = tape[next]
            let firstKey = next + 1
            next = Int(record.end)
            guard record.kind == .map else { return .recordNotAMap(record: index) }
            // Duplicate labels: a record has a handful, compared in place; a set only for a (hostile) record of
            // many, where comparing each with all before it would be quadratic. A set per record was 40 % of
            // resolving a pack.
            var seen = record.count > 16 ? Set<SenMLKey.HashableKey>() : nil
            var name: UnsafeRawBufferPointer?
            var unit: UnsafeRawBufferPointer?
            var value: SenMLRecordView.Value?
            var valueCount = 0
            var sum: DecimalValue?
            var time = 0.0
            var updateTime: Double?
            var version: Int?
            var keyAt = firstKey
            for _ in 0..<Int(record.count) {
                let key = SenMLKey(tape[keyAt], on: tape)
                let node = tape[Int(tape[keyAt].end)]
                var duplicate = false
                if seen != nil {
                    duplicate = !seen!.insert(key.hashable).inserted
                } else {
                    var earlier = firstKey
                    while earlier < keyAt, !duplicate {
                        duplicate = SenMLKey(tape[earlier], on: tape).same(as: key)
                        earlier = Int(tape[Int(tape[earlier].end)].end)
                    }
                }
                keyAt = Int(node.end)
                if duplicate { return .duplicateLabel(record: index, label: key.description) }
                let label = key.label
                func number() -> Result<Double, SenMLProblem> {
                    guard node.kind == .number else { return .failure(.wrongType(record: index, label: label.name)) }
                    guard node.double.isFinite else {
                        return .failure(.numberOutOfRange(record: index, label: label.name))
                    }
                    return .success(node.double)
                }
                func decimal() -> Result<DecimalValue, SenMLProblem> {
                    number().flatMap { d in
                        if let exact = node.exact { return .success(exact) }
                        guard let rounded = DecimalValue(shortest: d) else {
                            return .failure(.numberOutOfRange(record: index, label: label.name))
                        }
                        return .success(rounded)
                    }
                }
                func text() -> Result<UnsafeRawBufferPointer, SenMLProblem> {
                    guard node.kind == .text else { return .failure(.wrongType(record: index, label: label.name)) }
                    return .success(tape.bytes(node))
                }
                do {
                    switch label {
                    case .bn: baseName = try text().get()
                    case .bt: baseTime = try number().get()
                    case .bu: baseUnit = try text().get()
                    case .bv: baseValue = try decimal().get()
                    case .bs: baseSum = try decimal().get()
                    case .bver:
                        guard node.kind == .number, let exact = node.exact, exact.exponent >= 0, node.double >= 0,
                            node.double < 1_000_000
                        else {
                            return .wrongType(record: index, label: "bver")
                        }
                        version = Int(node.double)
                    case .n: name = try text().get()
                    case .u: unit = try text().get()
                    case .v:
                        value = .number(try decimal().get())
                        valueCount += 1
                    case .vs:
                        value = .string(try text().get())
                        valueCount += 1
                    case .vb:
                        guard node.kind == .bool else { return .wrongType(record: index, label: "vb") }
                        value = .bool(node.flag)
                        valueCount += 1
                    case .vd:
                        switch node.kind {
                        case .bytes: value = .data(tape.bytes(node))
                        case .text:
                            guard Base64URL.isValid(tape.bytes(node)) else { return .invalidBase64(record: index) }
                            value = .base64(tape.bytes(node))
                        default: return .wrongType(record: index, label: "vd")
                        }
                        valueCount += 1
                    case .s: sum = try decimal().get()
                    case .t: time = try number().get()
                    case .ut: updateTime = try number().get()
                    case .unknownText:
                        if key.mustBeUnderstood { return .mustUnderstand(record: index, label: key.description) }
                    case .unknownInteger:
                        break
                    }
                } catch {
                    return error
                }
            }
            if let version {
                if version > SenMLPack.version { return .versionTooNew(record: index, version: version) }
                if let packVersion, packVersion != version { return .versionMismatch(record: index) }
                packVersion = version
            }
            if valueCount > 1 { return .multipleValues(record: index) }
            let localName = name ?? empty
            if baseName.isEmpty && localName.isEmpty { return .missingName(record: index) }
            if !isValidName(baseName, localName) { return .invalidName(record: index) }
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
            if value == nil && sum == nil { return .noValue(record: index) }
            body(
                SenMLRecordView(
                    index: index, baseName: baseName, localName: localName, unit: unit ?? baseUnit, value: value,
                    sum: sum, time: baseTime + time, updateTime: updateTime,
                    version: packVersion ?? SenMLPack.version))
        }
        return nil
    }

    /// RFC 8428 §4.5.1: only `A–Z a–z 0–9 - : . / _`, starting with a letter or digit; of the base name and name
    /// joined.
    static func isValidName(_ base: UnsafeRawBufferPointer, _ name: UnsafeRawBufferPointer) -> Bool {
        guard let first = base.first ?? name.first, isNameStart(first) else { return false }
        return base.allSatisfy(isNameByte) && name.allSatisfy(isNameByte)
    }

    static func isNameStart(_ c: UInt8) -> Bool {
        (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A)
    }

    static func isNameByte(_ c: UInt8) -> Bool {
        isNameStart(c) || c == UInt8(ascii: "-") || c == UInt8(ascii: ":") || c == UInt8(ascii: ".")
            || c == UInt8(ascii: "/") || c == UInt8(ascii: "_")
    }
}

extension DecimalValue {
    /// Exact sum when the mantissas allow it; otherwise the nearest with 15 significant digits.
    public func adding(_ other: DecimalValue) -> DecimalValue {
        let e = min(exponent, other.exponent)
        func scaled(_ d: DecimalValue) -> Int64? {
            var m = d.mantissa
            for _ in 0..<(Int(d.exponent) - Int(e)) {
                let (r, o) = m.multipliedReportingOverflow(by: 10)
                if o { return nil }
                m = r
            }
            return m
        }
        if let a = scaled(self), let b = scaled(other) {
            let (s, o) = a.addingReportingOverflow(b)
            if !o { return DecimalValue(mantissa: s, exponent: e) }
        }
        return DecimalValue(shortest: double + other.double) ?? self
    }
}

/// base64url without padding (RFC 4648 §5), as RFC 8428 §5 requires for `vd`.
enum Base64URL {
    /// Whether `text` is base64url without padding: only its alphabet, and not one character left over (6 bits
    /// cannot make a byte).
    static func isValid(_ text: UnsafeRawBufferPointer) -> Bool {
        text.count % 4 != 1 && text.allSatisfy { value($0) != nil }
    }

    static func decode(_ text: UnsafeRawBufferPointer) -> [UInt8]? {
        var out: [UInt8] = []
        var buffer: UInt32 = 0
        var bits = 0
        for c in text {
            guard let v = value(c) else { return nil }
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

    static func value(_ c: UInt8) -> UInt32? {
        switch c {
        case 0x41...0x5A: UInt32(c - 0x41)
        case 0x61...0x7A: UInt32(c - 0x61 + 26)
        case 0x30...0x39: UInt32(c - 0x30 + 52)
        case UInt8(ascii: "-"): 62
        case UInt8(ascii: "_"): 63
        default: nil
        }
    }
}

extension SenMLPack {
    /// Whether a fragment (such as a profile's name suffix) uses only SenML name characters.
    public static func isValidNameFragment(_ s: String) -> Bool { s.utf8.allSatisfy(isNameByte) }
}
