/// A measured field as a payload names it, before a profile maps it to one of its metrics.
///
/// For GATT these are the characteristic's fields (Bluetooth GSS); SenML records are named by their resolved name
/// and use `.senmlRecord`.
public enum Field: UInt8, Sendable, CaseIterable {
    case systolic
    case diastolic
    case meanArterialPressure
    case pulseRate
    case cuffPressure
    case temperature
    case glucose
    case weight
    case bmi
    case height
    case spo2
    case pulseAmplitudeIndex
    case spo2Fast
    case pulseRateFast
    case spo2Slow
    case pulseRateSlow
    case heartRate
    case energyExpended
    case rrInterval
    case cgmGlucose
    case cgmTrend
    case cgmQuality
    case senmlRecord
    case hl7Observation
    case frameField

    /// The name in `helsebro decode` output without a profile and in a profile's `source:`.
    public var name: String {
        switch self {
        case .systolic: "systolic"
        case .diastolic: "diastolic"
        case .meanArterialPressure: "mean-arterial-pressure"
        case .pulseRate: "pulse-rate"
        case .cuffPressure: "cuff-pressure"
        case .temperature: "temperature"
        case .glucose: "glucose"
        case .weight: "weight"
        case .bmi: "bmi"
        case .height: "height"
        case .spo2: "spo2"
        case .pulseAmplitudeIndex: "pulse-amplitude-index"
        case .spo2Fast: "spo2-fast"
        case .pulseRateFast: "pulse-rate-fast"
        case .spo2Slow: "spo2-slow"
        case .pulseRateSlow: "pulse-rate-slow"
        case .heartRate: "heart-rate"
        case .energyExpended: "energy-expended"
        case .rrInterval: "rr-interval"
        case .cgmGlucose: "glucose"
        case .cgmTrend: "glucose-trend"
        case .cgmQuality: "glucose-quality"
        case .senmlRecord: "senml-record"
        case .hl7Observation: "hl7-observation"
        case .frameField: "frame-field"
        }
    }

    /// Default codes for a field when no profile names them (`../shared/reference/codes.md` §1).
    ///
    /// The heart-rate strap has no MDC term of its own in the sources; MDC_ECG_HEART_RATE (147842) is the nearest by
    /// meaning and is used as the codes table suggests. Glucose codes depend on the sample type and are chosen by
    /// the decoder (`GlucoseSampleType.mdc`).
    public var defaultCodes: (loinc: String?, mdc: UInt32?) {
        switch self {
        case .systolic: ("8480-6", 150_021)
        case .diastolic: ("8462-4", 150_022)
        case .meanArterialPressure: ("8478-0", 150_023)
        case .pulseRate: ("8867-4", 149_546)
        case .cuffPressure: (nil, nil)
        case .temperature: ("8310-5", 150_364)
        case .glucose: (nil, 160_184)
        case .weight: ("29463-7", 188_736)
        case .bmi: ("39156-5", 188_752)
        case .height: ("8302-2", 188_740)
        case .spo2, .spo2Fast, .spo2Slow: ("2708-6", 150_456)
        case .pulseAmplitudeIndex: (nil, 150_448)
        case .pulseRateFast, .pulseRateSlow: ("8867-4", 149_530)
        case .heartRate: ("8867-4", 147_842)
        case .energyExpended, .rrInterval, .cgmTrend, .cgmQuality, .senmlRecord, .hl7Observation, .frameField:
            (nil, nil)
        case .cgmGlucose: ("99504-3", 160_212)
        }
    }

    public init?(name: String) {
        guard let f = Field.allCases.first(where: { $0.name == name && $0 != .cgmGlucose }) else { return nil }
        self = f
    }
}

extension Field {
    /// The units a payload can send this field in; a profile metric's unit must be convertible from each.
    public var possibleUnits: [UCUMUnit] {
        switch self {
        case .systolic, .diastolic, .meanArterialPressure, .cuffPressure: [.mmHg, .kPa]
        case .pulseRate, .pulseRateFast, .pulseRateSlow, .heartRate: [.perMinute]
        case .temperature: [.celsius, .fahrenheit]
        case .glucose: [.kilogramPerLitre, .molePerLitre]
        case .weight: [.kilogram, .pound]
        case .bmi: [.kilogramPerSquareMetre]
        case .height: [.metre, .inch]
        case .spo2, .spo2Fast, .spo2Slow, .pulseAmplitudeIndex, .cgmQuality: [.percent]
        case .energyExpended: [.kilojoule]
        case .rrInterval: [.second]
        case .cgmGlucose: [.milligramPerDecilitre]
        case .cgmTrend: [.milligramPerDecilitrePerMinute]
        case .senmlRecord, .hl7Observation, .frameField: []
        }
    }
}
