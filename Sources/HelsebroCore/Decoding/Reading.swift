/// One value of one field at one time, as decoded from a payload and, once validated, as the profile defines it.
///
/// A plain value of fixed size: decoding into a reused `[Reading]` allocates nothing.
public struct Reading: Hashable, Sendable {
    // Declared in this order so that the fields pack into 64 bytes (8-byte fields first, the small ones in the
    // gaps); the decode loop writes a few of these per payload.
    public var status: StatusSet = StatusSet()
    /// Vendor frame status: bit i set means `FrameLayout.statusNames[i]` applies (enumeration values, flag bits).
    public var vendorStatus: UInt64 = 0
    public var value: MeasuredValue
    /// The profile metric's index once validated; -1 before.
    public var metric: Int16 = -1
    /// The IEEE 11073-10101 code, 0 when none is known.
    public var mdc: UInt32 = 0
    /// The measurement time; nil when the payload carries none that can be placed (validation fills it in).
    public var time: Timestamp?
    /// Index of the SenML record, HL7 OBX or frame field this reading came from.
    public var record: UInt16 = 0
    /// Glucose Measurement sequence number (0x2A18).
    public var sequence: UInt16?
    /// What the payload called the value.
    public var field: Field
    /// CGM minutes since session start (0x2AA7), kept when the session start is unknown.
    public var timeOffsetMinutes: UInt16?
    /// The device's user index (0x2A35, 0x2A9D); 255, "unknown user", is `userUnknown` in `status`.
    public var userID: UInt8?
    public var unit: UCUMUnit

    @inlinable
    public init(
        field: Field, value: MeasuredValue, unit: UCUMUnit, time: Timestamp? = nil, status: StatusSet = StatusSet()
    ) {
        self.field = field
        self.value = value
        self.unit = unit
        self.time = time
        self.status = status
        self.mdc = field.defaultCodes.mdc ?? 0
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
