/// Where a device model is used.
public enum CareSetting: String, Sendable, CaseIterable {
    case home
    case hospital
}

/// A device model as technicians register it in `DeviceProfiles/` (the `DESIGN.md` contract).
public struct DeviceProfile: Hashable, Sendable {
    public var id: String
    public var model: String
    public var manufacturer: String
    public var version: Int
    public var setting: CareSetting
    public var channels: [Channel]
    /// Firmware spec ids this model accepts.
    public var firmware: [String]
    public var metrics: [MetricDefinition]
    /// Fields or SenML names the device sends that are deliberately not recorded (for example the cuff pressure
    /// during inflation); they are dropped and counted, not quarantined.
    public var ignoredSources: [String]
    /// The longest silence expected between two messages; longer raises a `missing-data` alert. Nil: no expectation.
    public var expectEverySeconds: Int?
    /// Status flags that raise a `device-status` alert while a device reports them (low battery, cuff fit, probe off).
    public var statusAlerts: [StatusFlag]

    public init(
        id: String, model: String, manufacturer: String, version: Int, setting: CareSetting, channels: [Channel],
        firmware: [String], metrics: [MetricDefinition], ignoredSources: [String] = [], expectEverySeconds: Int? = nil,
        statusAlerts: [StatusFlag] = []
    ) {
        self.expectEverySeconds = expectEverySeconds
        self.statusAlerts = statusAlerts
        self.id = id
        self.model = model
        self.manufacturer = manufacturer
        self.version = version
        self.setting = setting
        self.channels = channels
        self.firmware = firmware
        self.metrics = metrics
        self.ignoredSources = ignoredSources
    }
}

/// Where a metric's value comes from in a payload.
public enum MetricSource: Hashable, Sendable {
    /// A GATT characteristic field.
    case field(Field)
    /// A SenML record whose resolved name is this, or ends with `:`, `/` or `.` followed by this.
    case senml(String)
    /// An HL7 OBX whose OBX-3 carries this IEEE 11073-10101 code (`code^REFID^MDC`).
    case mdc(UInt32)
    /// An HL7 OBX whose OBX-3 carries this LOINC code (`code^text^LN`).
    case loinc(String)
    /// A field of a vendor frame, by its name in the firmware spec's layout.
    case frame(String)

    public var text: String {
        switch self {
        case .field(let f): f.name
        case .senml(let n): "senml:" + n
        case .mdc(let c): "mdc:\(c)"
        case .loinc(let c): "loinc:" + c
        case .frame(let n): "frame:" + n
        }
    }

    /// Whether an HL7 observation matches this source: by numeric code, never by label.
    public func matches(_ o: HL7Observation) -> Bool {
        switch self {
        case .mdc(let c): o.mdc == c
        case .loinc(let c): o.loinc == c
        default: false
        }
    }

    /// Whether a resolved SenML name matches this source.
    public func matches(senmlName name: String) -> Bool { matches(senmlBase: "", name: name) }

    /// Whether the SenML name `base` + `name` (a base name and a record's name, not joined) matches this source: it
    /// is the suffix, or ends with `:`, `/` or `.` and the suffix. Names are ASCII (checked when the pack is read), so
    /// bytes are compared.
    public func matches(senmlBase base: String, name: String) -> Bool {
        matches(senmlBase: base.utf8, name: name.utf8)
    }

    /// As `matches(senmlBase:name:)`, on the names' bytes.
    public func matches<Base: BidirectionalCollection<UInt8>, Name: BidirectionalCollection<UInt8>>(
        senmlBase base: Base, name: Name
    ) -> Bool {
        guard case .senml(let suffix) = self else { return false }
        var fromName = name.reversed().makeIterator()
        var fromBase = base.reversed().makeIterator()
        func next() -> UInt8? { fromName.next() ?? fromBase.next() }
        for byte in suffix.utf8.reversed() where next() != byte { return false }
        guard let before = next() else { return true }
        return before == UInt8(ascii: ":") || before == UInt8(ascii: "/") || before == UInt8(ascii: ".")
    }
}

/// An inclusive numeric range in the metric's unit.
public struct PlausibleRange: Hashable, Sendable {
    public var low: DecimalValue
    public var high: DecimalValue

    public init(low: DecimalValue, high: DecimalValue) {
        self.low = low
        self.high = high
    }

    @inlinable
    public func contains(_ x: Double) -> Bool { x >= low.double && x <= high.double }
}

/// Default alert thresholds of a metric; clinicians override them per patient.
public struct AlertThresholds: Hashable, Sendable {
    public var low: DecimalValue?
    public var high: DecimalValue?
    public var criticalLow: DecimalValue?
    public var criticalHigh: DecimalValue?
    /// The condition must hold this long before an alert is raised.
    public var durationSeconds: Int?
    /// The condition must hold for this many consecutive readings.
    public var repeatCount: Int?
    /// A rise of at least `by` within the window (for example weight gain in heart failure).
    public var rise: RateRule?
    /// A fall of at least `by` within the window.
    public var fall: RateRule?

    public var isEmpty: Bool {
        low == nil && high == nil && criticalLow == nil && criticalHigh == nil && rise == nil && fall == nil
    }

    public init(
        low: DecimalValue? = nil, high: DecimalValue? = nil, criticalLow: DecimalValue? = nil,
        criticalHigh: DecimalValue? = nil, durationSeconds: Int? = nil, repeatCount: Int? = nil, rise: RateRule? = nil,
        fall: RateRule? = nil
    ) {
        self.rise = rise
        self.fall = fall
        self.low = low
        self.high = high
        self.criticalLow = criticalLow
        self.criticalHigh = criticalHigh
        self.durationSeconds = durationSeconds
        self.repeatCount = repeatCount
    }
}

/// One metric of a profile.
public struct MetricDefinition: Hashable, Sendable {
    public var key: String
    public var source: MetricSource
    /// The LOINC code, nil where none applies (FHIR then carries the MDC code alone).
    public var loinc: String?
    /// The IEEE 11073-10101 code, 0 where none is known.
    public var mdc: UInt32
    public var unit: UCUMUnit
    /// Decimal places kept when a value is converted from another unit; unconverted values keep the device's.
    public var decimals: Int
    public var plausible: PlausibleRange
    public var alerts: AlertThresholds

    public init(
        key: String, source: MetricSource, loinc: String?, mdc: UInt32, unit: UCUMUnit, decimals: Int,
        plausible: PlausibleRange, alerts: AlertThresholds
    ) {
        self.key = key
        self.source = source
        self.loinc = loinc
        self.mdc = mdc
        self.unit = unit
        self.decimals = decimals
        self.plausible = plausible
        self.alerts = alerts
    }
}

/// LOINC codes carry a mod-10 check digit after the hyphen (LOINC Users' Guide, appendix "Calculating Mod 10
/// check digits"): the same as Luhn over the digits before it.
public enum LOINC {
    public static func isWellFormed(_ code: String) -> Bool {
        let parts = code.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, (1...7).contains(parts[0].count), parts[1].count == 1,
            parts[0].allSatisfy(\.isASCII), parts[0].allSatisfy(\.isNumber),
            let check = parts[1].first?.wholeNumberValue
        else { return false }
        var sum = 0
        for (position, ch) in parts[0].reversed().enumerated() {
            var d = ch.wholeNumberValue ?? 0
            if position % 2 == 0 {
                d *= 2
                if d > 9 { d -= 9 }
            }
            sum += d
        }
        return (10 - sum % 10) % 10 == check
    }
}
