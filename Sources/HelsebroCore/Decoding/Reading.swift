/// One value of one field at one time, as decoded from a payload and, once validated, as the profile defines it.
///
/// A plain value of fixed size: decoding into a reused `[Reading]` allocates nothing.
///
/// Stored packed, in 64 bytes: the status, the vendor status, the mantissa, the time and three words that hold the
/// small fields, each read and written through a property of its own. The decode loop writes a few readings per
/// payload and is bound by its stores: with each small field (and each optional's flag) stored on its own, a
/// reading took 15 stores where the straight-line C decoder takes 9, and 0x2A35 decoding took 1.7 times C's time.
/// Packed, a reading is 8 stores. Every setter keeps unused bits zero, so the synthesized equality and hash of the
/// stored words are those of the fields. `Field`, `UCUMUnit` and `AbsentReason` are read back from their raw values
/// by a bit cast (their raw values are their case indexes; `init(rawValue:)` was a call per read): only their raw
/// values are ever stored, and `ReadingTests` checks every case both ways.
public struct Reading: Hashable, Sendable {
    public var status: StatusSet = StatusSet()
    /// Vendor frame status: bit i set means `FrameLayout.statusNames[i]` applies (enumeration values, flag bits).
    public var vendorStatus: UInt64 = 0
    /// The value's mantissa; 0 when the value is absent.
    @usableFromInline var storedMantissa: Int64
    /// Bits 0–7 the value's exponent, 8–15 its kind (0 a number, 1 + `AbsentReason` raw value when absent), 16–31
    /// the metric index (bit pattern of an `Int16`), 32–63 the MDC code.
    @usableFromInline var wordA: UInt64
    /// The time in microseconds since 1970; 0 when there is none.
    @usableFromInline var storedMicroseconds: Int64
    /// Bits 0–7 the field, 8–15 the unit, 16–23 the user, 24–31 which optionals are present (`Present`), 32–47 the
    /// record, 48–63 the sequence number.
    @usableFromInline var wordB: UInt64
    /// The CGM time offset in minutes; 0 when there is none.
    @usableFromInline var storedTimeOffset: UInt16

    /// Constants, not stored globals: code inlined into other modules then needs no global's accessor.
    @usableFromInline enum Present {
        @inlinable static var time: UInt64 { 1 << 24 }
        @inlinable static var sequence: UInt64 { 1 << 25 }
        @inlinable static var user: UInt64 { 1 << 26 }
        @inlinable static var timeOffset: UInt64 { 1 << 27 }
    }

    @inlinable
    public init(
        field: Field, value: MeasuredValue, unit: UCUMUnit, time: Timestamp? = nil, status: StatusSet = StatusSet()
    ) {
        self.status = status
        let (mantissa, low) = Self.pack(value)
        storedMantissa = mantissa
        wordA = low | 0xFFFF << 16 | UInt64(field.defaultCodes.mdc ?? 0) << 32
        storedMicroseconds = time?.microseconds ?? 0
        wordB = UInt64(field.rawValue) | UInt64(unit.rawValue) << 8 | (time == nil ? 0 : Present.time)
        storedTimeOffset = 0
    }

    /// A value as the mantissa and the low 16 bits of `wordA` (exponent, kind).
    @inlinable
    static func pack(_ value: MeasuredValue) -> (Int64, UInt64) {
        switch value {
        case .number(let n): (n.mantissa, UInt64(UInt8(bitPattern: n.exponent)))
        case .absent(let reason): (0, UInt64(reason.rawValue + 1) << 8)
        }
    }

    public var value: MeasuredValue {
        @inlinable get {
            let kind = UInt8(truncatingIfNeeded: wordA >> 8)
            if kind == 0 {
                return .number(
                    DecimalValue(mantissa: storedMantissa, exponent: Int8(bitPattern: UInt8(truncatingIfNeeded: wordA)))
                )
            }
            return .absent(unsafeBitCast(kind - 1, to: AbsentReason.self))
        }
        @inlinable set {
            let (mantissa, low) = Self.pack(newValue)
            storedMantissa = mantissa
            wordA = wordA & ~0xFFFF | low
        }
    }

    /// The profile metric's index once validated; -1 before.
    public var metric: Int16 {
        @inlinable get { Int16(bitPattern: UInt16(truncatingIfNeeded: wordA >> 16)) }
        @inlinable set { wordA = wordA & ~(0xFFFF << 16) | UInt64(UInt16(bitPattern: newValue)) << 16 }
    }

