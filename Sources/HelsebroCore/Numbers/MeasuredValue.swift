/// Why a measured value is absent although its field was sent.
///
/// IEEE 11073-20601 reserves five SFLOAT/FLOAT words; PHD-IG FLOATS.md maps each to a FHIR `dataAbsentReason`.
/// The kinds stay apart because they mean different things to a clinician: NaN is "no valid value", NRes "the
/// value cannot be shown at this resolution" (for example a thermometer outside 30–45 °C).
public enum AbsentReason: UInt8, Sendable, CaseIterable {
    case nan
    case nres
    case positiveInfinity
    case negativeInfinity
    case reserved

    /// The spelling in `helsebro decode` output.
    public var code: String {
        switch self {
        case .nan: "nan"
        case .nres: "nres"
        case .positiveInfinity: "+inf"
        case .negativeInfinity: "-inf"
        case .reserved: "reserved"
        }
    }

    /// The FHIR `dataAbsentReason` code (PHD-IG FLOATS.md L49–L55).
    public var fhirDataAbsentReason: String {
        switch self {
        case .nan: "not-a-number"
        case .nres, .reserved: "error"
        case .positiveInfinity: "positive-infinity"
        case .negativeInfinity: "negative-infinity"
        }
    }
}

/// A number with its precision, or the reason there is none.
public enum MeasuredValue: Hashable, Sendable {
    case number(DecimalValue)
    case absent(AbsentReason)

    @inlinable
    public var number: DecimalValue? {
        if case .number(let n) = self { return n }
        return nil
    }

    @inlinable
    public static func exact(_ mantissa: Int64, _ exponent: Int8 = 0) -> MeasuredValue {
        .number(DecimalValue(mantissa: mantissa, exponent: exponent))
    }
}
