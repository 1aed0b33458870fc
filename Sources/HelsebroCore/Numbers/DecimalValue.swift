/// An exact decimal number: `mantissa × 10^exponent`.
///
/// IEEE 11073-20601 SFLOAT and FLOAT are decimal, and the PHD implementation guide requires their precision to
/// reach FHIR unchanged (PHD-IG FLOATS.md: 0x0002 is `2`, 0xF014 is `2.0`, 0xE0C8 is `2.00`). A binary `Double`
/// cannot hold that difference, so readings carry this type and convert to `Double` only for arithmetic.
public struct DecimalValue: Hashable, Sendable {
    public var mantissa: Int64
    public var exponent: Int8

    @inlinable
    public init(mantissa: Int64, exponent: Int8) {
        self.mantissa = mantissa
        self.exponent = exponent
    }

    /// Decimal places the exponent implies: 1 for 12.3, 0 for 20 sent as 2 × 10¹.
    @inlinable
    public var decimalPlaces: Int { exponent < 0 ? -Int(exponent) : 0 }

    /// The nearest `Double`.
    @inlinable
    public var double: Double {
        if exponent == 0 { return Double(mantissa) }
        if exponent < 0 { return Double(mantissa) / DecimalValue.powerOfTen(-Int(exponent)) }
        return Double(mantissa) * DecimalValue.powerOfTen(Int(exponent))
    }

    /// Rounds `value` half away from zero to `places` decimal places.
    ///
    /// Returns nil when the result does not fit the mantissa (a non-finite input or one beyond ±9.2 × 10¹⁸).
    @inlinable
    public init?(rounding value: Double, places: Int) {
        guard value.isFinite, (-18...18).contains(places) else { return nil }
        let scaled = places >= 0 ? value * DecimalValue.powerOfTen(places) : value / DecimalValue.powerOfTen(-places)
        let rounded = scaled.rounded(.toNearestOrAwayFromZero)
        guard abs(rounded) < 9.2e18 else { return nil }
        self.init(mantissa: Int64(rounded), exponent: Int8(-places))
    }

    /// 10^p. Up to 10²² a literal (exactly representable, as the repeated product is); a switch of constants, not
    /// a lazily made table, so that the decode loop does not pass through `swift_once` for every conversion.
    @inlinable
    static func powerOfTen(_ p: Int) -> Double {
        switch p {
        case 0: 1
        case 1: 1e1
        case 2: 1e2
        case 3: 1e3
        case 4: 1e4
        case 5: 1e5
        case 6: 1e6
        case 7: 1e7
        case 8: 1e8
        case 9: 1e9
        case 10: 1e10
        case 11: 1e11
        case 12: 1e12
        case 13: 1e13
        case 14: 1e14
        case 15: 1e15
        case 16: 1e16
        case 17: 1e17
        case 18: 1e18
        case 19: 1e19
        case 20: 1e20
        case 21: 1e21
        case 22: 1e22
        default: (0..<p).reduce(1.0) { acc, _ in acc * 10 }
        }
    }

    /// Compares numerically, whatever the exponents.
    public static func compare(_ a: DecimalValue, _ b: DecimalValue) -> Int {
        let x = a.double
        let y = b.double
        return x < y ? -1 : (x > y ? 1 : 0)
    }
}

extension DecimalValue: CustomStringConvertible {
    /// The exact decimal text with as many decimal places as the exponent implies: `2.00`, `-1234`, `200`.
    public var description: String {
        let negative = mantissa < 0
        var digits = String(mantissa.magnitude)
        if exponent > 0 {
            digits += String(repeating: "0", count: Int(exponent))
        } else if exponent < 0 {
            let places = -Int(exponent)
            if digits.count <= places {
                digits = String(repeating: "0", count: places - digits.count + 1) + digits
            }
            digits.insert(".", at: digits.index(digits.endIndex, offsetBy: -places))
        }
        return negative ? "-" + digits : digits
    }
}

extension DecimalValue {
    /// Parses a decimal number as JSON writes it (`-12.50`, `1.5e3`, `6E-2`), keeping the written precision.
    ///
    /// Returns nil for text that is not a number or has more significant digits than an `Int64` holds; callers
    /// then fall back to `Double` and round.
    public init?<S: Collection>(text: S) where S.Element == UInt8 {
        var mantissa: Int64 = 0
        var exponent = 0
        var sawDigit = false
        var negative = false
        var i = text.startIndex
        if i < text.endIndex, text[i] == UInt8(ascii: "-") {
            negative = true
            i = text.index(after: i)
        } else if i < text.endIndex, text[i] == UInt8(ascii: "+") {
            i = text.index(after: i)
        }
        var afterPoint = false
        while i < text.endIndex {
            let c = text[i]
            if c >= 0x30 && c <= 0x39 {
                let (m1, o1) = mantissa.multipliedReportingOverflow(by: 10)
                let (m2, o2) = m1.addingReportingOverflow(Int64(c - 0x30))
                if o1 || o2 { return nil }
                mantissa = m2
                if afterPoint { exponent -= 1 }
                sawDigit = true
            } else if c == UInt8(ascii: "."), !afterPoint {
                afterPoint = true
            } else if c == UInt8(ascii: "e") || c == UInt8(ascii: "E") {
                break
            } else {
                return nil
            }
            i = text.index(after: i)
        }
        guard sawDigit else { return nil }
        if i < text.endIndex {
            i = text.index(after: i)
            var expNegative = false
            if i < text.endIndex, text[i] == UInt8(ascii: "-") || text[i] == UInt8(ascii: "+") {
                expNegative = text[i] == UInt8(ascii: "-")
                i = text.index(after: i)
            }
            var e = 0
            var sawExpDigit = false
            while i < text.endIndex {
                let c = text[i]
                guard c >= 0x30 && c <= 0x39, e < 10_000 else { return nil }
                e = e * 10 + Int(c - 0x30)
                sawExpDigit = true
                i = text.index(after: i)
            }
            guard sawExpDigit else { return nil }
            exponent += expNegative ? -e : e
        }
        guard exponent >= -127, exponent <= 127 else { return nil }
        self.init(mantissa: negative ? -mantissa : mantissa, exponent: Int8(exponent))
    }

    /// The shortest decimal that reads back as `value` (as Swift prints it), or nil for NaN and infinities.
    public init?(shortest value: Double) {
        guard value.isFinite else { return nil }
        self.init(text: value.description.utf8)
    }
}
