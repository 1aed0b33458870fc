/// SenML unit symbols (IANA SenML Units registry, RFC 8428 §12.1 and RFC 8798) mapped to UCUM.
///
/// SenML `%` and `/` are ratios ("it is NOT a percentage but the absolute ratio!", RFC 8428 §12.1 note 2), so SpO2
/// sent as `{"u":"%","v":0.97}` is 97 %. Gateways that send `{"u":"%","v":97}` are declared in their firmware spec
/// (`senml-percent-is-percentage`); without that quirk, 97 reads as 9700 % and fails the plausible range, which
/// sends it to quarantine instead of the journal. SenML has no mmHg: pressure arrives in Pa.
public enum SenMLUnits {
    public static func ucum(_ symbol: String, percentIsPercentage: Bool = false) -> UCUMUnit? {
        switch symbol {
        case "Cel": .celsius
        case "Pa": .pascal
        case "kg": .kilogram
        case "g": .gram
        case "m": .metre
        case "cm": .centimetre
        case "beat/min", "1/min": .perMinute
        case "%": percentIsPercentage ? .percent : .ratio
        case "/": .ratio
        case "s": .second
        case "ms": .millisecond
        case "count", "beats": .count
        case "mg/dL", "mmol/L", "kg/m2": UCUMUnit(code: symbol)
        default: nil
        }
    }
}
