/// The units Helsebro reads and writes, each by its UCUM code.
///
/// FHIR vital signs require UCUM (`ucum-vitals-common`); GATT and SenML units map here on decode.
public enum UCUMUnit: UInt8, Sendable, CaseIterable {
    case none
    case mmHg
    case kPa
    case pascal
    case perMinute
    case celsius
    case fahrenheit
    case kilogramPerLitre
    case molePerLitre
    case milligramPerDecilitre
    case millimolePerLitre
    case kilogram
    case gram
    case pound
    case metre
    case centimetre
    case inch
    case kilogramPerSquareMetre
    case percent
    case ratio
    case kilojoule
    case second
    case millisecond
    case milligramPerDecilitrePerMinute
    case count
    case litre
    case litrePerMinute
    case litrePerSecond
    case minute
    /// A score (NEWS2): dimensionless, with the UCUM annotation `{score}`.
    case score

    /// The UCUM code.
    public var code: String {
        switch self {
        case .none: ""
        case .mmHg: "mm[Hg]"
        case .kPa: "kPa"
        case .pascal: "Pa"
        case .perMinute: "/min"
        case .celsius: "Cel"
        case .fahrenheit: "[degF]"
        case .kilogramPerLitre: "kg/L"
        case .molePerLitre: "mol/L"
        case .milligramPerDecilitre: "mg/dL"
        case .millimolePerLitre: "mmol/L"
        case .kilogram: "kg"
        case .gram: "g"
        case .pound: "[lb_av]"
        case .metre: "m"
        case .centimetre: "cm"
        case .inch: "[in_i]"
        case .kilogramPerSquareMetre: "kg/m2"
        case .percent: "%"
        case .ratio: "1"
        case .kilojoule: "kJ"
        case .second: "s"
        case .millisecond: "ms"
        case .milligramPerDecilitrePerMinute: "mg/dL/min"
        case .count: "{count}"
        case .litre: "L"
        case .litrePerMinute: "L/min"
        case .litrePerSecond: "L/s"
        case .minute: "min"
        case .score: "{score}"
        }
    }

    /// Reads a UCUM code; also accepts the equivalent `{beat}/min` and `{beats}/min` (braces are annotations).
    public init?(code: String) {
        switch code {
        case "{beat}/min", "{beats}/min", "1/min": self = .perMinute
        case "{count}", "{#}": self = .count
        default:
            guard let u = Self.byCode[code] else { return nil }
            self = u
        }
    }

    /// Every unit but `.none` by its code (`allCases` would build an array at each lookup).
    private static let byCode = Dictionary(
        uniqueKeysWithValues: allCases.filter { $0 != .none }.map { ($0.code, $0) })

    /// What a unit measures; conversion exists only within one dimension.
    public enum Dimension: Sendable {
        case none, pressure, rate, temperature, massConcentration, substanceConcentration, mass, length, areaDensity,
            fraction, energy, time, glucoseRate, count, volume, flow
    }

    public var dimension: Dimension {
        switch self {
        case .none: .none
        case .mmHg, .kPa, .pascal: .pressure
        case .perMinute: .rate
        case .celsius, .fahrenheit: .temperature
        case .kilogramPerLitre, .milligramPerDecilitre: .massConcentration
        case .molePerLitre, .millimolePerLitre: .substanceConcentration
        case .kilogram, .gram, .pound: .mass
        case .metre, .centimetre, .inch: .length
        case .kilogramPerSquareMetre: .areaDensity
        case .percent, .ratio: .fraction
        case .kilojoule: .energy
        case .second, .millisecond, .minute: .time
        case .milligramPerDecilitrePerMinute: .glucoseRate
        case .count, .score: .count
        case .litre: .volume
        case .litrePerMinute, .litrePerSecond: .flow
        }
    }

    /// `value_in_self × scale + offset` in the dimension's reference unit.
    ///
    /// Constants (`../shared/reference/codes.md` §2): 1 kPa = 7.50062 mmHg, °F → °C (F − 32) × 5/9,
    /// 1 lb = 0.45359237 kg, 1 in = 2.54 cm, kg/L × 100 000 = mg/dL, mol/L × 1000 = mmol/L.
    var toReference: (scale: Double, offset: Double) {
        switch self {
        case .mmHg: (1, 0)
        case .kPa: (7.50062, 0)
        case .pascal: (0.00750062, 0)
        case .celsius: (1, 0)
        case .fahrenheit: (5.0 / 9.0, -32.0 * 5.0 / 9.0)
        case .kilogramPerLitre: (100_000, 0)
        case .milligramPerDecilitre: (1, 0)
        case .molePerLitre: (1000, 0)
        case .millimolePerLitre: (1, 0)
        case .kilogram: (1, 0)
        case .gram: (0.001, 0)
        case .pound: (0.45359237, 0)
        case .metre: (100, 0)
        case .centimetre: (1, 0)
        case .inch: (2.54, 0)
        case .percent: (1, 0)
        case .ratio: (100, 0)
        case .second: (1, 0)
        case .millisecond: (0.001, 0)
        case .minute: (60, 0)
        case .litrePerMinute: (1, 0)
        case .litrePerSecond: (60, 0)
        default: (1, 0)
        }
    }

    /// The linear map from this unit to `target`, or nil if they measure different things.
    ///
    /// Glucose mass and substance concentrations convert with the molar mass of glucose, 180.16 g/mol
    /// (mg/dL ÷ 18.016 = mmol/L, codes.md §2); that is the only cross-dimension conversion.
    public func conversion(to target: UCUMUnit) -> UnitConversion? {
        if self == target { return .identity }
        let from = toReference
        let to = target.toReference
        var crossScale = 1.0
        switch (dimension, target.dimension) {
        case (let a, let b) where a == b: break
        case (.massConcentration, .substanceConcentration): crossScale = 1 / 18.016
        case (.substanceConcentration, .massConcentration): crossScale = 18.016
        default: return nil
        }
        // reference_from = v·from.scale + from.offset; reference_to = reference_from·cross; v' = (ref_to − to.offset)/to.scale
        let scale = from.scale * crossScale / to.scale
        let offset = (from.offset * crossScale - to.offset) / to.scale
        return UnitConversion(scale: scale, offset: offset)
    }
}

/// `y = x × scale + offset`.
public struct UnitConversion: Hashable, Sendable {
    public var scale: Double
    public var offset: Double
    public static let identity = UnitConversion(scale: 1, offset: 0)
    public var isIdentity: Bool { scale == 1 && offset == 0 }

    @inlinable
    public func apply(_ x: Double) -> Double { x * scale + offset }
}
