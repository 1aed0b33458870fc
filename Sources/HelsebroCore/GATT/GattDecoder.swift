/// Decodes Bluetooth SIG health characteristics into readings.
///
/// Field layouts: Bluetooth SIG GATT XML definitions and the GATT Specification Supplement, summarised with sources in
/// `../shared/reference/payload-formats.md` §2. All multi-byte fields are little-endian. The expected length is
/// computed from the flags before any field is read: a shorter payload is `truncated`, a longer one
/// `unannouncedBytes` unless the firmware spec declares vendor bytes. Reserved flag bits are ignored; a future field
/// they might announce shows up as unannounced bytes.
public enum GattDecoder {
    /// Decodes one characteristic value, appending readings to `out`. Returns the rejection, if any; on rejection,
    /// `out` is left as it was.
    public static func decode(
        _ characteristic: GattCharacteristic,
        _ bytes: UnsafeRawBufferPointer,
        options: GattOptions,
        into out: inout [Reading]
    ) -> Rejection? {
        guard !bytes.isEmpty else { return .empty }
        let start = out.count
        let frame = GattFrame(bytes: bytes)
        let result: Rejection?
        switch characteristic {
        case .bloodPressureMeasurement: result = bloodPressure(frame, options, intermediate: false, &out)
        case .intermediateCuffPressure: result = bloodPressure(frame, options, intermediate: true, &out)
        case .temperatureMeasurement: result = temperature(frame, options, &out)
        case .glucoseMeasurement: result = glucose(frame, options, &out)
        case .weightMeasurement: result = weight(frame, options, &out)
        case .plxSpotCheckMeasurement: result = plxSpotCheck(frame, options, &out)
        case .plxContinuousMeasurement: result = plxContinuous(frame, options, &out)
        case .heartRateMeasurement: result = heartRate(frame, options, &out)
        case .cgmMeasurement: result = cgm(frame, options, &out)
        }
        if case .some = result { out.removeSubrange(start...) }
        return result
    }

    /// Convenience for callers holding an array.
    public static func decode(
        _ characteristic: GattCharacteristic, _ bytes: [UInt8], options: GattOptions = GattOptions(),
        into out: inout [Reading]
    ) -> Rejection? {
        bytes.withUnsafeBytes { decode(characteristic, $0, options: options, into: &out) }
    }

    /// Checks the length the flags announce, allowing the firmware's vendor bytes.
    @inline(__always)
    static func checkLength(_ f: GattFrame, needed: Int, _ options: GattOptions) -> Rejection? {
        let total = needed + options.vendorTrailingBytes
        if f.count < needed { return .truncated(needed: total, actual: f.count, flags: f.u8(0)) }
        if f.count < total { return .vendorBytesMissing(count: options.vendorTrailingBytes) }
        if f.count > total { return .unannouncedBytes(expected: total, actual: f.count, flags: f.u8(0)) }
        return nil
    }

    /// Reads the unit flag, applying a firmware that ignores it.
    @inline(__always)
    static func unitFlag(_ flags: UInt8, _ options: GattOptions, _ status: inout StatusSet) -> Bool {
        let sent = flags & 1 != 0
        guard let forced = options.forcedUnitFlag else { return sent }
        if forced != sent { status.insert(.unitFlagIgnored) }
        return forced
    }

    /// Reads a 7-byte Date Time and places it with the device clock; nil time when year, month or day is 0 ("not
    /// known", Date Time 0x2A08). The common case (a known date on days 1–28) takes no branch to the checks that
    /// name the field at fault.
    @inline(__always)
    static func dateTime(_ f: GattFrame, at o: Int, _ options: GattOptions, _ status: inout StatusSet) throws(Rejection)
        -> Timestamp?
    {
        let year = Int(f.u16(o))
        let month = Int(f.u8(o + 2))
        let day = Int(f.u8(o + 3))
        let hour = Int(f.u8(o + 4))
        let minute = Int(f.u8(o + 5))
        let second = Int(f.u8(o + 6))
        let common =
            year >= 1582 && year <= 9999 && month >= 1 && month <= 12 && day >= 1 && day <= 28 && hour <= 23
            && minute <= 59 && second <= 59
        if !common {
            if let r = dateTimeProblem(year, month, day, hour, minute, second) { throw r }
            if year == 0 || month == 0 || day == 0 { return nil }
        }
        let wall = Timestamp(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
        if options.clock == .utc { return wall }
        let placed = options.clock.place(wallClock: wall)
        status.insert(.timeConvertedFromLocalClock)
        if placed.ambiguous { status.insert(.timeAmbiguousLocal) }
        if placed.nonexistent { status.insert(.timeNonexistentLocal) }
        return placed.time
    }

    /// The Date Time field at fault, if any; zero year, month or day is "not known", not a fault.
    @inline(never)
    static func dateTimeProblem(_ year: Int, _ month: Int, _ day: Int, _ hour: Int, _ minute: Int, _ second: Int)
        -> Rejection?
    {
        if year != 0 && !(1582...9999).contains(year) { return .invalidDateTime(.year, value: year) }
        if month > 12 { return .invalidDateTime(.month, value: month) }
        if day > 31 || (year != 0 && month != 0 && day != 0 && !Timestamp.isValid(year: year, month: month, day: day)) {
            return .invalidDateTime(.day, value: day)
        }
        if hour > 23 { return .invalidDateTime(.hours, value: hour) }
        if minute > 59 { return .invalidDateTime(.minutes, value: minute) }
        if second > 59 { return .invalidDateTime(.seconds, value: second) }
        return nil
    }

    @inline(__always)
    static func append(
        _ out: inout [Reading], _ field: Field, _ value: MeasuredValue, _ unit: UCUMUnit, _ time: Timestamp?,
        _ status: StatusSet, user: UInt8? = nil
    ) {
        var r = Reading(field: field, value: value, unit: unit, time: time, status: status)
        r.userID = user
        out.append(r)
    }
}

/// Little-endian reads from a payload whose length was checked against its flags.
@usableFromInline
struct GattFrame {
    let bytes: UnsafeRawBufferPointer

    @inline(__always) var count: Int { bytes.count }
    @inline(__always) func u8(_ o: Int) -> UInt8 { bytes[o] }
    @inline(__always) func u16(_ o: Int) -> UInt16 { UInt16(bytes[o]) | UInt16(bytes[o + 1]) << 8 }
    @inline(__always) func u24(_ o: Int) -> UInt32 {
        UInt32(bytes[o]) | UInt32(bytes[o + 1]) << 8 | UInt32(bytes[o + 2]) << 16
    }
    @inline(__always) func u32(_ o: Int) -> UInt32 { u24(o) | UInt32(bytes[o + 3]) << 24 }
    @inline(__always) func sfloat(_ o: Int) -> MeasuredValue { SFloat(raw: u16(o)).value }
    @inline(__always) func float(_ o: Int) -> MeasuredValue { MedFloat32(raw: u32(o)).value }
}
