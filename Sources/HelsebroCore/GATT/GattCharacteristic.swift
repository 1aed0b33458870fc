/// The Bluetooth SIG GATT characteristics Helsebro decodes, by their 16-bit UUID.
public enum GattCharacteristic: UInt16, Sendable, CaseIterable {
    case glucoseMeasurement = 0x2A18
    case temperatureMeasurement = 0x2A1C
    case bloodPressureMeasurement = 0x2A35
    case intermediateCuffPressure = 0x2A36
    case heartRateMeasurement = 0x2A37
    case plxSpotCheckMeasurement = 0x2A5E
    case plxContinuousMeasurement = 0x2A5F
    case weightMeasurement = 0x2A9D
    case cgmMeasurement = 0x2AA7

    /// The fields this characteristic can carry, for checking a profile's `source:`.
    public var fields: [Field] {
        switch self {
        case .bloodPressureMeasurement: [.systolic, .diastolic, .meanArterialPressure, .pulseRate]
        case .intermediateCuffPressure: [.cuffPressure, .pulseRate]
        case .temperatureMeasurement: [.temperature]
        case .glucoseMeasurement: [.glucose]
        case .weightMeasurement: [.weight, .bmi, .height]
        case .plxSpotCheckMeasurement: [.spo2, .pulseRate, .pulseAmplitudeIndex]
        case .plxContinuousMeasurement:
            [.spo2, .pulseRate, .spo2Fast, .pulseRateFast, .spo2Slow, .pulseRateSlow, .pulseAmplitudeIndex]
        case .heartRateMeasurement: [.heartRate, .energyExpended, .rrInterval]
        case .cgmMeasurement: [.cgmGlucose, .cgmTrend, .cgmQuality]
        }
    }

    /// The unit flag (bit 0 of Flags) selects between these units; nil where there is no unit flag.
    public var unitFlagUnits: (clear: UCUMUnit, set: UCUMUnit)? {
        switch self {
        case .bloodPressureMeasurement, .intermediateCuffPressure: (.mmHg, .kPa)
        case .temperatureMeasurement: (.celsius, .fahrenheit)
        case .glucoseMeasurement: (.kilogramPerLitre, .molePerLitre)
        case .weightMeasurement: (.kilogram, .pound)
        default: nil
        }
    }

    /// The lower-case hex UUID used in topics: `2a35`.
    public var uuidHex: String {
        let s = String(rawValue, radix: 16)
        return String(repeating: "0", count: 4 - s.count) + s
    }
}

/// Per-firmware adjustments to GATT decoding, compiled from a firmware spec.
public struct GattOptions: Hashable, Sendable {
    /// Vendor bytes the firmware appends after the standard fields; they are skipped, and must be there.
    public var vendorTrailingBytes: Int = 0
    /// When set, the unit flag is read as this value whatever the device sent (firmware that ignores the flag).
    public var forcedUnitFlag: Bool?
    /// Whether CGM records carry E2E-CRC: nil infers it from Size (as Nordic's library does).
    public var cgmE2ECRC: Bool?
    /// CGM Session Start Time, if known, to place Time Offset in time.
    public var cgmSessionStart: Timestamp?
    /// The clock the device's Date Time fields show.
    public var clock: DeviceClock = .utc

    public init() {}

    /// The options a firmware's quirks call for on `channel`. A declared actual unit sets the unit flag only when it is
    /// one of the two units the characteristic can announce (`DecodePlan.compile` reports the other case).
    public init(quirks: FirmwareQuirks?, channel: Channel) {
        guard let q = quirks else { return }
        clock = q.clock
        vendorTrailingBytes = q.vendorTrailingBytes
        cgmE2ECRC = q.cgmE2ECRC
        if let actual = q.actualUnit, case .gatt(let c) = channel, let units = c.unitFlagUnits,
            actual == units.clear || actual == units.set
        {
            forcedUnitFlag = actual == units.set
        }
    }
}
