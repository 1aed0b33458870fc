/// IEEE 11073-20601 SFLOAT (GSS `medfloat16`): a 4-bit exponent and a 12-bit mantissa, both two's complement.
///
/// Value = mantissa × 10^exponent (PHD-IG FLOATS.md L1–L40). The five special values exist only with exponent 0
/// and are compared as whole 16-bit words: 0xF800 is the ordinary number −204.8, not NRes.
public struct SFloat: Hashable, Sendable {
    public let raw: UInt16

    @inlinable
    public init(raw: UInt16) { self.raw = raw }

    /// The signed 4-bit exponent, −8…7.
    @inlinable
    public var exponent: Int8 { Int8(bitPattern: UInt8(truncatingIfNeeded: raw >> 12) << 4) >> 4 }

    /// The signed 12-bit mantissa, −2048…2047.
    @inlinable
    public var mantissa: Int16 { Int16(bitPattern: raw << 4) >> 4 }

    @inlinable
    public var value: MeasuredValue {
        switch raw {
        case 0x07FF: return .absent(.nan)
        case 0x0800: return .absent(.nres)
        case 0x07FE: return .absent(.positiveInfinity)
        case 0x0802: return .absent(.negativeInfinity)
        case 0x0801: return .absent(.reserved)
        default: return .number(DecimalValue(mantissa: Int64(mantissa), exponent: exponent))
        }
    }
}

/// IEEE 11073-20601 FLOAT (GSS `medfloat32`): a signed 8-bit exponent and a signed 24-bit mantissa.
///
/// Specials (PHD-IG FLOATS.md L51–L55), again only with exponent 0: 0x007FFFFF NaN, 0x00800000 NRes,
/// 0x007FFFFE +INF, 0x00800002 −INF, 0x00800001 reserved.
public struct MedFloat32: Hashable, Sendable {
    public let raw: UInt32

    @inlinable
    public init(raw: UInt32) { self.raw = raw }

    @inlinable
    public var exponent: Int8 { Int8(bitPattern: UInt8(truncatingIfNeeded: raw >> 24)) }

    @inlinable
    public var mantissa: Int32 { Int32(bitPattern: raw << 8) >> 8 }

    @inlinable
    public var value: MeasuredValue {
        switch raw {
        case 0x007F_FFFF: return .absent(.nan)
        case 0x0080_0000: return .absent(.nres)
        case 0x007F_FFFE: return .absent(.positiveInfinity)
        case 0x0080_0002: return .absent(.negativeInfinity)
        case 0x0080_0001: return .absent(.reserved)
        default: return .number(DecimalValue(mantissa: Int64(mantissa), exponent: exponent))
        }
    }
}