    /// The IEEE 11073-10101 code, 0 when none is known.
    public var mdc: UInt32 {
        @inlinable get { UInt32(truncatingIfNeeded: wordA >> 32) }
        @inlinable set { wordA = wordA & 0xFFFF_FFFF | UInt64(newValue) << 32 }
    }

    /// The measurement time; nil when the payload carries none that can be placed (validation fills it in).
    public var time: Timestamp? {
        @inlinable get { wordB & Present.time == 0 ? nil : Timestamp(microseconds: storedMicroseconds) }
        @inlinable set {
            storedMicroseconds = newValue?.microseconds ?? 0
            wordB = newValue == nil ? wordB & ~Present.time : wordB | Present.time
        }
    }

    /// Index of the SenML record, HL7 OBX or frame field this reading came from.
    public var record: UInt16 {
        @inlinable get { UInt16(truncatingIfNeeded: wordB >> 32) }
        @inlinable set { wordB = wordB & ~(0xFFFF << 32) | UInt64(newValue) << 32 }
    }

    /// Glucose Measurement sequence number (0x2A18).
    public var sequence: UInt16? {
        @inlinable get { packedOptional(at: 48, 0xFFFF, Present.sequence).map { UInt16(truncatingIfNeeded: $0) } }
        @inlinable set { setPackedOptional(newValue.map { UInt64($0) }, at: 48, 0xFFFF, Present.sequence) }
    }

    /// What the payload called the value.
    public var field: Field {
        @inlinable get { unsafeBitCast(UInt8(truncatingIfNeeded: wordB), to: Field.self) }
        @inlinable set { wordB = wordB & ~0xFF | UInt64(newValue.rawValue) }
    }

    /// CGM minutes since session start (0x2AA7), kept when the session start is unknown.
    public var timeOffsetMinutes: UInt16? {
        @inlinable get { wordB & Present.timeOffset == 0 ? nil : storedTimeOffset }
        @inlinable set {
            storedTimeOffset = newValue ?? 0
            wordB = newValue == nil ? wordB & ~Present.timeOffset : wordB | Present.timeOffset
        }
    }

    /// The device's user index (0x2A35, 0x2A9D); 255, "unknown user", is `userUnknown` in `status`.
    public var userID: UInt8? {
        @inlinable get { packedOptional(at: 16, 0xFF, Present.user).map { UInt8(truncatingIfNeeded: $0) } }
        @inlinable set { setPackedOptional(newValue.map { UInt64($0) }, at: 16, 0xFF, Present.user) }
    }

    /// A small optional held in `wordB`: the bits `mask` at `shift`, there when its `present` bit is set.
    @inlinable func packedOptional(at shift: UInt64, _ mask: UInt64, _ present: UInt64) -> UInt64? {
        wordB & present == 0 ? nil : wordB >> shift & mask
    }

    /// Sets a small optional held in `wordB` (`packedOptional`); nil clears its bits and its `present` bit.
    @inlinable mutating func setPackedOptional(_ value: UInt64?, at shift: UInt64, _ mask: UInt64, _ present: UInt64) {
        wordB = wordB & ~(mask << shift | present)
        if let value { wordB |= value << shift | present }
    }

    public var unit: UCUMUnit {
        @inlinable get { unsafeBitCast(UInt8(truncatingIfNeeded: wordB >> 8), to: UCUMUnit.self) }
        @inlinable set { wordB = wordB & ~(0xFF << 8) | UInt64(newValue.rawValue) << 8 }
    }
}

extension Reading {
    /// The status as the strings `helsebro decode` and the journal show: flags, then sequence, user, time offset.
    public var statusNames: [String] { statusNames(reserving: 0) }

    /// `statusNames` in an array made once with room for `extra` more (the journal adds a vendor frame's names):
    /// this runs for every journalled reading, and most carry a flag or two.
    func statusNames(reserving extra: Int) -> [String] {
        let user = userID.flatMap { $0 == 0xFF ? nil : $0 }
        let total =
            status.count + extra + (sequence == nil ? 0 : 1) + (user == nil ? 0 : 1)
            + (timeOffsetMinutes == nil ? 0 : 1)
        guard total > 0 else { return [] }
        var list: [String] = []
        list.reserveCapacity(total)
        status.forEach { list.append($0.name) }
        if let s = sequence { list.append("sequence:\(s)") }
        if let u = user { list.append("user:\(u)") }
        if let o = timeOffsetMinutes { list.append("time-offset-minutes:\(o)") }
        return list
    }
}
