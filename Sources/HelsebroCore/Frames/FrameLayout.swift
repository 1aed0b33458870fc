/// A vendor binary frame as a firmware spec describes it (`frame:` in `Firmware-Specs/`), compiled once.
///
/// The language: integer fields of 8 to 64 bits, signed or unsigned, either byte order; IEEE 11073 SFLOAT and
/// FLOAT; IEEE 754 binary32 and binary64; scale and offset; enumerations and bit flags (reported as status);
/// groups present only when a flag bit is set; repeated groups with a count field or up to the end; an optional
/// CRC-16/CCITT-FALSE or CRC-32 trailer over everything before it.
public struct FrameLayout: Sendable, Hashable {
    public enum ByteOrder: String, Sendable, Hashable { case little, big }

    public enum CRC: String, Sendable, Hashable {
        case crc16CCITT = "crc16-ccitt"
        case crc32 = "crc32"

        public var size: Int { self == .crc16CCITT ? 2 : 4 }

        /// The check value of `body`, as the trailer carries it.
        public func compute(_ body: UnsafeRawBufferPointer) -> UInt64 {
            self == .crc16CCITT ? UInt64(CRC16.ccittFalse(body)) : UInt64(CRC32.iso(body))
        }
    }

    public var byteOrder: ByteOrder
    public var crc: CRC?
    public var items: [FrameItem]
    /// Every field in layout order; `FrameField.index` points here.
    public var fields: [FrameField]
    /// Names of the enumeration values and flag bits, indexed by `FrameField.statusBase + value or bit`.
    public var statusNames: [String]

    public init(byteOrder: ByteOrder, crc: CRC?, items: [FrameItem], fields: [FrameField], statusNames: [String]) {
        self.byteOrder = byteOrder
        self.crc = crc
        self.items = items
        self.fields = fields
        self.statusNames = statusNames
    }
}

public indirect enum FrameItem: Sendable, Hashable {
    case field(Int)
    /// Present when bit `bit` of the integer field `flagField` is set.
    case group(flagField: Int, bit: Int, items: [FrameItem])
    /// Repeated `count` times: the value of an integer field, or until the end of the frame.
    case repeated(count: FrameCount, items: [FrameItem])
}

public enum FrameCount: Sendable, Hashable {
    case field(Int)
    case toEnd
}

public enum FrameType: String, Sendable, Hashable, CaseIterable {
    case u8, u16, u24, u32, u64, i8, i16, i24, i32, i64, sfloat, float, f32, f64

    public var size: Int {
        switch self {
        case .u8, .i8: 1
        case .u16, .i16, .sfloat: 2
        case .u24, .i24: 3
        case .u32, .i32, .float, .f32: 4
        case .u64, .i64, .f64: 8
        }
    }

    public var isInteger: Bool {
        switch self {
        case .sfloat, .float, .f32, .f64: false
        default: true
        }
    }

    var isSigned: Bool {
        switch self {
        case .i8, .i16, .i24, .i32, .i64: true
        default: false
        }
    }
}

public struct FrameField: Sendable, Hashable {
    public var index: Int
    public var name: String
    public var type: FrameType
    public var byteOrder: FrameLayout.ByteOrder?
    /// value = raw × scale + offset; nil scale means 1.
    public var scale: DecimalValue?
    public var offset: DecimalValue?
    public var unit: UCUMUnit
    /// Enumeration names by value, and flag names by bit, both as indexes into `FrameLayout.statusNames`.
    public var enumeration: [Int64: Int]
    public var flags: [Int: Int]
    /// Seconds since 1970 (UTC): the measurement time of the frame's readings, not a measurement.
    public var isTime: Bool

    public init(
        index: Int, name: String, type: FrameType, byteOrder: FrameLayout.ByteOrder? = nil, scale: DecimalValue? = nil,
        offset: DecimalValue? = nil, unit: UCUMUnit = .none, enumeration: [Int64: Int] = [:], flags: [Int: Int] = [:],
        isTime: Bool = false
    ) {
        self.index = index
        self.name = name
        self.type = type
        self.byteOrder = byteOrder
        self.scale = scale
        self.offset = offset
        self.unit = unit
        self.enumeration = enumeration
        self.flags = flags
        self.isTime = isTime
    }

    /// Whether the field yields a reading (and not only status or time).
    public var isMeasurement: Bool { enumeration.isEmpty && flags.isEmpty && !isTime }
}
