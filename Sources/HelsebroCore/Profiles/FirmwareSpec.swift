/// A firmware line of a device model (`Firmware-Specs/`): its payload family and its quirks.
public struct FirmwareSpec: Hashable, Sendable {
    public var id: String
    /// The profile (device model) this firmware belongs to.
    public var profile: String
    /// Free text naming the versions covered, e.g. `2.0–2.4`.
    public var versions: String
    public var family: PayloadFamily
    public var quirks: FirmwareQuirks
    /// The frame layout, for `payload: frame`.
    public var frame: FrameLayout?

    public init(
        id: String, profile: String, versions: String, family: PayloadFamily, quirks: FirmwareQuirks,
        frame: FrameLayout? = nil
    ) {
        self.id = id
        self.profile = profile
        self.versions = versions
        self.family = family
        self.quirks = quirks
        self.frame = frame
    }
}

/// What a firmware does differently from the specification.
public struct FirmwareQuirks: Hashable, Sendable {
    /// The clock its Date Time fields show (Bluetooth Date Time has no zone).
    public var clock: DeviceClock = .utc
    /// The unit the firmware really sends when it ignores the unit flag.
    public var actualUnit: UCUMUnit?
    /// Vendor bytes appended after the standard fields.
    public var vendorTrailingBytes: Int = 0
    /// Whether CGM records carry E2E-CRC (CGM Feature bit 12); nil infers it from Size.
    public var cgmE2ECRC: Bool?
    /// The gateway sends SenML `%` meaning percent, not the ratio RFC 8428 defines.
    public var senmlPercentIsPercentage = false

    public init() {}
}

/// Rules for measurement times.
public struct TimePolicy: Hashable, Sendable {
    /// How far after the receive time a measurement time may be (device clocks drift).
    public var futureSkewSeconds: Int64 = 600
    /// Earlier measurement times come from an unset clock.
    public var earliest: Timestamp = .year2000

    public init() {}
}
