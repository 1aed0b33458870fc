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
    ///
    /// A time far outside any plausible one (`1e300`, an infinite half float) saturates at ±9 × 10¹⁸ µs, which
    /// validation then rejects as before 2000 or in the future, rather than trapping on the conversion.
    public func timestamp(receiveTime: Timestamp?) -> (time: Timestamp?, relative: Bool) {
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

/// SenML packs (RFC 8428) in JSON and CBOR.
public enum SenMLPack {
    /// The version of SenML this reader understands (RFC 8428 §4.4: the default `bver`).
    public static let version = 10

    public static func decodeJSON(_ bytes: UnsafeRawBufferPointer) -> Result<[SenMLRecord], SenMLProblem> {
        JSONReader.parse(bytes).flatMap(resolve)
    }

    public static func decodeCBOR(_ bytes: UnsafeRawBufferPointer) -> Result<[SenMLRecord], SenMLProblem> {
        CBORReader.parse(bytes).flatMap(resolve)
    }

    public static func decodeJSON(_ bytes: [UInt8]) -> Result<[SenMLRecord], SenMLProblem> {
        bytes.withUnsafeBytes { decodeJSON($0) }
    }

    public static func decodeCBOR(_ bytes: [UInt8]) -> Result<[SenMLRecord], SenMLProblem> {
        bytes.withUnsafeBytes { decodeCBOR($0) }
    }

    /// Applies base fields record by record (RFC 8428 §4.5): each base field holds until a later record carries
    /// the same base field again (§4, §5.1.6).
    static func resolve(_ root: SenMLNode) -> Result<[SenMLRecord], SenMLProblem> {
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
            var seen = members.count > 16 ? Set<SenMLLabel>() : nil
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
                            guard let data = Base64URL.decode(s) else { return .failure(.invalidBase64(record: index)) }
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

    /// RFC 8428 §4.5.1: only `A–Z a–z 0–9 - : . / _`, starting with a letter or digit; of the base name and name
    /// joined.
    static func isValidName(_ base: String, _ name: String) -> Bool {
        guard let first = base.utf8.first ?? name.utf8.first, isNameStart(first) else { return false }
        return base.utf8.allSatisfy(isNameByte) && name.utf8.allSatisfy(isNameByte)
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

extension SenMLPack {
    /// Whether a fragment (such as a profile's name suffix) uses only SenML name characters.
    public static func isValidNameFragment(_ s: String) -> Bool { s.utf8.allSatisfy(isNameByte) }
}
